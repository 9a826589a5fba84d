#include "policy.hpp"

#include "common/hls_check.hpp"
#include "common/http_client.hpp"
#include "url.hpp"

namespace hlsmesh::tunnelcheck {

void Aggregator::add(Severity s, const std::string& code, const std::string& subject, std::string message,
                     std::string fix) {
  add(Finding{s, code, subject, std::move(message), std::move(fix), "policy", "", ""});
}

void Aggregator::add(Finding f) {
  auto [it, inserted] = entries_.try_emplace(f.code);
  if (inserted) {
    order_.push_back(f.code);
    it->second.first = std::move(f);
  } else if (f.severity > it->second.first.severity) {
    it->second.first.severity = f.severity;
  }
  ++it->second.count;
}

void Aggregator::flush(Report& report, const std::string& noun) {
  for (const auto& code : order_) {
    auto& e = entries_[code];
    std::string message = e.first.message;
    if (e.count > 1) message += " (and " + std::to_string(e.count - 1) + " more " + noun + ")";
    Finding f = e.first;
    f.message = std::move(message);
    report.add(std::move(f));
  }
  order_.clear();
  entries_.clear();
}

hlsmesh::m3u8::ParseResult lint_text(const std::string& text, const std::string& subject, const Options& o,
                                     Report& report) {
  namespace m3u8 = hlsmesh::m3u8;
  auto parsed = m3u8::parse(text);
  const bool policy = o.profile != "rfc";
  // One line per rule, not per segment: 60 drifting PDTs are one finding.
  Aggregator agg;
  auto add = [&](const m3u8::Diagnostic& d) {
    if (policy || d.rule == m3u8::Rule::rfc) agg.add(Report::finding(d, subject));
  };
  for (const auto& d : parsed.diagnostics) add(d);
  if (!parsed.complete && policy)
    report.add(Severity::warning, "playlist-incomplete", subject,
               "the playlist looks cut off (no final newline, or an EXTINF or EXT-X-STREAM-INF without its URI)",
               "write playlists atomically (rename a temporary file into place); m3u8roll does");
  m3u8::CheckOptions co;
  co.min_segments = o.min_segments;
  for (const auto& d : m3u8::check(parsed, co)) add(d);
  agg.flush(report, "lines");
  return parsed;
}

void check_segment_urls(const hlsmesh::m3u8::MediaPlaylist& pl, const std::string& playlist_url, const Options& o,
                        const std::string& subject, Report& report) {
  Aggregator agg;
  auto base = parse_url(playlist_url);
  for (const auto& s : pl.segments) {
    std::string resolved = playlist_url.empty() ? s.uri : resolve_url(playlist_url, s.uri);
    auto u = parse_url(resolved);
    if (!u) continue;  // relative URI in a file: no host to judge
    const std::string shown = hlsmesh::http::redact_url(resolved);
    const std::string where = subject + " line " + std::to_string(s.line);
    if (base && base->scheme == "https" && u->scheme == "http") {
      agg.add(Severity::critical, "mixed-content", where,
              "segment " + shown + " is http: under an https: playlist; browsers block it as mixed content",
              "list https:// CDN URLs (m3u8roll takes them from r2push's public URL)");
    }
    bool on_cdn = false;
    for (const auto& h : o.cdn_hosts) on_cdn = on_cdn || host_matches(*u, h);
    if (on_cdn) continue;
    bool on_origin = false;
    for (const auto& h : o.origin_hosts) on_origin = on_origin || host_matches(*u, h);
    const HostKind kind = classify_host(u->host);
    if (on_origin) {
      agg.add(Severity::critical, "segment-on-origin", where,
              "segment " + shown + " is served by the origin host " + u->host_port() +
                  ": every viewer's video goes through the origin and the tunnel",
              "upload segments to the CDN (r2push) and list their CDN URLs (m3u8roll --public-url)");
    } else if (!o.cdn_hosts.empty()) {
      std::string allowed;
      for (const auto& h : o.cdn_hosts) allowed += (allowed.empty() ? "" : ", ") + h;
      agg.add(Severity::critical, "segment-not-on-cdn", where,
              "segment " + shown + " is on " + u->host_port() + ", not on the CDN (" + allowed + ")",
              "list segments by their CDN URL; if " + u->host + " is a CDN too, add it to --cdn-host");
    }
    if (kind == HostKind::localhost || kind == HostKind::loopback_ip || kind == HostKind::private_ip) {
      agg.add(Severity::critical, "segment-url-local", where,
              "segment " + shown + " points at " + u->host +
                  (kind == HostKind::private_ip ? ", a private address" : ", the viewer's own machine") +
                  ": no viewer can load it",
              "list public CDN URLs (set r2push --public-url / R2_PUBLIC_URL), never the packager's local address");
    } else if (on_origin || !o.cdn_hosts.empty()) {
      // already reported above
    } else if (kind == HostKind::public_ip) {
      agg.add(Severity::warning, "segment-url-ip-literal", where,
              "segment " + shown + " uses an IP literal: no TLS certificate, no CDN caching",
              "serve segments from a CDN host name");
    } else if (base && u->host == base->host) {
      agg.add(Severity::warning, "segments-on-playlist-host", where,
              "segment " + shown + " is on the playlist's own host " + u->host +
                  ": if that host is the tunnel to the origin, the origin carries all video",
              "serve segments from the CDN, or pass --cdn-host " + u->host_port() + " if this host is the CDN");
    }
  }
  agg.flush(report, "segment URLs");
}

}  // namespace hlsmesh::tunnelcheck
