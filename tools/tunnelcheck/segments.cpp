#include "segments.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "common/http_client.hpp"
#include "common/text.hpp"
#include "ts.hpp"
#include "url.hpp"

namespace hlsmesh::tunnelcheck {
namespace {

std::string num(double v, int places = 3) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", places, v);
  return buf;
}

std::string extension(const std::string& url) {
  auto u = parse_url(url);
  std::string path = u ? u->path : url;
  size_t dot = path.rfind('.');
  if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return {};
  return hlsmesh::ascii_lower(path.substr(dot + 1));
}

// Content types players and Safari accept per segment extension ("" = any).
std::vector<std::string> expected_types(const std::string& ext) {
  if (ext == "ts") return {"video/mp2t"};
  if (ext == "aac") return {"audio/aac", "audio/x-aac"};
  if (ext == "m4s" || ext == "mp4" || ext == "cmfv")
    return {"video/mp4", "video/iso.segment", "video/iso.segment; charset=binary"};
  if (ext == "m4a" || ext == "cmfa") return {"audio/mp4"};
  return {};
}

// Moves the findings of a scratch report into the aggregator.
void absorb(Report& scratch, Aggregator& out) {
  for (const auto& f : scratch.findings()) out.add(f.severity, f.code, f.subject, f.message, f.fix);
}

}  // namespace

std::vector<size_t> choose_segments(size_t count, const Options& o) {
  std::vector<size_t> out;
  if (count == 0) return out;
  if (o.segments == "all") {
    for (size_t i = 0; i < count; ++i) out.push_back(i);
    return out;
  }
  std::set<size_t> chosen = {count - 1, 0};
  for (size_t k = 1; k <= o.sample && count > 2; ++k) chosen.insert(k * (count - 1) / (o.sample + 1));
  // Newest first: it is the one a live player asks for.
  out.assign(chosen.rbegin(), chosen.rend());
  return out;
}

bool SegmentChecker::cross_origin(const std::string& url) const {
  auto u = parse_url(url);
  return u && hlsmesh::ascii_lower(u->origin()) != hlsmesh::ascii_lower(origin_);
}

void check_allow_origin(const hlsmesh::http::Response& r, const std::string& origin, const std::string& subject,
                        const std::string& what, Aggregator& out) {
  std::string acao = r.header("access-control-allow-origin");
  if (acao.empty()) {
    out.add(
        Severity::critical, "cors-missing", subject,
        what + " has no Access-Control-Allow-Origin for Origin " + origin + ": browsers on that page cannot load it",
        "add a CORS rule on the bucket/server: AllowedOrigins [\"" + origin +
            "\"] (or *), methods GET and HEAD, AllowedHeaders [\"Range\"], ExposeHeaders [\"Content-Length\", "
            "\"Content-Range\"]");
  } else if (acao != "*" && hlsmesh::ascii_lower(acao) != hlsmesh::ascii_lower(origin)) {
    out.add(Severity::critical, "cors-wrong-origin", subject,
            what + " allows origin '" + acao + "' but the page is on " + origin,
            "list " + origin + " in the CORS AllowedOrigins");
  }
}

