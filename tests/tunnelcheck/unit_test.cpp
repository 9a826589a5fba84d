// Unit tests of tunnelcheck's pieces: URL resolution and host classes, the
// cloudflared ingress model, MPEG-TS PTS measurement, report aggregation.
#include <gtest/gtest.h>

#include <fstream>

#include "tools/tunnelcheck/fetch.hpp"
#include "tools/tunnelcheck/ingress.hpp"
#include "tools/tunnelcheck/policy.hpp"
#include "tools/tunnelcheck/renditions.hpp"
#include "tools/tunnelcheck/ts.hpp"
#include "tools/tunnelcheck/url.hpp"

using namespace hlsmesh::tunnelcheck;

namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

IngressConfig load(const std::string& yaml, Report& report) {
  auto cfg = load_ingress(write_temp("config.yml", yaml), report);
  EXPECT_TRUE(cfg.has_value());
  return cfg.value_or(IngressConfig{});
}

// One 188-byte TS packet: header + payload, padded with 0xff stuffing via an adaptation field.
std::string ts_packet(int pid, bool unit_start, const std::string& payload) {
  std::string p(188, '\xff');
  p[0] = 0x47;
  p[1] = static_cast<char>((unit_start ? 0x40 : 0) | ((pid >> 8) & 0x1f));
  p[2] = static_cast<char>(pid & 0xff);
  size_t stuffing = 184 - payload.size();
  if (stuffing == 0) {
    p[3] = 0x10;
    p.replace(4, payload.size(), payload);
  } else {
    p[3] = 0x30;  // adaptation field + payload
    p[4] = static_cast<char>(stuffing - 1);
    if (stuffing > 1) p[5] = 0;
    p.replace(4 + stuffing, payload.size(), payload);
  }
  return p;
}

std::string pes_with_pts(uint64_t pts) {
  std::string h = {0, 0, 1, '\xe0', 0, 0, '\x80', '\x80', 5};
  h += static_cast<char>(0x21 | ((pts >> 29) & 0x0e));
  h += static_cast<char>((pts >> 22) & 0xff);
  h += static_cast<char>(0x01 | ((pts >> 14) & 0xfe));
  h += static_cast<char>((pts >> 7) & 0xff);
  h += static_cast<char>(0x01 | ((pts << 1) & 0xfe));
  return h + std::string(20, '\0');
}

std::string synthetic_ts(const std::vector<uint64_t>& pts_values) {
  // PAT: program 1 → PMT PID 0x1000. PMT: H.264 (0x1b) on PID 0x100. CRCs are not checked.
  std::string pat = {0, 0x00, '\xb0', 13, 0, 1, '\xc1', 0, 0, 0, 1, '\xf0', 0x00, 0, 0, 0, 0};
  std::string pmt = {0,      0x02, '\xb0', 18,     0,    1,      '\xc1', 0, 0, '\xe1', 0x00,
                     '\xf0', 0,    0x1b,   '\xe1', 0x00, '\xf0', 0,      0, 0, 0,      0};
  std::string out = ts_packet(0, true, pat) + ts_packet(0x1000, true, pmt);
  for (uint64_t pts : pts_values) out += ts_packet(0x100, true, pes_with_pts(pts));
  return out;
}

}  // namespace

TEST(Url, ResolvesPlaylistRelativeUris) {
  EXPECT_EQ(resolve_url("https://tv.example.com/live/0/playlist.m3u8", "seg1.ts"),
            "https://tv.example.com/live/0/seg1.ts");
  EXPECT_EQ(resolve_url("https://tv.example.com/live/0/playlist.m3u8", "../1/seg1.ts"),
            "https://tv.example.com/live/1/seg1.ts");
  EXPECT_EQ(resolve_url("https://tv.example.com/live/p.m3u8", "/hls/s.ts?x=1"), "https://tv.example.com/hls/s.ts?x=1");
  EXPECT_EQ(resolve_url("https://tv.example.com/live/p.m3u8", "//cdn.example.com/s.ts"),
            "https://cdn.example.com/s.ts");
  EXPECT_EQ(resolve_url("https://tv.example.com/live/p.m3u8", "https://cdn.example.com/s.ts"),
            "https://cdn.example.com/s.ts");
}

