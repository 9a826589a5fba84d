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
  // §4.3.3.2 only numbers the first segment: an EVENT playlist may start above 0.
  auto d = check(parse(event));
  EXPECT_FALSE(has_errors(d));
  EXPECT_FALSE(has_code(d, "window-too-short"));
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

namespace {

const Diagnostic* find(const std::vector<Diagnostic>& d, const std::string& code) {
  auto it = std::find_if(d.begin(), d.end(), [&](const Diagnostic& x) { return x.code == code; });
  return it == d.end() ? nullptr : &*it;
}

std::vector<Diagnostic> all(const ParseResult& r) {
  auto d = check(r);
  d.insert(d.end(), r.diagnostics.begin(), r.diagnostics.end());
  return d;
}

}  // namespace

// Out of range: computed without overflow (run under -fsanitize=undefined).
TEST(HlsCheckRange, HugeExtinfIsAViolationNotAllowedAfterRounding) {
  auto d = all(parse("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:1e60,\na.ts\n#EXT-X-ENDLIST\n"));
  ASSERT_NE(find(d, "target-duration-exceeded"), nullptr);
  EXPECT_NE(find(d, "bad-extinf"), nullptr);  // an exponent is not a decimal-floating-point
  EXPECT_EQ(find(d, "extinf-above-target-duration"), nullptr);
  auto big = all(parse("#EXTM3U\n#EXT-X-TARGETDURATION:18446744073709551615\n#EXTINF:99999999999999999999999,\na.ts\n"));
  EXPECT_NE(find(big, "target-duration-exceeded"), nullptr);
  EXPECT_EQ(rounded_duration(1e60), UINT64_MAX);
  EXPECT_EQ(rounded_duration(-1), 0u);
}

TEST(HlsCheckRange, ProgramDateTimeBeyondNanosecondClock) {
  const std::string head = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n";
  for (const char* pdt : {"9999-12-31T23:59:59.999Z", "1000-01-01T00:00:00Z", "2262-04-12T00:00:00Z"}) {
    auto d = all(parse(head + "#EXT-X-PROGRAM-DATE-TIME:" + pdt + "\n#EXTINF:2.0,\na.ts\n#EXT-X-PROGRAM-DATE-TIME:" +
                       pdt + "\n#EXTINF:1e300,\nb.ts\n#EXT-X-ENDLIST\n"));
    const Diagnostic* x = find(d, "pdt-out-of-range");
    ASSERT_NE(x, nullptr) << pdt;
    EXPECT_EQ(x->severity, Severity::info);
    EXPECT_EQ(find(d, "bad-program-date-time"), nullptr) << pdt;
  }
  auto ok = all(parse(head + "#EXT-X-PROGRAM-DATE-TIME:2262-04-11T00:00:00Z\n#EXTINF:2.0,\na.ts\n#EXT-X-ENDLIST\n"));
  EXPECT_EQ(find(ok, "pdt-out-of-range"), nullptr);
}

// Messages that named the wrong cause.
TEST(HlsCheckMessages, CommentBeforeExtm3uIsNotADuplicate) {
  auto r = parse("# packager v1\n#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n");
  const Diagnostic* m = find(r.diagnostics, "missing-extm3u");
  ASSERT_NE(m, nullptr);
  EXPECT_NE(m->message.find("line 2"), std::string::npos) << m->message;
  EXPECT_EQ(find(r.diagnostics, "duplicate-extm3u"), nullptr);
  EXPECT_TRUE(r.complete);  // nothing is cut off
}

TEST(HlsCheckMessages, MalformedTargetDurationIsNotMissing) {
  auto r = parse("#EXTM3U\n#EXT-X-TARGETDURATION:2.5\n#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n");
  EXPECT_NE(find(r.diagnostics, "bad-target-duration"), nullptr);
  EXPECT_EQ(find(r.diagnostics, "missing-target-duration"), nullptr);
}

TEST(HlsCheckMessages, MissingBandwidthIsNotBandwidthZero) {
  auto r = parse("#EXTM3U\n#EXT-X-STREAM-INF:CODECS=\"mp4a.40.2\"\na.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=x\nb.m3u8\n");
  auto d = all(r);
  EXPECT_NE(find(d, "missing-bandwidth"), nullptr);
  EXPECT_EQ(find(d, "bandwidth-implausible"), nullptr);
}

TEST(HlsCheckRules, EveryFindingSaysWhoseRuleItIs) {
  auto d = all(parse("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:4\n#EXTINF:2.5,\na.ts\n#EXTINF:2,\na.ts\n"));
  const Diagnostic* td = find(d, "target-duration-exceeded");
  ASSERT_NE(td, nullptr);
  EXPECT_EQ(td->rule, Rule::rfc);
  EXPECT_EQ(td->section, "RFC 8216 §4.3.3.1");
  EXPECT_EQ(td->level, Level::must);
  const Diagnostic* dup = find(d, "duplicate-uri");
  ASSERT_NE(dup, nullptr);
  EXPECT_EQ(dup->rule, Rule::policy);
  for (const auto& x : d) {
    if (x.rule == Rule::rfc) {
      EXPECT_FALSE(x.section.empty()) << x.code;
    }
    if (x.level == Level::should) {
      EXPECT_NE(x.severity, Severity::error) << x.code;
    }
  }
}

// Found by tests/common/fuzz_m3u8.cpp: a 32-byte buffer cut long values short,
// so the written playlist said something else than the model.
TEST(M3u8Write, HugeDurationsAreWrittenWhole) {
  auto pl = parse_media("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:1e60,\na.ts\n");
  auto again = parse_media(write(pl));
  ASSERT_EQ(again.segments.size(), 1u);
  EXPECT_DOUBLE_EQ(again.segments[0].duration, 1e60);
}
