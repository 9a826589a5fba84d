// Unit tests: the window rules, URI resolution, refusals, resume, master.
#include <gtest/gtest.h>

#include "common/hls_check.hpp"
#include "test_support.hpp"
#include "tools/m3u8roll/naming.hpp"
#include "tools/m3u8roll/window.hpp"

using namespace m3u8roll_test;
using hlsmesh::m3u8roll::Options;
using hlsmesh::m3u8roll::RenditionWindow;
using hlsmesh::m3u8roll::WindowEntry;
using hlsmesh::m3u8roll::WindowPolicy;

[[maybe_unused]] static auto* const quiet_logs = ::testing::AddGlobalTestEnvironment(new QuietLogs);

namespace {

WindowEntry entry(const std::string& uri, double duration, bool discontinuity = false) {
  WindowEntry e;
  e.uri = uri;
  e.duration = duration;
  e.discontinuity = discontinuity;
  return e;
}

Options base_options(const TempDir& dir) {
  Options o;
  o.out_template = dir / "{stream}/{rendition}.m3u8";
  o.base_url = "http://cdn.example/live/{rendition}";
  o.window = 5;
  return o;
}

}  // namespace

TEST(m3u8rollNaming, TemplatesAndUrls) {
  using namespace hlsmesh::m3u8roll;
  EXPECT_EQ(expand_template("/srv/{stream}/{rendition}.m3u8", "show", "720p"), "/srv/show/720p.m3u8");
  EXPECT_EQ(expand_template("/srv/{rendition}.m3u8", "s", "../etc"), "/srv/.._etc.m3u8");
}

TEST(m3u8rollWindow, TrimsByCountButNeverBelowThreeTargetDurations) {
  RenditionWindow w(4, 0, 0);
  WindowPolicy p;
  p.max_segments = 2;
  for (int i = 0; i < 10; ++i) {
    w.append(entry("s" + std::to_string(i), 2.0));
    w.trim(p);
  }
  // 2 segments of 2 s would be 4 s < 12 s: six stay.
  EXPECT_EQ(w.entries().size(), 6u);
  EXPECT_EQ(w.first_msn(), 4u);
  EXPECT_EQ(w.next_msn(), 10u);
  EXPECT_DOUBLE_EQ(w.duration(), 12.0);
}

TEST(m3u8rollWindow, TrimsBySecondsAndCountsDiscontinuitiesOut) {
  RenditionWindow w(2, 100, 7);
  WindowPolicy p;
  p.max_seconds = 8.0;
  w.append(entry("a", 2.0));
  w.append(entry("b", 2.0, true));
  w.append(entry("c", 2.0));
  w.append(entry("d", 2.0, true));
  EXPECT_TRUE(w.trim(p).empty());  // 8 s exactly: nothing to drop
  w.append(entry("e", 2.0));
  auto removed = w.trim(p);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].msn, 100u);
  EXPECT_EQ(w.discontinuity_sequence(), 7u);
  w.append(entry("f", 2.0));
  removed = w.trim(p);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].uri, "b");
  EXPECT_EQ(w.discontinuity_sequence(), 8u);  // b's DISCONTINUITY left with it
  auto pl = w.playlist(false);
  EXPECT_EQ(pl.first_msn(), 102u);
  EXPECT_EQ(pl.first_dsn(), 8u);
  EXPECT_EQ(pl.discontinuity_number(1), 9u);  // d
}

TEST(m3u8rollRoller, ListsCdnUrlsAndEmitsPlaylistEvents) {
  TempDir dir;
  Harness h(base_options(dir));
  for (uint64_t i = 0; i < 8; ++i) h.feed(segment(i));
  auto pl = read_media(dir / "live/0.m3u8");
  EXPECT_EQ(pl.target_duration, 2u);
  ASSERT_EQ(pl.segments.size(), 5u);
  EXPECT_EQ(pl.first_msn(), 3u);
  EXPECT_EQ(pl.segments[0].uri, "http://cdn.example/live/0/seg3.ts");
  EXPECT_FALSE(hlsmesh::m3u8::has_errors(hlsmesh::m3u8::check_media(pl)));
  // Every segment passed through, with its playlist MSN.
  auto segs = h.of_kind("segment");
  ASSERT_EQ(segs.size(), 8u);
  EXPECT_EQ(segs[7]["playlist_msn"], 7);
  EXPECT_EQ(segs[7]["uri"], "seg7.ts");  // unchanged
  // First publish once 3 × TD = 6 s are there: after the third segment.
  auto playlists = h.of_kind("playlist");
  ASSERT_EQ(playlists.size(), 6u);
  EXPECT_EQ(playlists[0]["segments"], 3);
  const auto& last = playlists.back();
  EXPECT_EQ(last["path"], dir / "live/0.m3u8");
  EXPECT_EQ(last["rendition"], "0");
  EXPECT_EQ(last["stream"], "live");
  EXPECT_EQ(last["msn"], 3);
  EXPECT_EQ(last["segments"], 5);
  EXPECT_EQ(last["target_duration"], 2);
  EXPECT_DOUBLE_EQ(last["duration"].get<double>(), 10.0);
  // Order: segment, playlist, expire.
  ASSERT_GE(h.events.size(), 3u);
  EXPECT_EQ(h.events[h.events.size() - 3]["event"], "segment");
  EXPECT_EQ(h.events[h.events.size() - 2]["event"], "playlist");
  EXPECT_EQ(h.events.back()["event"], "expire");
}

