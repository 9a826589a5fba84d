// Golden-text tests of the playlists m3u8roll writes: whole expected files,
// as shaka-packager's writer tests do, so a changed tag, attribute order or
// number format shows as a text diff.
#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace m3u8roll_test;
using hlsmesh::m3u8roll::Options;

[[maybe_unused]] static auto* const quiet_golden_logs = ::testing::AddGlobalTestEnvironment(new QuietLogs);

namespace {

Options golden_options(const TempDir& dir, size_t window) {
  Options o;
  o.out_template = dir / "{stream}/{rendition}.m3u8";
  o.base_url = "http://cdn.example/live/{rendition}";
  o.window = window;
  return o;
}

std::string playlist(const TempDir& dir, const std::string& rel) { return hlsmesh::read_file(dir / rel); }

}  // namespace

TEST(m3u8rollGolden, LiveWindowSlides) {
  TempDir dir;
  Harness h(golden_options(dir, 3));
  for (uint64_t i = 0; i < 6; ++i) h.feed(segment(i));
  // Three 2 s segments are the least a live playlist holds (3 × target duration);
  // integer durations need no EXT-X-VERSION.
  EXPECT_EQ(playlist(dir, "live/0.m3u8"), R"(#EXTM3U
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:3
#EXT-X-DISCONTINUITY-SEQUENCE:0
#EXTINF:2,
http://cdn.example/live/0/seg3.ts
#EXTINF:2,
http://cdn.example/live/0/seg4.ts
#EXTINF:2,
http://cdn.example/live/0/seg5.ts
)");
}

TEST(m3u8rollGolden, DiscontinuityAfterASourceRestart) {
  TempDir dir;
  Harness h(golden_options(dir, 5));
  for (uint64_t i = 0; i < 3; ++i) h.feed(segment(i));
  auto restarted = segment(3, 2.0, "b");
  restarted["discontinuity"] = true;
  h.feed(restarted);
  h.feed(segment(4, 2.0, "b"));
  EXPECT_EQ(playlist(dir, "live/0.m3u8"), R"(#EXTM3U
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-DISCONTINUITY-SEQUENCE:0
#EXTINF:2,
http://cdn.example/live/0/seg0.ts
#EXTINF:2,
http://cdn.example/live/0/seg1.ts
#EXTINF:2,
http://cdn.example/live/0/seg2.ts
#EXT-X-DISCONTINUITY
#EXTINF:2,
http://cdn.example/live/0/b3.ts
#EXTINF:2,
http://cdn.example/live/0/b4.ts
)");
}

TEST(m3u8rollGolden, EndlistWithFinishOnEnd) {
  TempDir dir;
  auto o = golden_options(dir, 5);
  o.finish_on_end = true;
  Harness h(o);
  for (uint64_t i = 0; i < 3; ++i) h.feed(segment(i, i == 2 ? 1.5 : 2.0));
  h.feed(Json{{"event", "end"}, {"stream", "live"}});
  // A fractional duration: EXTINF with decimals, so EXT-X-VERSION:3.
  EXPECT_EQ(playlist(dir, "live/0.m3u8"), R"(#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-DISCONTINUITY-SEQUENCE:0
#EXTINF:2.000,
http://cdn.example/live/0/seg0.ts
#EXTINF:2.000,
http://cdn.example/live/0/seg1.ts
#EXTINF:1.500,
http://cdn.example/live/0/seg2.ts
#EXT-X-ENDLIST
)");
}

TEST(m3u8rollGolden, ProgramDateTime) {
  TempDir dir;
  Harness h(golden_options(dir, 5));
  for (uint64_t i = 0; i < 3; ++i) {
    auto s = segment(i);
    s["pdt"] = "2026-12-07T05:00:0" + std::to_string(2 * i) + ".000Z";
    h.feed(s);
  }
  EXPECT_EQ(playlist(dir, "live/0.m3u8"), R"(#EXTM3U
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-DISCONTINUITY-SEQUENCE:0
#EXT-X-PROGRAM-DATE-TIME:2026-12-07T05:00:00.000Z
#EXTINF:2,
http://cdn.example/live/0/seg0.ts
#EXT-X-PROGRAM-DATE-TIME:2026-12-07T05:00:02.000Z
#EXTINF:2,
http://cdn.example/live/0/seg1.ts
#EXT-X-PROGRAM-DATE-TIME:2026-12-07T05:00:04.000Z
#EXTINF:2,
http://cdn.example/live/0/seg2.ts
)");
}

TEST(m3u8rollGolden, MasterWithStreamInf) {
  TempDir dir;
  auto o = golden_options(dir, 5);
  o.master_template = dir / "{stream}/master.m3u8";
  Harness h(o);
  h.feed(Json{{"event", "master"},
              {"renditions", Json::array({Json{{"rendition", "720p"},
                                               {"bandwidth", 1},
                                               {"codecs", "avc1.640028,mp4a.40.2"},
                                               {"resolution", "1280x720"},
                                               {"frame_rate", 30}},
                                          Json{{"rendition", "360p"}, {"bandwidth", 1}, {"codecs", "avc1.64001f"},
                                               {"resolution", "640x360"}}})}});
  for (uint64_t i = 0; i < 3; ++i) {
    for (const char* r : {"720p", "360p"}) {
      auto s = segment(i);
      s["rendition"] = r;
      s["bytes"] = r[0] == '7' ? 500000 : 125000;  // 2 s at 2 Mbit/s, 0.5 Mbit/s
      h.feed(s);
    }
  }
  // Measured BANDWIDTH (bits per second of the largest segment), the source's order.
  EXPECT_EQ(playlist(dir, "live/master.m3u8"), R"(#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=2000000,AVERAGE-BANDWIDTH=2000000,CODECS="avc1.640028,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=30.000
720p.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=500000,AVERAGE-BANDWIDTH=500000,CODECS="avc1.64001f",RESOLUTION=640x360
360p.m3u8
)");
}