namespace {

// One segment under check: what every answer's handler needs, shared by value.
struct SegmentJob {
  std::string url, subject, origin, ext;
  double extinf = 0, tolerance = 0;
  bool cors = false;
  uint64_t msn = 0;
  std::shared_ptr<SegmentStats> stats;
  std::shared_ptr<Aggregator> out;
};

// GET answer: Content-Type, Content-Length, CORS; counts the bitrate.
void check_segment_headers(const SegmentJob& j, const hlsmesh::http::Response& r) {
  Aggregator& out = *j.out;
  if (r.body_truncated) {
    out.add(Severity::warning, "segment-too-large", j.subject,
            "segment is larger than --max-segment-bytes (" + std::to_string(r.body.size()) + " bytes read)",
            "check the encoder bitrate, or raise --max-segment-bytes");
  }
  auto types = expected_types(j.ext);
  std::string type = hlsmesh::ascii_lower(r.header("content-type"));
  if (!types.empty() && std::find(types.begin(), types.end(), type) == types.end()) {
    out.add(Severity::warning, "segment-content-type", j.subject,
            "segment Content-Type is '" + r.header("content-type") + "', expected " + types.front(),
            "set the Content-Type at upload (R2 does not infer it; r2push sets " + types.front() + ")");
  }
  std::string cl = r.header("content-length");
  if (cl.empty()) {
    out.add(Severity::warning, "no-content-length", j.subject, "segment response has no Content-Length",
            "serve segments as complete files with Content-Length (p2p loaders need the size up front)");
  } else if (!r.body_truncated && cl != std::to_string(r.body.size())) {
    out.add(Severity::critical, "content-length-mismatch", j.subject,
            "Content-Length says " + cl + " but " + std::to_string(r.body.size()) + " bytes arrived",
            "the object was rewritten while served, or a proxy alters it; upload segments once, atomically");
  } else if (r.body.empty()) {
    out.add(Severity::critical, "segment-empty", j.subject, "segment is empty (Content-Length: 0)",
            "the uploader sent an empty file; upload only complete segments (hlswatch waits for the playlist)");
  }
  if (j.cors) check_allow_origin(r, j.origin, j.subject, "segment", out);
  if (!r.body_truncated && j.extinf > 0) {
    double bps = static_cast<double>(r.body.size()) * 8.0 / j.extinf;
    j.stats->peak_bps = std::max(j.stats->peak_bps, bps);
    j.stats->bytes += static_cast<double>(r.body.size());
    j.stats->seconds += j.extinf;
  }
}

// GET answer of an MPEG-TS segment: sync bytes, PTS duration vs EXTINF, and
// the first PTS for the cross-rendition alignment check.
void check_segment_ts(const SegmentJob& j, const hlsmesh::http::Response& r) {
  Aggregator& out = *j.out;
  TsInfo ts = inspect_ts(r.body);
  if (!ts.sync_ok) {
    out.add(Severity::critical, "ts-sync-lost", j.subject,
            "not MPEG-TS: no 0x47 sync byte at offset " + std::to_string(ts.bad_sync_offset),
            "the object is not the segment (an HTML error page? a truncated upload?); re-upload it");
    return;
  }
  if (r.body_truncated) return;
  if (!ts.whole_packets) {
    out.add(Severity::warning, "ts-partial-packet", j.subject,
            "size " + std::to_string(r.body.size()) + " is not a multiple of 188 bytes",
            "the segment was cut; upload only complete files");
  }
  if (ts.first_pts_s) j.stats->timing[j.msn] = {*ts.first_pts_s, ts.frame_s.value_or(0), ts.media_kind};
  if (!ts.duration_s) {
    out.add(Severity::warning, "ts-no-pts", j.subject, "no PES packet with a PTS found on the media PID",
            "check the packager output with ffprobe");
    return;
  }
  double diff = *ts.duration_s - j.extinf;
  j.stats->worst_duration_error_s = std::max(j.stats->worst_duration_error_s, std::fabs(diff));
  if (std::fabs(diff) > j.tolerance) {
    out.add(Severity::critical, "extinf-mismatch", j.subject,
            "MSN " + std::to_string(j.msn) + ": EXTINF declares " + num(j.extinf) + " s but the " + ts.media_kind +
                " PTS span " + num(*ts.duration_s) + " s (off by " + num(diff) + " s): players drift and lose A/V sync",
            "write the measured duration in EXTINF (hlswatch copies the packager's; do not hard-code it)");
  }
}

void check_segment_get(const SegmentJob& j, const hlsmesh::http::Response& r) {
  Report scratch;
  if (!check_response(r, j.subject, {200}, scratch, "segment GET")) {
    absorb(scratch, *j.out);
    return;
  }
  ++j.stats->checked;
  check_segment_headers(j, r);
  if (j.ext == "ts" || (!r.body.empty() && r.body[0] == 0x47)) check_segment_ts(j, r);
}

// Range: bytes=0-187, what p2p loaders and Safari use.
void check_segment_range(const SegmentJob& j, const hlsmesh::http::Response& r) {
  Aggregator& out = *j.out;
  Report scratch;
  if (r.curl_code == CURLE_OK && r.status == 200) {
    out.add(Severity::critical, "range-ignored", j.subject,
            "a Range: bytes=0-187 request got 200 and the whole body instead of 206",
            "serve byte ranges (R2 and most CDNs do; check a proxy that strips Range)");
    return;
  }
  if (!check_response(r, j.subject, {206}, scratch, "segment Range GET")) {
    absorb(scratch, out);
    return;
  }
  std::string cr = r.header("content-range");
  if (cr.rfind("bytes 0-187/", 0) != 0) {
    out.add(Severity::critical, "bad-content-range", j.subject,
            "206 answer has Content-Range '" + cr + "', expected 'bytes 0-187/SIZE'", "fix the server's Range support");
  } else if (r.body.size() != 188) {
    out.add(Severity::critical, "bad-range-body", j.subject,
            "206 answer carries " + std::to_string(r.body.size()) + " bytes for a 188-byte range",
            "fix the server's Range support");
  }
  if (!j.cors) return;
  check_allow_origin(r, j.origin, j.subject, "segment Range answer", out);
  std::string expose = r.header("access-control-expose-headers");
  std::string missing;
  for (const char* h : {"Content-Length", "Content-Range"})
    if (!header_lists(expose, h)) missing += (missing.empty() ? "" : ", ") + std::string(h);
  if (!missing.empty() && !r.header("access-control-allow-origin").empty()) {
    out.add(Severity::warning, "cors-expose-missing", j.subject,
            "Access-Control-Expose-Headers does not list " + missing + ": p2p loaders cannot read the size or resume",
            "add ExposeHeaders [\"Content-Length\", \"Content-Range\"] to the CORS rule");
  }
}

// The CORS preflight a browser sends before a cross-origin Range request.
void check_segment_preflight(const SegmentJob& j, const hlsmesh::http::Response& r) {
  Aggregator& out = *j.out;
  if (r.curl_code != CURLE_OK) {
    Report scratch;
    check_response(r, j.subject, {204}, scratch, "CORS preflight");
    absorb(scratch, out);
    return;
  }
  if (r.status < 200 || r.status >= 300) {
    out.add(Severity::critical, "cors-preflight-failed", j.subject,
            "the CORS preflight (OPTIONS, Range) got HTTP " + std::to_string(r.status) +
                ": browsers will not send Range requests",
            "answer OPTIONS with 204 and the CORS headers (a CORS rule on the bucket does)");
    return;
  }
  check_allow_origin(r, j.origin, j.subject, "CORS preflight answer", out);
  if (!r.header("access-control-allow-origin").empty() &&
      !header_lists(r.header("access-control-allow-headers"), "range")) {
    out.add(Severity::critical, "cors-range-not-allowed", j.subject,
            "the preflight answer does not allow the Range header (Access-Control-Allow-Headers: '" +
                r.header("access-control-allow-headers") + "')",
            "add AllowedHeaders [\"Range\"] (list it explicitly; R2 reportedly rejects *)");
  }
}

}  // namespace

