#include "common/m3u8.hpp"

#include <gtest/gtest.h>

using namespace hlsmesh::m3u8;

namespace {

const char* kFfmpegLive =
    "#EXTM3U\n"
    "#EXT-X-VERSION:3\n"
    "#EXT-X-TARGETDURATION:2\n"
    "#EXT-X-MEDIA-SEQUENCE:7\n"
    "#EXT-X-INDEPENDENT-SEGMENTS\n"
    "#EXT-X-PROGRAM-DATE-TIME:2026-11-23T16:00:00.000+0000\n"
    "#EXTINF:2.000000,\n"
    "stream7.ts\n"
    "#EXTINF:2.000000,\n"
    "stream8.ts\n"
    "#EXT-X-DISCONTINUITY\n"
    "#EXTINF:1.960000,\n"
    "stream9.ts\n";

const MediaPlaylist& media(const ParseResult& r) { return std::get<MediaPlaylist>(r.playlist); }

}  // namespace

TEST(M3u8Parse, FfmpegLivePlaylist) {
  auto r = parse(kFfmpegLive);
  ASSERT_FALSE(r.is_master());
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics.front().message;
  const auto& pl = media(r);
  EXPECT_EQ(pl.version, 3);
  EXPECT_EQ(pl.target_duration, 2u);
  EXPECT_EQ(pl.first_msn(), 7u);
  EXPECT_TRUE(pl.independent_segments);
  ASSERT_EQ(pl.segments.size(), 3u);
  EXPECT_EQ(pl.segments[0].uri, "stream7.ts");
  EXPECT_EQ(pl.segments[0].program_date_time, "2026-11-23T16:00:00.000+0000");
  EXPECT_FALSE(pl.segments[1].program_date_time.has_value());
  EXPECT_TRUE(pl.segments[2].discontinuity);
  EXPECT_DOUBLE_EQ(pl.segments[2].duration, 1.96);
  EXPECT_EQ(pl.segments[2].line, 13u);
  EXPECT_EQ(pl.discontinuity_number(1), 0u);
  EXPECT_EQ(pl.discontinuity_number(2), 1u);
}

TEST(M3u8Parse, TruncatedPlaylistIsIncomplete) {
  std::string text = kFfmpegLive;
  for (size_t cut : {size_t{0}, size_t{3}, size_t{40}, text.size() - 5, text.size() - 11}) {
    auto r = parse(std::string_view(text).substr(0, cut));
    EXPECT_FALSE(r.complete) << "cut at " << cut;
  }
}

TEST(M3u8Parse, DanglingExtinfIsIncomplete) {
  auto r = parse("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg0.ts\n#EXTINF:2.0,\n");
  EXPECT_FALSE(r.complete);
  ASSERT_EQ(media(r).segments.size(), 1u);
}

TEST(M3u8Parse, SyntaxErrorsHaveLines) {
  auto r = parse(
      "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-TARGETDURATION:3\n#EXTINF:2,\na.ts\n#EXT-X-MEDIA-SEQUENCE:4\nb.ts\n");
  std::vector<std::string> codes;
  for (auto& d : r.diagnostics) codes.push_back(d.code + "@" + std::to_string(d.line));
  EXPECT_NE(std::find(codes.begin(), codes.end(), "duplicate-target-duration@3"), codes.end());
  EXPECT_NE(std::find(codes.begin(), codes.end(), "media-sequence-after-segment@6"), codes.end());
  EXPECT_NE(std::find(codes.begin(), codes.end(), "uri-without-extinf@7"), codes.end());
}

TEST(M3u8Parse, MissingHeaderAndTargetDuration) {
  auto r = parse("#EXTINF:2,\na.ts\n");
  bool header = false, td = false;
  for (auto& d : r.diagnostics) {
    header |= d.code == "missing-extm3u";
    td |= d.code == "missing-target-duration";
  }
  EXPECT_TRUE(header);
  EXPECT_TRUE(td);
}