TEST(m3u8rollRoller, ExpireCarriesTheSegmentAndItsAvailabilityTime) {
  TempDir dir;
  Harness h(base_options(dir));
  for (uint64_t i = 0; i < 7; ++i) {
    auto s = segment(i);
    s["url"] = "https://r2.example/seg" + std::to_string(i) + ".ts";
    s["infohash"] = "ab";
    h.feed(s);
  }
  auto expired = h.of_kind("expire");
  ASSERT_EQ(expired.size(), 2u);
  EXPECT_EQ(expired[0]["playlist_msn"], 0);
  EXPECT_EQ(expired[0]["msn"], 0);
  EXPECT_EQ(expired[0]["url"], "https://r2.example/seg0.ts");
  EXPECT_EQ(expired[0]["infohash"], "ab");
  EXPECT_EQ(expired[0]["reason"], "window");
  // 2 s + the longest playlist that listed it (5 × 2 s).
  EXPECT_DOUBLE_EQ(expired[0]["expire_after"].get<double>(), 12.0);
  auto pl = read_media(dir / "live/0.m3u8");
  EXPECT_EQ(pl.segments[0].uri, "https://r2.example/seg2.ts");  // url wins over --base-url
}

TEST(m3u8rollRoller, RefusesSegmentsWithoutAnAddressAndSaysWhich) {
  TempDir dir;
  auto o = base_options(dir);
  o.base_url.clear();
  Harness h(o);
  for (uint64_t i = 0; i < 3; ++i) {
    auto s = segment(i);
    s["url"] = "https://r2.example/" + std::to_string(i) + ".ts";
    h.feed(s);
  }
  h.feed(segment(3));  // no url, no --base-url
  auto s4 = segment(4);
  s4["url"] = "https://r2.example/4.ts";
  h.feed(s4);
  auto segs = h.of_kind("segment");
  ASSERT_EQ(segs.size(), 5u);
  EXPECT_TRUE(segs[3].contains("playlist_error"));
  EXPECT_FALSE(segs[3].contains("playlist_msn"));
  auto expired = h.of_kind("expire");
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0]["reason"], "not-listed");
  EXPECT_EQ(expired[0]["msn"], 3);
  auto pl = read_media(dir / "live/0.m3u8");
  ASSERT_EQ(pl.segments.size(), 4u);
  EXPECT_TRUE(pl.segments[3].discontinuity);  // the hole is marked
  EXPECT_EQ(pl.segments[3].uri, "https://r2.example/4.ts");
}

TEST(m3u8rollRoller, RefusesSegmentsLongerThanTheTargetDuration) {
  TempDir dir;
  Harness h(base_options(dir));
  for (uint64_t i = 0; i < 4; ++i) h.feed(segment(i));
  h.feed(segment(4, 2.49));  // rounds to 2: listed
  h.feed(segment(5, 2.5));   // rounds to 3: refused, TD stays 2
  h.feed(segment(6));
  auto pl = read_media(dir / "live/0.m3u8");
  EXPECT_EQ(pl.target_duration, 2u);
  EXPECT_FALSE(hlsmesh::m3u8::has_errors(hlsmesh::m3u8::check_media(pl)));
  EXPECT_EQ(pl.segments.back().uri, "http://cdn.example/live/0/seg6.ts");
  EXPECT_TRUE(pl.segments.back().discontinuity);
  EXPECT_NE(h.of_kind("segment")[5]["playlist_error"].get<std::string>().find("--target-duration 3"),
            std::string::npos);
}

