#pragma once
// Shared by m3u8roll's unit and property tests: a temp dir, a Roller whose
// emitted events are captured, and playlist reading.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/atomic_file.hpp"
#include "common/log.hpp"
#include "common/m3u8.hpp"
#include "tests/lib/temp_dir.hpp"
#include "tools/m3u8roll/roller.hpp"

namespace m3u8roll_test {

using hlsmesh::Json;
namespace fs = std::filesystem;

// On tmpfs when there is one: every playlist write fsyncs, and the property
// test writes tens of thousands of them.
struct TempDir : hlsmesh::test::TempDir {
  TempDir() : hlsmesh::test::TempDir("m3u8roll-test", memory_base()) {}
};

// A Roller plus everything it emitted.
struct Harness {
  explicit Harness(hlsmesh::m3u8roll::Options o) : options(std::move(o)) { start(); }
  void start() {
    roller = std::make_unique<hlsmesh::m3u8roll::Roller>(options, [this](const Json& e) { events.push_back(e); });
  }
  void restart() {
    roller.reset();
    start();
  }
  void feed(const Json& e) { roller->handle(e); }
  std::vector<Json> of_kind(const std::string& kind) const {
    std::vector<Json> out;
    for (const auto& e : events)
      if (e.value("event", "") == kind) out.push_back(e);
    return out;
  }
  hlsmesh::m3u8roll::Options options;
  std::vector<Json> events;
  std::unique_ptr<hlsmesh::m3u8roll::Roller> roller;
};

inline hlsmesh::m3u8::MediaPlaylist read_media(const std::string& path) {
  auto r = hlsmesh::m3u8::parse(hlsmesh::read_file(path));
  EXPECT_FALSE(r.has_errors()) << (r.diagnostics.empty() ? "" : r.diagnostics.front().message);
  EXPECT_FALSE(r.is_master());
  return std::get<hlsmesh::m3u8::MediaPlaylist>(r.playlist);
}

inline Json segment(uint64_t msn, double duration = 2.0, const std::string& prefix = "seg") {
  return Json{{"event", "segment"},
              {"msn", msn},
              {"uri", prefix + std::to_string(msn) + ".ts"},
              {"duration", duration},
              {"bytes", 100000 + msn},
              {"target_duration", 2}};
}

// Quiet logs in tests unless something fails loudly.
struct QuietLogs : ::testing::Environment {
  void SetUp() override { hlsmesh::log::configure("m3u8roll-test", hlsmesh::log::Format::text, hlsmesh::log::Level::error); }
};

}  // namespace m3u8roll_test