TEST(Url, ClassifiesHosts) {
  EXPECT_EQ(classify_host("localhost"), HostKind::localhost);
  EXPECT_EQ(classify_host("127.0.0.1"), HostKind::loopback_ip);
  EXPECT_EQ(classify_host("::1"), HostKind::loopback_ip);
  EXPECT_EQ(classify_host("192.168.1.20"), HostKind::private_ip);
  EXPECT_EQ(classify_host("10.1.2.3"), HostKind::private_ip);
  EXPECT_EQ(classify_host("172.20.0.1"), HostKind::private_ip);
  EXPECT_EQ(classify_host("fd00::1"), HostKind::private_ip);
  EXPECT_EQ(classify_host("203.0.113.7"), HostKind::public_ip);
  EXPECT_EQ(classify_host("cdn.example.com"), HostKind::name);
  auto u = parse_url("https://a.cdn.example.com:8443/x");
  ASSERT_TRUE(u);
  EXPECT_TRUE(host_matches(*u, "*.cdn.example.com"));
  EXPECT_TRUE(host_matches(*u, "a.cdn.example.com"));
  EXPECT_TRUE(host_matches(*u, "a.cdn.example.com:8443"));
  EXPECT_FALSE(host_matches(*u, "a.cdn.example.com:443"));
  EXPECT_FALSE(host_matches(*u, "cdn.example.com"));
}

TEST(Url, NeverKeepsCredentialsInParsedHost) {
  auto u = parse_url("https://user:pw@tv.example.com/live/p.m3u8?token=abc");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "tv.example.com");
  EXPECT_EQ(u->userinfo, "user:pw");
  EXPECT_EQ(u->origin(), "https://tv.example.com");
}

TEST(Ingress, FirstMatchUnanchoredPathWildcardAndPortStripped) {
  Report report;
  auto cfg = load(
      "ingress:\n"
      "  - hostname: tv.example.com\n    path: /live\n    service: http://localhost:3000\n"
      "  - hostname: \"*.example.com\"\n    service: http://localhost:8080\n"
      "  - service: http_status:404\n",
      report);
  ASSERT_EQ(cfg.rules.size(), 3u);
  EXPECT_EQ(route(cfg, "https://tv.example.com/live/p.m3u8")->index, 0u);
  EXPECT_EQ(route(cfg, "https://tv.example.com:8443/old/live/p.m3u8")->index, 0u);  // unanchored, port stripped
  EXPECT_EQ(route(cfg, "https://tv.example.com/vod/p.m3u8")->index, 1u);
  EXPECT_EQ(route(cfg, "https://a.b.example.com/")->index, 1u);             // suffix match covers deeper names
  EXPECT_EQ(route(cfg, "https://example.com/")->index, 2u);                 // but not the apex
  EXPECT_EQ(route(cfg, "https://tv.example.com/x?path=/live")->index, 1u);  // the query is not the path
  EXPECT_TRUE(report.has("path-unanchored"));
  EXPECT_EQ(report.status(), Severity::warning);
}

TEST(Ingress, AnchoredPathsAreNotFlagged) {
  Report report;
  load(
      "ingress:\n  - hostname: tv.example.com\n    path: ^/live/\n    service: http://localhost:3000\n"
      "  - service: http_status:404\n",
      report);
  EXPECT_FALSE(report.has("path-unanchored"));
  EXPECT_EQ(report.status(), Severity::ok);
}

TEST(Ingress, ErrorsUseCloudflaredWording) {
  Report report;
  load(
      "ingress:\n  - service: http://localhost:8080/\n  - hostname: tv.example.com\n    service: "
      "http://localhost:3000\n",
      report);
  bool catch_all = false, path = false, last = false;
  for (const auto& f : report.findings()) {
    catch_all |= f.message.find("Rule #1 is matching the hostname '', but this will match every hostname") == 0;
    path |= f.message.find("ingress rules don't support proxying to a different path") != std::string::npos;
    last |=
        f.message == "The last ingress rule must match all URLs (i.e. it should not have a hostname or path filter)";
  }
  EXPECT_TRUE(catch_all);
  EXPECT_TRUE(path);
  EXPECT_TRUE(last);
  EXPECT_EQ(report.status(), Severity::critical);
}

TEST(Ingress, SameServiceIgnoresTrailingSlashAndCase) {
  EXPECT_TRUE(same_service("http://localhost:3000", "HTTP://localhost:3000/"));
  EXPECT_FALSE(same_service("http://localhost:3000", "http://localhost:3001"));
}

TEST(Ts, MeasuresDurationFromSortedPts) {
  // 25 fps in decode order with B-frames: PTS not monotonic in the stream.
  std::vector<uint64_t> pts;
  for (int i = 0; i < 50; ++i) pts.push_back(900000 + static_cast<uint64_t>((i % 2 ? i - 1 : i + 1) * 3600));
  TsInfo info = inspect_ts(synthetic_ts(pts));
  EXPECT_TRUE(info.sync_ok);
  EXPECT_TRUE(info.whole_packets);
  EXPECT_EQ(info.media_kind, "video");
  EXPECT_EQ(info.media_pid, 0x100);
  EXPECT_EQ(info.pes_count, 50u);
  ASSERT_TRUE(info.duration_s);
  EXPECT_NEAR(*info.duration_s, 2.0, 1e-6);
  ASSERT_TRUE(info.frame_s);
  EXPECT_NEAR(*info.frame_s, 0.04, 1e-9);
}