TEST(m3u8rollRoller, SourceRestartKeepsMsnAndMarksDiscontinuity) {
  TempDir dir;
  auto o = base_options(dir);
  o.window = 3;
  Harness h(o);
  for (uint64_t i = 10; i < 15; ++i) h.feed(segment(i));
  auto before = read_media(dir / "live/0.m3u8");
  h.feed(segment(0, 2.0, "new"));  // msn back, no flag: still a restart
  auto after = read_media(dir / "live/0.m3u8");
  EXPECT_TRUE(after.segments.back().discontinuity);
  EXPECT_EQ(after.first_msn(), before.first_msn() + 1);
  EXPECT_FALSE(hlsmesh::m3u8::has_errors(hlsmesh::m3u8::check_update(before, after)));
  for (uint64_t i = 1; i < 6; ++i) {
    auto prev = read_media(dir / "live/0.m3u8");
    h.feed(segment(i, 2.0, "new"));
    auto cur = read_media(dir / "live/0.m3u8");
    auto d = hlsmesh::m3u8::check_update(prev, cur);
    EXPECT_FALSE(hlsmesh::m3u8::has_errors(d)) << d.front().message;
  }
  auto pl = read_media(dir / "live/0.m3u8");
  EXPECT_EQ(pl.first_dsn(), 1u);  // the DISCONTINUITY scrolled out
  EXPECT_EQ(pl.first_msn(), 8u);
}

TEST(m3u8rollRoller, ResumesFromItsOwnPlaylistAfterRestart) {
  TempDir dir;
  Harness h(base_options(dir));
  for (uint64_t i = 0; i < 9; ++i) h.feed(segment(i));
  auto before = read_media(dir / "live/0.m3u8");
  h.restart();
  h.feed(segment(7));  // replayed (hlswatch --backlog): not listed twice
  h.feed(segment(8));
  EXPECT_EQ(read_media(dir / "live/0.m3u8").segments.size(), before.segments.size());
  h.feed(segment(9));
  auto after = read_media(dir / "live/0.m3u8");
  EXPECT_EQ(after.first_msn(), before.first_msn() + 1);
  EXPECT_TRUE(after.segments.back().discontinuity);  // unknown continuity without --state
  EXPECT_FALSE(hlsmesh::m3u8::has_errors(hlsmesh::m3u8::check_update(before, after)));
  // The expire event of a segment restored from the playlist still names it.
  auto expired = h.of_kind("expire");
  ASSERT_FALSE(expired.empty());
  EXPECT_EQ(expired.back()["url"], "http://cdn.example/live/0/seg4.ts");
  EXPECT_EQ(expired.back()["playlist_msn"], 4);
}

TEST(m3u8rollRoller, ResumesExactlyFromStateFile) {
  TempDir dir;
  auto o = base_options(dir);
  o.state_file = dir / "state.json";
  Harness h(o);
  for (uint64_t i = 0; i < 9; ++i) h.feed(segment(i));
  h.restart();
  h.feed(segment(9));
  auto pl = read_media(dir / "live/0.m3u8");
  EXPECT_FALSE(pl.segments.back().discontinuity);  // the state knows msn 9 follows 8
  EXPECT_EQ(pl.first_msn(), 5u);
  auto expired = h.of_kind("expire");
  ASSERT_FALSE(expired.empty());
  EXPECT_EQ(expired.back()["uri"], "seg4.ts");  // the original event, from the state
  EXPECT_EQ(expired.back()["bytes"], 100004);
}

TEST(m3u8rollRoller, FmP4InitBecomesExtXMap) {
  TempDir dir;
  Harness h(base_options(dir));
  h.feed(Json{{"event", "init"}, {"uri", "init.mp4"}, {"url", "https://r2.example/init.mp4"}, {"bytes", 900}});
  for (uint64_t i = 0; i < 4; ++i) {
    auto s = segment(i);
    s["uri"] = "seg" + std::to_string(i) + ".m4s";
    s["map"] = "init.mp4";
    h.feed(s);
  }
  auto pl = read_media(dir / "live/0.m3u8");
  ASSERT_TRUE(pl.segments[0].map.has_value());
  EXPECT_EQ(pl.segments[0].map->uri, "https://r2.example/init.mp4");
  EXPECT_EQ(pl.version, 6);
  EXPECT_FALSE(hlsmesh::m3u8::has_errors(hlsmesh::m3u8::check_media(pl)));
  EXPECT_EQ(h.of_kind("init").size(), 1u);  // passed through
}