TEST(M3u8RoundTrip, EveryMediaTag) {
  MediaPlaylist pl;
  pl.target_duration = 4;
  pl.media_sequence = 100;
  pl.discontinuity_sequence = 3;
  pl.independent_segments = true;
  pl.header_tags = {"#EXT-X-START:TIME-OFFSET=-12.000", "#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=12.0"};
  Segment a;
  a.uri = "https://cdn.example/live/0/seg100.m4s";
  a.duration = 4.0;
  a.map = Map{"https://cdn.example/live/0/init.mp4", std::nullopt};
  a.program_date_time = "2026-11-23T16:00:00.000Z";
  Segment b = a;
  b.uri = "https://cdn.example/live/0/seg101.m4s";
  b.duration = 3.967;
  b.program_date_time.reset();
  b.extra_tags = {"#EXT-X-DATERANGE:ID=\"ad1\",START-DATE=\"2026-11-23T16:00:04.000Z\""};
  Segment c = b;
  c.uri = "https://cdn.example/live/0/seg102.m4s";
  c.discontinuity = true;
  c.map = Map{"https://cdn.example/live/0/init2.mp4", ByteRange{720, 0}};
  c.byterange = ByteRange{1000, 20};
  c.gap = true;
  c.extra_tags.clear();
  pl.segments = {a, b, c};
  pl.trailing_tags = {"#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"x\""};
  pl.endlist = true;

  std::string text = write(pl);
  auto r = parse(text);
  ASSERT_TRUE(r.complete);
  ASSERT_FALSE(r.has_errors()) << r.diagnostics.front().message << "\n" << text;
  const auto& back = media(r);
  EXPECT_EQ(back.version, 6);  // EXT-X-MAP needs 6
  EXPECT_EQ(back.target_duration, 4u);
  EXPECT_EQ(back.media_sequence, 100u);
  EXPECT_EQ(back.discontinuity_sequence, 3u);
  EXPECT_TRUE(back.independent_segments);
  EXPECT_TRUE(back.endlist);
  EXPECT_EQ(back.header_tags, pl.header_tags);
  EXPECT_EQ(back.trailing_tags, pl.trailing_tags);
  ASSERT_EQ(back.segments.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back.segments[i].uri, pl.segments[i].uri);
    EXPECT_NEAR(back.segments[i].duration, pl.segments[i].duration, 1e-9);
    EXPECT_EQ(back.segments[i].discontinuity, pl.segments[i].discontinuity);
    EXPECT_EQ(back.segments[i].program_date_time, pl.segments[i].program_date_time);
    EXPECT_EQ(back.segments[i].map, pl.segments[i].map);
    EXPECT_EQ(back.segments[i].byterange, pl.segments[i].byterange);
    EXPECT_EQ(back.segments[i].gap, pl.segments[i].gap);
    EXPECT_EQ(back.segments[i].extra_tags, pl.segments[i].extra_tags);
  }
  // Writing what was parsed gives the same text.
  EXPECT_EQ(write(back), text);
}

TEST(M3u8RoundTrip, IntegerDurationsNeedNoVersion3) {
  MediaPlaylist pl;
  pl.target_duration = 2;
  Segment s;
  s.uri = "a.ts";
  s.duration = 2.0;
  pl.segments = {s};
  EXPECT_EQ(pl.required_version(), 1);
  std::string text = write(pl);
  EXPECT_EQ(text.find("EXT-X-VERSION"), std::string::npos);
  EXPECT_NE(text.find("#EXTINF:2,"), std::string::npos);
  pl.segments[0].duration = 2.002;
  EXPECT_EQ(pl.required_version(), 3);
  EXPECT_NE(write(pl).find("#EXT-X-VERSION:3\n"), std::string::npos);
}