void SegmentChecker::start(const hlsmesh::m3u8::MediaPlaylist& pl, const std::string& playlist_url,
                           const std::vector<size_t>& indices, const std::shared_ptr<SegmentStats>& stats,
                           const std::shared_ptr<Aggregator>& out) {
  const std::vector<std::string> with_origin = {"Origin: " + origin_};
  for (size_t i : indices) {
    SegmentJob job;
    job.url = resolve_url(playlist_url, pl.segments[i].uri);
    job.subject = hlsmesh::http::redact_url(job.url);
    job.origin = origin_;
    job.ext = extension(job.url);
    job.extinf = pl.segments[i].duration;
    job.tolerance = options_.duration_tolerance_s;
    job.cors = cross_origin(job.url);
    job.msn = pl.first_msn() + i;
    job.stats = stats;
    job.out = out;
    if (!fetcher_.start("GET", job.url, with_origin, options_.max_segment_bytes,
                        [job](hlsmesh::http::Response&& r) { check_segment_get(job, r); })) {
      out->add(Severity::warning, "check-skipped", job.subject, "segment not checked: the --timeout ran out",
               "raise --timeout, or check fewer segments (--segments sample)");
      continue;
    }
    std::vector<std::string> range_headers = with_origin;
    range_headers.push_back("Range: bytes=0-187");
    fetcher_.start("GET", job.url, range_headers, 1 << 20,
                   [job](hlsmesh::http::Response&& r) { check_segment_range(job, r); });
    if (!job.cors) continue;
    std::vector<std::string> preflight = with_origin;
    preflight.push_back("Access-Control-Request-Method: GET");
    preflight.push_back("Access-Control-Request-Headers: range");
    fetcher_.start("OPTIONS", job.url, preflight, 1 << 16,
                   [job](hlsmesh::http::Response&& r) { check_segment_preflight(job, r); });
  }
}

}  // namespace hlsmesh::tunnelcheck