TEST(m3u8rollRoller, MasterPlaylistMeasuresBandwidth) {
  TempDir dir;
  auto o = base_options(dir);
  o.master_template = dir / "{stream}/master.m3u8";
  Harness h(o);
  h.feed(Json{{"event", "master"},
              {"renditions",
               Json::array({Json{{"rendition", "1"}, {"bandwidth", 1}, {"codecs", "avc1.64001f"}, {"resolution", "640x360"}},
                            Json{{"rendition", "0"},
                                 {"bandwidth", 1},
                                 {"codecs", "avc1.640028,mp4a.40.2"},
                                 {"resolution", "1280x720"},
                                 {"frame_rate", 30}}})}});
  for (uint64_t i = 0; i < 4; ++i) {
    for (const char* r : {"0", "1"}) {
      auto s = segment(i);
      s["rendition"] = r;
      s["bytes"] = (r[0] == '0' ? 500000 : 100000) * (i % 2 ? 2 : 1);  // 2 s at 2 / 4 Mbit/s, ...
      h.feed(s);
    }
  }
  auto parsed = hlsmesh::m3u8::parse(hlsmesh::read_file(dir / "live/master.m3u8"));
  ASSERT_TRUE(parsed.is_master());
  const auto& m = std::get<hlsmesh::m3u8::MasterPlaylist>(parsed.playlist);
  ASSERT_EQ(m.variants.size(), 2u);
  EXPECT_EQ(m.variants[0].uri, "1.m3u8");  // the source's order
  EXPECT_EQ(m.variants[1].uri, "0.m3u8");
  EXPECT_EQ(m.variants[1].bandwidth, 4000000u);           // peak: 1 MB in 2 s
  EXPECT_EQ(m.variants[1].average_bandwidth, 3000000u);   // mean over the window
  EXPECT_EQ(m.variants[1].codecs, "avc1.640028,mp4a.40.2");
  EXPECT_EQ(m.variants[1].resolution, "1280x720");
  EXPECT_EQ(m.variants[1].frame_rate, 30.0);
  EXPECT_FALSE(hlsmesh::m3u8::has_errors(hlsmesh::m3u8::check_master(m)));
}

TEST(m3u8rollRoller, MasterFrameRateThatIsNotANumberIsSaidAndLeftOut) {
  TempDir dir;
  auto o = base_options(dir);
  o.master_template = dir / "{stream}/master.m3u8";
  Harness h(o);
  hlsmesh::log::set_level(hlsmesh::log::Level::warning);
  testing::internal::CaptureStderr();
  h.feed(Json{{"event", "master"},
              {"renditions", Json::array({Json{{"rendition", "0"}, {"bandwidth", 1}, {"frame_rate", "fast"}}})}});
  std::string logged = testing::internal::GetCapturedStderr();
  hlsmesh::log::set_level(hlsmesh::log::Level::error);
  EXPECT_NE(logged.find("not using frame_rate \"fast\" of rendition 0 in the master event: it is not a number; "
                        "FRAME-RATE is left out"),
            std::string::npos)
      << logged;
  for (uint64_t i = 0; i < 4; ++i) h.feed(segment(i));
  auto parsed = hlsmesh::m3u8::parse(hlsmesh::read_file(dir / "live/master.m3u8"));
  ASSERT_TRUE(parsed.is_master());
  const auto& m = std::get<hlsmesh::m3u8::MasterPlaylist>(parsed.playlist);
  ASSERT_EQ(m.variants.size(), 1u);
  EXPECT_FALSE(m.variants[0].frame_rate.has_value());
}

TEST(m3u8rollRoller, EndlistOnlyWithFinishOnEnd) {
  TempDir dir;
  auto o = base_options(dir);
  Harness live(o);
  for (uint64_t i = 0; i < 4; ++i) live.feed(segment(i));
  live.feed(Json{{"event", "end"}});
  EXPECT_FALSE(read_media(dir / "live/0.m3u8").endlist);

  TempDir dir2;
  auto o2 = base_options(dir2);
  o2.finish_on_end = true;
  Harness fin(o2);
  for (uint64_t i = 0; i < 4; ++i) fin.feed(segment(i));
  fin.feed(Json{{"event", "end"}, {"rendition", "0"}});
  EXPECT_TRUE(read_media(dir2 / "live/0.m3u8").endlist);
  fin.feed(segment(4));  // after ENDLIST: refused, file unchanged
  EXPECT_EQ(read_media(dir2 / "live/0.m3u8").segments.size(), 4u);
  EXPECT_TRUE(fin.of_kind("segment").back().contains("playlist_error"));
}

