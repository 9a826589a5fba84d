// Property test: random sequences of segments, source restarts (with and
// without the discontinuity flag), refused segments, replays, `end` events
// and m3u8roll restarts. Every playlist written must pass common's RFC
// checker on its own and against the previous one, MSN never goes back and
// an MSN never changes URI — over thousands of steps per seed.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <random>
#include <set>

#include "common/hls_check.hpp"
#include "common/time_util.hpp"
#include "test_support.hpp"

using namespace m3u8roll_test;
using hlsmesh::m3u8roll::Options;
namespace m3u8 = hlsmesh::m3u8;

namespace {

std::string first_error(const std::vector<m3u8::Diagnostic>& d) {
  for (const auto& x : d)
    if (x.severity == m3u8::Severity::error) return x.code + ": " + x.message;
  return {};
}

struct Source {
  uint64_t generation = 0;
  uint64_t msn = 0;
  int64_t pdt_ms = 1'790'000'000'000;
  bool restarted = false;
};

void run_seed(uint64_t seed, int steps) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  auto pick = [&](uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); };

  TempDir dir;
  Options o;
  o.out_template = dir / "{rendition}.m3u8";
  const uint64_t td = std::vector<uint64_t>{1, 2, 4}[pick(0, 2)];
  const bool url_mode = chance(0.5);
  const bool fmp4 = chance(0.3);
  const bool with_pdt = chance(0.7);
  if (!url_mode) o.base_url = "http://cdn.example/live";
  if (chance(0.5)) o.state_file = dir / "state.json";
  if (chance(0.3)) o.window_seconds = static_cast<double>(pick(1, 20));
  else o.window = pick(1, 12);
  o.keep_all = seed % 7 == 0;
  if (o.keep_all) steps = std::min(steps, 400);  // an EVENT playlist grows: each write is O(n)
  if (chance(0.5)) o.target_duration = td;
  const std::string playlist_path = dir / "0.m3u8";

  Harness h(o);
  Source src;
  std::vector<Json> inputs;
  std::map<uint64_t, std::string> uri_of_msn;  // every MSN ever published → its URI
  std::set<uint64_t> expired;
  std::optional<m3u8::MediaPlaylist> previous;
  std::string previous_text;
  size_t events_seen = 0, inputs_passed = 0, writes = 0;

  auto make_segment = [&](double duration) {
    const std::string name = "g" + std::to_string(src.generation) + "_" + std::to_string(src.msn);
    Json s{{"event", "segment"}, {"stream", "live"}, {"msn", src.msn}, {"uri", name + (fmp4 ? ".m4s" : ".ts")},
           {"duration", duration}, {"bytes", pick(1000, 2'000'000)}, {"target_duration", td},
           {"path", "/src/" + name}};
    if (url_mode) s["url"] = "https://r2.example/live/" + name + (fmp4 ? ".m4s" : ".ts");
    if (fmp4) s["map"] = "init_g" + std::to_string(src.generation) + ".mp4";
    if (with_pdt) s["pdt"] = hlsmesh::format_iso8601_ms(hlsmesh::SystemTime(std::chrono::milliseconds(src.pdt_ms)));
    if (src.restarted) {
      s["discontinuity"] = true;
      src.restarted = false;
    }
    src.pdt_ms += static_cast<int64_t>(duration * 1000);
    ++src.msn;
    return s;
  };
  auto feed = [&](const Json& e) {
    inputs.push_back(e);
    h.feed(e);
  };
  auto init_event = [&] {
    Json i{{"event", "init"}, {"uri", "init_g" + std::to_string(src.generation) + ".mp4"}, {"bytes", 800}};
    if (url_mode) i["url"] = "https://r2.example/live/init_g" + std::to_string(src.generation) + ".mp4";
    return i;
  };
  if (fmp4) feed(init_event());

  for (int step = 0; step < steps; ++step) {
    const double r = std::uniform_real_distribution<double>(0, 1)(rng);
    bool expect_discontinuity = false;
    if (r < 0.04) {  // source restart: new names, MSN back; flagged or not
      ++src.generation;
      const uint64_t back_to = src.msn > 0 ? pick(0, src.msn - 1) : 0;
      src.msn = back_to;
      src.pdt_ms += static_cast<int64_t>(pick(1000, 60000));
      src.restarted = chance(0.5) || src.msn == 0;
      if (fmp4) feed(init_event());
      Json s = make_segment(static_cast<double>(td) * std::uniform_real_distribution<double>(0.5, 1.0)(rng));
      expect_discontinuity = true;
      feed(s);
    } else if (r < 0.07) {  // m3u8roll restart, maybe with a replay of what it already listed
      h.restart();
      if (chance(0.5) && !inputs.empty()) {
        size_t k = std::min<size_t>(inputs.size(), pick(1, 3));
        std::vector<Json> replay(inputs.end() - static_cast<std::ptrdiff_t>(k), inputs.end());
        for (auto& e : replay) feed(e);
      }
    } else if (r < 0.09) {  // a segment m3u8roll must refuse: too long, or no address
      Json s = make_segment(static_cast<double>(td) + std::uniform_real_distribution<double>(0.6, 2.0)(rng));
      if (chance(0.5)) {
        s["duration"] = static_cast<double>(td) * 0.9;
        s.erase("url");
        if (!url_mode) s.erase("uri");
      }
      feed(s);
    } else if (r < 0.10) {
      feed(Json{{"event", "end"}, {"stream", "live"}});
    } else if (r < 0.11 && !inputs.empty()) {
      feed(inputs.back());  // a duplicated line
    } else {
      double d = chance(0.05) ? static_cast<double>(td) + std::uniform_real_distribution<double>(0.01, 0.45)(rng)
                              : static_cast<double>(td) * std::uniform_real_distribution<double>(0.3, 1.0)(rng);
      feed(make_segment(d));
    }

    // Everything emitted since the last step.
    std::vector<uint64_t> step_expired;
    for (; events_seen < h.events.size(); ++events_seen) {
      const Json& e = h.events[events_seen];
      const std::string kind = e.value("event", "");
      if (kind == "segment" || kind == "init" || kind == "end") ++inputs_passed;
      if (kind == "playlist") ++writes;
      if (kind == "expire" && e.value("reason", "") == "window") {
        const uint64_t msn = e.at("playlist_msn").get<uint64_t>();
        ASSERT_TRUE(expired.insert(msn).second) << "MSN " << msn << " expired twice at step " << step;
        step_expired.push_back(msn);
        ASSERT_GT(e.at("expire_after").get<double>(), e.at("duration").get<double>());
      }
    }

    std::error_code ec;
    if (!fs::exists(playlist_path, ec)) continue;
    std::string text = hlsmesh::read_file(playlist_path);
    if (text == previous_text) {
      ASSERT_TRUE(step_expired.empty()) << "expire without a new playlist at step " << step;
      continue;
    }
    auto parsed = m3u8::parse(text);
    ASSERT_FALSE(parsed.has_errors()) << "step " << step << ": " << parsed.diagnostics.front().message << "\n" << text;
    const auto& pl = std::get<m3u8::MediaPlaylist>(parsed.playlist);
    auto diags = m3u8::check_media(pl);
    ASSERT_FALSE(m3u8::has_errors(diags)) << "step " << step << ": " << first_error(diags) << "\n" << text;
    if (previous) {
      auto upd = m3u8::check_update(*previous, pl);
      ASSERT_FALSE(m3u8::has_errors(upd)) << "step " << step << ": " << first_error(upd) << "\n"
                                          << previous_text << "----\n" << text;
      ASSERT_GE(pl.first_msn(), previous->first_msn());
    }
    ASSERT_EQ(pl.target_duration, td);
    for (uint64_t msn : step_expired) ASSERT_LT(msn, pl.first_msn()) << "expired MSN still listed";
    for (size_t i = 0; i < pl.segments.size(); ++i) {
      const uint64_t msn = pl.first_msn() + i;
      auto [it, inserted] = uri_of_msn.emplace(msn, pl.segments[i].uri);
      ASSERT_EQ(it->second, pl.segments[i].uri) << "MSN " << msn << " changed URI at step " << step;
      ASSERT_EQ(expired.count(msn), 0u) << "expired MSN " << msn << " is listed again";
    }
    if (expect_discontinuity && !h.of_kind("segment").back().contains("playlist_error")) {
      ASSERT_TRUE(pl.segments.back().discontinuity) << "source restart without DISCONTINUITY at step " << step;
    }
    previous = pl;
    previous_text = std::move(text);
  }
  EXPECT_EQ(inputs_passed, inputs.size()) << "every input event passes through";
  EXPECT_GT(writes, static_cast<size_t>(steps / 2));
  EXPECT_GT(uri_of_msn.size(), static_cast<size_t>(steps / 2));
  if (!o.keep_all) {
    EXPECT_FALSE(expired.empty());
  }
}

}  // namespace

class m3u8rollProperty : public ::testing::TestWithParam<uint64_t> {};

TEST_P(m3u8rollProperty, EveryWrittenPlaylistIsRfcCorrect) { run_seed(GetParam(), 1500); }

INSTANTIATE_TEST_SUITE_P(Seeds, m3u8rollProperty, ::testing::Values(1, 2, 3, 5, 7, 8, 13, 21, 34, 55));