TEST(Ts, HandlesPtsWrapAround) {
  const uint64_t wrap = uint64_t{1} << 33;
  std::vector<uint64_t> pts;
  for (int i = 0; i < 50; ++i) pts.push_back((wrap - 90000 + static_cast<uint64_t>(i) * 3600) % wrap);
  TsInfo info = inspect_ts(synthetic_ts(pts));
  ASSERT_TRUE(info.duration_s);
  EXPECT_NEAR(*info.duration_s, 2.0, 1e-6);
}

TEST(Ts, ReportsLostSync) {
  std::string data = synthetic_ts({0, 3600});
  data[188 * 2] = 'G' + 1;
  TsInfo info = inspect_ts(data);
  EXPECT_FALSE(info.sync_ok);
  EXPECT_EQ(info.bad_sync_offset, 376u);
  EXPECT_FALSE(inspect_ts("<html>not a segment</html>").sync_ok);
}

TEST(Report, AggregatorCollapsesRepeatsAndKeepsWorstSeverity) {
  Aggregator agg;
  agg.add(Severity::warning, "cors-missing", "seg1", "no ACAO", "fix");
  agg.add(Severity::critical, "cors-missing", "seg2", "no ACAO", "fix");
  agg.add(Severity::warning, "segment-content-type", "seg2", "octet-stream", "fix");
  Report r;
  agg.flush(r, "segments");
  ASSERT_EQ(r.findings().size(), 2u);
  EXPECT_EQ(r.findings()[0].severity, Severity::critical);
  EXPECT_NE(r.findings()[0].message.find("(and 1 more segments)"), std::string::npos);
  EXPECT_EQ(r.status(), Severity::critical);
  EXPECT_EQ(exit_code(r.status()), 2);
}

TEST(Fetch, HeaderListsAreCaseInsensitiveCommaLists) {
  EXPECT_TRUE(header_lists("Content-Length, content-range", "Content-Range"));
  EXPECT_TRUE(header_lists("*", "Range"));
  EXPECT_FALSE(header_lists("Content-Length", "Content-Range"));
  EXPECT_FALSE(header_lists("", "Range"));
}

TEST(Policy, FlagsMixedContentOriginAndLocalSegmentUrls) {
  auto parsed = hlsmesh::m3u8::parse(
      "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n"
      "#EXTINF:2.000,\nhttp://cdn.example.com/a.ts\n"     // http under https
      "#EXTINF:2.000,\n/hls/b.ts\n"                       // resolves to the tunnel host
      "#EXTINF:2.000,\nhttps://10.0.0.5/c.ts\n"           // private IP
      "#EXTINF:2.000,\nhttps://cdn.example.com/d.ts\n");  // fine
  const auto& pl = std::get<hlsmesh::m3u8::MediaPlaylist>(parsed.playlist);
  Options o;
  o.cdn_hosts = {"cdn.example.com"};
  o.origin_hosts = {"tv.example.com"};
  Report r;
  check_segment_urls(pl, "https://tv.example.com/live/playlist.m3u8", o, "playlist", r);
  EXPECT_TRUE(r.has("mixed-content"));
  EXPECT_TRUE(r.has("segment-on-origin"));
  EXPECT_TRUE(r.has("segment-url-local"));
  EXPECT_TRUE(r.has("segment-not-on-cdn"));  // the private IP is not the CDN either
  for (const auto& f : r.findings()) EXPECT_EQ(f.message.find("d.ts"), std::string::npos) << f.message;
}

TEST(Policy, AcceptsSegmentsOnTheCdn) {
  auto parsed = hlsmesh::m3u8::parse("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nhttps://a.cdn.example.com/s.ts\n");
  Options o;
  o.cdn_hosts = {"*.cdn.example.com"};
  Report r;
  check_segment_urls(std::get<hlsmesh::m3u8::MediaPlaylist>(parsed.playlist), "https://tv.example.com/p.m3u8", o, "p",
                     r);
  EXPECT_TRUE(r.findings().empty());
}