TEST(M3u8Master, ParseAndWrite) {
  const char* text =
      "#EXTM3U\n"
      "#EXT-X-VERSION:3\n"
      "#EXT-X-INDEPENDENT-SEGMENTS\n"
      "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"en\",URI=\"a/stream.m3u8\"\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=2149280,AVERAGE-BANDWIDTH=2000000,CODECS=\"avc1.64001f,mp4a.40.2\","
      "RESOLUTION=1280x720,FRAME-RATE=30.000,AUDIO=\"aud\"\n"
      "0/stream.m3u8\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n"
      "1/stream.m3u8\n";
  auto r = parse(text);
  ASSERT_TRUE(r.is_master());
  ASSERT_FALSE(r.has_errors()) << r.diagnostics.front().message;
  const auto& m = std::get<MasterPlaylist>(r.playlist);
  ASSERT_EQ(m.variants.size(), 2u);
  EXPECT_EQ(m.variants[0].bandwidth, 2149280u);
  EXPECT_EQ(m.variants[0].average_bandwidth, 2000000u);
  EXPECT_EQ(m.variants[0].codecs, "avc1.64001f,mp4a.40.2");
  EXPECT_EQ(m.variants[0].resolution, "1280x720");
  EXPECT_DOUBLE_EQ(*m.variants[0].frame_rate, 30.0);
  ASSERT_EQ(m.variants[0].other_attributes.size(), 1u);
  EXPECT_EQ(m.variants[0].other_attributes[0].second, "\"aud\"");
  EXPECT_EQ(m.variants[1].uri, "1/stream.m3u8");
  ASSERT_EQ(m.tags.size(), 1u);
  EXPECT_EQ(write(m), text);
}

TEST(M3u8Attributes, QuotedCommas) {
  auto a = parse_attributes("BANDWIDTH=1,CODECS=\"avc1.4d401f,mp4a.40.2\",RESOLUTION=640x360");
  ASSERT_TRUE(a);
  ASSERT_EQ(a->size(), 3u);
  EXPECT_EQ((*a)[1].value, "avc1.4d401f,mp4a.40.2");
  EXPECT_TRUE((*a)[1].quoted);
  EXPECT_FALSE(parse_attributes("BANDWIDTH=1,CODECS=\"unterminated"));
  EXPECT_FALSE(parse_attributes("lower=1"));
}

TEST(M3u8Parse, MixedMasterAndMediaIsAnError) {
  auto r = parse("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nv.m3u8\n");
  bool mixed = false;
  for (auto& d : r.diagnostics) mixed |= d.code == "mixed-playlist";
  EXPECT_TRUE(mixed);
}

TEST(M3u8Attributes, ScanFlagsWhitespaceAndKeepsReading) {
  auto s = scan_attributes("TYPE=AUDIO, DEFAULT=YES,NAME=\"Two words\"");
  EXPECT_TRUE(s.whitespace);
  EXPECT_TRUE(s.error.empty());
  ASSERT_EQ(s.attributes.size(), 3u);
  EXPECT_EQ(s.attributes[1].name, "DEFAULT");
  EXPECT_EQ(s.attributes[2].value, "Two words");
  EXPECT_TRUE(s.attributes[2].quoted);
  auto q = scan_attributes("NAME=\"a b\",BANDWIDTH=\"100\"");
  EXPECT_FALSE(q.whitespace);  // spaces inside quotes are allowed
  EXPECT_TRUE(q.attributes[1].quoted);
  EXPECT_FALSE(scan_attributes("URI=\"open").error.empty());
  EXPECT_FALSE(scan_attributes("A=1,").error.empty());
  EXPECT_FALSE(scan_attributes("lower=1").error.empty());
}

TEST(M3u8Parse, KeepsEveryLineAndKnowsMasterByAnyMasterTag) {
  auto r = parse("#EXTM3U\n#EXT-X-SESSION-DATA:DATA-ID=\"t\",VALUE=\"x\"\n# comment\n");
  EXPECT_TRUE(r.is_master());
  EXPECT_FALSE(r.has_errors());
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_EQ(r.lines[0].tag, "#EXT-X-SESSION-DATA");
  EXPECT_EQ(r.lines[0].number, 2u);
  auto m = parse("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-I-FRAMES-ONLY\n#EXTINF:2,\na.ts\n");
  EXPECT_TRUE(std::get<MediaPlaylist>(m.playlist).i_frames_only);
  ASSERT_EQ(m.lines.size(), 4u);
  EXPECT_EQ(m.lines[3].tag, "");
  EXPECT_EQ(m.lines[3].value, "a.ts");
}
