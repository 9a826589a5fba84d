#include "common/hls_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace hlsmesh::m3u8;

namespace {

MediaPlaylist parse_media(const std::string& text) {
  auto r = parse(text);
  EXPECT_FALSE(r.is_master());
  return std::get<MediaPlaylist>(r.playlist);
}

bool has_code(const std::vector<Diagnostic>& d, const std::string& code) {
  return std::any_of(d.begin(), d.end(), [&](const Diagnostic& x) { return x.code == code; });
}

std::string live(int msn, int count, double dur = 2.0, int td = 2, int first_name = -1) {
  std::string s = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:" + std::to_string(td) +
                  "\n#EXT-X-MEDIA-SEQUENCE:" + std::to_string(msn) + "\n";
  int name = first_name < 0 ? msn : first_name;
  for (int i = 0; i < count; ++i) s += "#EXTINF:" + std::to_string(dur) + ",\nseg" + std::to_string(name + i) + ".ts\n";
  return s;
}

}  // namespace

TEST(HlsCheck, GoodLivePlaylistHasNoFindings) {
  auto d = check_media(parse_media(live(10, 60)), {.min_segments = 60});
  EXPECT_TRUE(d.empty()) << d.front().code;
}

TEST(HlsCheck, SegmentAboveTargetDuration) {
  auto d = check_media(parse_media(live(0, 10, 2.6, 2)));
  EXPECT_TRUE(has_code(d, "target-duration-exceeded"));
  EXPECT_TRUE(has_errors(d));
  auto w = check_media(parse_media(live(0, 10, 2.4, 2)));
  EXPECT_TRUE(has_code(w, "extinf-above-target-duration"));
  EXPECT_FALSE(has_errors(w));
}

TEST(HlsCheck, OwncastOfflineSegmentBreaksTargetDuration) {
  std::string text = live(100, 4, 3.0, 3) + "#EXT-X-DISCONTINUITY\n#EXTINF:8.000000,\noffline.ts\n#EXT-X-ENDLIST\n";
  EXPECT_TRUE(has_code(check_media(parse_media(text)), "target-duration-exceeded"));
}

TEST(HlsCheck, ShortWindowAndMinimumSegments) {
  // The seeds' 5-segment playlist of 2 s segments with TD 6: 10 s < 18 s.
  auto d = check_media(parse_media(live(0, 5, 2.0, 6)), {.min_segments = 60});
  EXPECT_TRUE(has_code(d, "window-too-short"));
  EXPECT_TRUE(has_code(d, "window-below-minimum"));
}

TEST(HlsCheck, VersionTooLowForFractionalDurations) {
  std::string text = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:1.5,\na.ts\n#EXTINF:2,\nb.ts\n#EXTINF:2,\nc.ts\n#EXTINF:2,\nd.ts\n";
  EXPECT_TRUE(has_code(check_media(parse_media(text)), "version-too-low"));
}

TEST(HlsCheck, PlaylistTypeRules) {
  std::string vod = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:2,\na.ts\n#EXTINF:2,\nb.ts\n#EXTINF:2,\nc.ts\n";
  EXPECT_TRUE(has_code(check_media(parse_media(vod)), "vod-without-endlist"));
  std::string event = live(5, 4);
  event.insert(event.find("#EXTINF"), "#EXT-X-PLAYLIST-TYPE:EVENT\n");
  EXPECT_TRUE(has_code(check_media(parse_media(event)), "event-playlist-removed-segments"));
}

TEST(HlsCheck, ProgramDateTime) {
  std::string text = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n"
                     "#EXT-X-PROGRAM-DATE-TIME:2026-11-23T16:00:00.000Z\n#EXTINF:2.0,\na.ts\n"
                     "#EXT-X-PROGRAM-DATE-TIME:2026-11-23T16:00:03.000Z\n#EXTINF:2.0,\nb.ts\n"
                     "#EXT-X-DISCONTINUITY\n#EXTINF:2.0,\nc.ts\n"
                     "#EXT-X-PROGRAM-DATE-TIME:yesterday\n#EXTINF:2.0,\nd.ts\n";
  auto d = check_media(parse_media(text));
  EXPECT_TRUE(has_code(d, "pdt-drift"));
  EXPECT_TRUE(has_code(d, "discontinuity-without-pdt"));
  EXPECT_TRUE(has_code(d, "bad-program-date-time"));
}

TEST(HlsCheck, DuplicateUri) {
  std::string text = live(0, 4) + "#EXTINF:2.0,\nseg0.ts\n";
  EXPECT_TRUE(has_code(check_media(parse_media(text)), "duplicate-uri"));
}

TEST(HlsCheck, MasterBandwidthOne) {
  auto r = parse("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nlive/playlist.m3u8\n");
  ASSERT_TRUE(r.is_master());
  auto d = check_master(std::get<MasterPlaylist>(r.playlist));
  EXPECT_TRUE(has_code(d, "bandwidth-implausible"));
  EXPECT_TRUE(has_code(d, "missing-codecs"));
}

TEST(HlsCheckUpdate, SlidingWindowIsClean) {
  auto a = parse_media(live(10, 6)), b = parse_media(live(12, 6));
  EXPECT_TRUE(check_update(a, b).empty());
}

TEST(HlsCheckUpdate, MediaSequenceRegressed) {
  auto d = check_update(parse_media(live(100, 6)), parse_media(live(0, 6)));
  EXPECT_TRUE(has_code(d, "media-sequence-regressed"));
}

TEST(HlsCheckUpdate, UriChangedForSameMsn) {
  auto d = check_update(parse_media(live(10, 6)), parse_media(live(11, 6, 2.0, 2, 50)));
  EXPECT_TRUE(has_code(d, "uri-changed"));
}

TEST(HlsCheckUpdate, TargetDurationChanged) {
  auto d = check_update(parse_media(live(10, 6, 2.0, 2)), parse_media(live(11, 6, 2.0, 3)));
  EXPECT_TRUE(has_code(d, "target-duration-changed"));
}

TEST(HlsCheckUpdate, DiscontinuitySequenceMustRiseWhenTagScrollsOut) {
  std::string before = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:5\n"
                       "#EXT-X-DISCONTINUITY\n#EXTINF:2.0,\ns5.ts\n#EXTINF:2.0,\ns6.ts\n#EXTINF:2.0,\ns7.ts\n";
  std::string wrong = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:6\n"
                      "#EXTINF:2.0,\ns6.ts\n#EXTINF:2.0,\ns7.ts\n#EXTINF:2.0,\ns8.ts\n";
  std::string right = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:6\n"
                      "#EXT-X-DISCONTINUITY-SEQUENCE:1\n#EXTINF:2.0,\ns6.ts\n#EXTINF:2.0,\ns7.ts\n#EXTINF:2.0,\ns8.ts\n";
  EXPECT_TRUE(has_code(check_update(parse_media(before), parse_media(wrong)), "discontinuity-number-changed"));
  EXPECT_TRUE(check_update(parse_media(before), parse_media(right)).empty());
}

TEST(HlsCheckUpdate, ShrankAtSameSequence) {
  auto d = check_update(parse_media(live(10, 6)), parse_media(live(10, 4)));
  EXPECT_TRUE(has_code(d, "playlist-shrank"));
}