TEST(Policy, WarnsWhenSegmentsComeFromThePlaylistHostWithoutCdnHost) {
  auto parsed = hlsmesh::m3u8::parse("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg1.ts\n#EXTINF:2,\nseg2.ts\n");
  Report r;
  check_segment_urls(std::get<hlsmesh::m3u8::MediaPlaylist>(parsed.playlist), "https://tv.example.com/live/p.m3u8",
                     Options{}, "p", r);
  ASSERT_EQ(r.findings().size(), 1u);  // one finding for both segments
  EXPECT_EQ(r.findings()[0].code, "segments-on-playlist-host");
  EXPECT_EQ(r.status(), Severity::warning);
}

namespace {

// A fetched rendition whose playlist lists `count` segments from MSN `first`,
// with the first PTS (seconds) of some of them read.
std::unique_ptr<Target> rendition(const std::string& uri, uint64_t first, size_t count,
                                  const std::map<uint64_t, double>& starts) {
  auto t = std::make_unique<Target>();
  t->ok = true;
  t->subject = "http://cdn.example/" + uri;
  t->variant = hlsmesh::m3u8::Variant{};
  t->variant->uri = uri;
  t->labels = {{"playlist", uri}};
  t->playlist.media_sequence = first;
  t->playlist.segments.resize(count);
  for (const auto& [msn, pts] : starts) t->stats->timing[msn] = {pts, 0.04, "video"};
  return t;
}

}  // namespace

TEST(Renditions, CommonMsnsAreTheNewestListedByEveryRendition) {
  std::vector<std::unique_ptr<Target>> ladder;
  ladder.push_back(rendition("0/stream.m3u8", 100, 60, {}));  // 100-159
  ladder.push_back(rendition("1/stream.m3u8", 98, 60, {}));   // 98-157: fetched a moment earlier
  EXPECT_EQ(common_msns(ladder, 3), (std::vector<uint64_t>{155, 156, 157}));
  EXPECT_EQ(common_msns(ladder, 100).size(), 58u);
  ladder.push_back(rendition("2/stream.m3u8", 1000, 60, {}));
  EXPECT_TRUE(common_msns(ladder, 3).empty());
  Report r;
  check_alignment(ladder, {}, r);
  EXPECT_TRUE(r.has("renditions-msn-disjoint"));
}

TEST(Renditions, AlignmentToleratesLessThanOneFrameAcrossThePtsWrap) {
  const double wrap = 8589934592.0 / 90000.0;
  std::vector<std::unique_ptr<Target>> ladder;
  // MSN 13 starts 10 ms before the 33-bit clock wraps; rendition 1 reads it 20 ms after.
  ladder.push_back(rendition("0/stream.m3u8", 10, 5, {{13, wrap - 0.01}, {14, 1.0}}));
  ladder.push_back(rendition("1/stream.m3u8", 10, 5, {{13, 0.02}, {14, 1.0}}));
  Report ok;
  check_alignment(ladder, {13, 14}, ok);
  EXPECT_EQ(ok.status(), Severity::ok);
  EXPECT_TRUE(ok.has("renditions-aligned"));

  ladder.push_back(rendition("2/stream.m3u8", 10, 5, {{13, wrap - 0.01}, {14, 1.04}}));  // one frame late
  Report bad;
  check_alignment(ladder, {13, 14}, bad);
  ASSERT_EQ(bad.findings().size(), 1u);
  EXPECT_EQ(bad.findings()[0].code, "renditions-misaligned");
  EXPECT_NE(bad.findings()[0].message.find("MSN 14 starts at PTS 1.040 s in 2/stream.m3u8 but 1.000 s in 0/stream.m3u8"),
            std::string::npos)
      << bad.findings()[0].message;
  EXPECT_NE(bad.findings()[0].message.find("1 of 2"), std::string::npos);
}

TEST(Renditions, BandwidthOfOneIsAPlaceholderBelowTheMeasuredPeak) {
  Options o;
  auto t = rendition("0/stream.m3u8", 0, 5, {});
  t->variant->bandwidth = 1;
  t->variant->average_bandwidth = 800000;
  t->stats->checked = 2;
  t->stats->bytes = 500000;
  t->stats->seconds = 4;
  t->stats->peak_bps = 1100000;
  Report r;
  check_bandwidth(*t, o, r);
  EXPECT_TRUE(r.has("bandwidth-below-measured"));
  EXPECT_TRUE(r.has("average-bandwidth-below-measured"));  // 1 000 000 measured vs 800 000 declared
  EXPECT_NE(r.findings()[0].message.find("placeholder"), std::string::npos);

  t->variant->bandwidth = 1200000;
  t->variant->average_bandwidth = 1000000;
  Report good;
  check_bandwidth(*t, o, good);
  EXPECT_EQ(good.status(), Severity::ok);
}