// An ingest's publisher back after the end: the finished playlist goes on
// live after one discontinuity, same media sequence, nothing refused; a replay
// of a listed segment does not reopen it; the end survives a restart (state).
TEST(m3u8rollRoller, ReopenAfterEndContinuesLiveAfterADiscontinuity) {
  TempDir dir;
  auto o = base_options(dir);
  o.finish_on_end = true;
  o.reopen_after_end = true;
  o.state_file = dir / "state.json";
  Harness h(o);
  for (uint64_t i = 0; i < 4; ++i) h.feed(segment(i));
  h.feed(Json{{"event", "end"}});
  ASSERT_TRUE(read_media(dir / "live/0.m3u8").endlist);
  h.feed(segment(3));
  EXPECT_TRUE(read_media(dir / "live/0.m3u8").endlist) << "a replay reopened the playlist";
  h.restart();
  h.feed(segment(0, 2.0, "run2-"));
  auto pl = read_media(dir / "live/0.m3u8");
  EXPECT_FALSE(pl.endlist);
  ASSERT_EQ(pl.segments.size(), 5u);
  EXPECT_EQ(pl.first_msn(), 0u);
  EXPECT_TRUE(pl.segments.back().discontinuity);
  EXPECT_EQ(pl.segments.back().uri, "http://cdn.example/live/0/run2-0.ts");
  EXPECT_FALSE(h.of_kind("segment").back().contains("playlist_error"));
  EXPECT_EQ(h.roller->stats().rejected, 0u);
  EXPECT_FALSE(hlsmesh::m3u8::has_errors(hlsmesh::m3u8::check_media(pl)));
  h.feed(segment(1, 2.0, "run2-"));
  EXPECT_EQ(read_media(dir / "live/0.m3u8").segments.back().uri, "http://cdn.example/live/0/run2-1.ts");
}

TEST(m3u8rollRoller, KeepAllWritesAnEventPlaylist) {
  TempDir dir;
  auto o = base_options(dir);
  o.keep_all = true;
  Harness h(o);
  for (uint64_t i = 0; i < 20; ++i) h.feed(segment(i));
  auto pl = read_media(dir / "live/0.m3u8");
  EXPECT_EQ(pl.playlist_type, "EVENT");
  EXPECT_EQ(pl.segments.size(), 20u);
  EXPECT_EQ(pl.first_msn(), 0u);
  EXPECT_TRUE(h.of_kind("expire").empty());
}

TEST(m3u8rollRoller, OutputPathConflictIsRefusedLoudly) {
  TempDir dir;
  auto o = base_options(dir);
  o.out_template = dir / "one.m3u8";
  Harness h(o);
  auto a = segment(0);
  a["rendition"] = "a";
  auto b = segment(0);
  b["rendition"] = "b";
  h.feed(a);
  h.feed(b);
  auto segs = h.of_kind("segment");
  EXPECT_FALSE(segs[0].contains("playlist_error"));
  ASSERT_TRUE(segs[1].contains("playlist_error"));
  EXPECT_NE(segs[1]["playlist_error"].get<std::string>().find("{rendition}"), std::string::npos);
}

TEST(m3u8rollRoller, ReusedSegmentNameGetsAUniqueUri) {
  TempDir dir;
  Harness h(base_options(dir));
  for (uint64_t i = 0; i < 4; ++i) h.feed(segment(i));
  auto restart = segment(0);
  restart["discontinuity"] = true;
  restart["bytes"] = 4242;
  h.feed(restart);  // ffmpeg restarted and wrote seg0.ts again
  auto pl = read_media(dir / "live/0.m3u8");
  EXPECT_EQ(pl.segments.back().uri, "http://cdn.example/live/0/seg0.ts?hlsmesh_msn=4");
  EXPECT_FALSE(hlsmesh::m3u8::has_errors(hlsmesh::m3u8::check_media(pl)));
}

TEST(m3u8rollRoller, UnknownEventsPassThroughUnchanged) {
  TempDir dir;
  Harness h(base_options(dir));
  Json e{{"event", "hello"}, {"x", Json::array({1, 2})}};
  h.feed(e);
  ASSERT_EQ(h.events.size(), 1u);
  EXPECT_EQ(h.events[0], e);
}
