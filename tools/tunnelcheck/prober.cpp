// `tunnelcheck probe URL` and `tunnelcheck lint FILE|URL`.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "commands.hpp"
#include "common/hls_check.hpp"
#include "common/http_client.hpp"
#include "common/signals.hpp"
#include "common/text.hpp"
#include "common/time_util.hpp"
#include "fetch.hpp"
#include "policy.hpp"
#include "probe.hpp"
#include "renditions.hpp"
#include "segments.hpp"
#include "tracker.hpp"
#include "url.hpp"

namespace hlsmesh::tunnelcheck {
namespace {

using hlsmesh::http::Response;
using hlsmesh::m3u8::MediaPlaylist;

bool is_hls_type(const std::string& type) {
  std::string t = hlsmesh::ascii_lower(type.substr(0, type.find(';')));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return t == "application/vnd.apple.mpegurl" || t == "audio/mpegurl";
}

std::optional<double> max_age(const std::string& cache_control) {
  std::string cc = hlsmesh::ascii_lower(cache_control);
  for (const char* key : {"s-maxage=", "max-age="}) {
    size_t p = cc.find(key);
    if (p != std::string::npos) return std::atof(cc.c_str() + p + std::strlen(key));
  }
  return std::nullopt;
}

}  // namespace

std::string num(double v, int places) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", places, v);
  return buf;
}

void Probe::run() {
  check_stream();
  // The tracker is checked even when the stream fails: both are diagnosed at once.
  for (const auto& tracker : o_.trackers) check_tracker(tracker, deadline_, report_);
  report_.metric("tunnelcheck_requests", static_cast<double>(fetcher_.requests()), {}, "HTTP requests made");
  report_.metric("tunnelcheck_connections", static_cast<double>(fetcher_.connections_opened()), {},
                 "TCP connections opened");
  if (report_.status() == Severity::ok)
    report_.add(Severity::ok, "probe-ok", hlsmesh::http::redact_url(o_.url),
                "playlist, segments" + std::string(o_.no_update ? "" : ", freshness") +
                    (o_.trackers.empty() ? "" : ", tracker") + " all pass");
}

void Probe::check_stream() {
  const std::string top_subject = hlsmesh::http::redact_url(o_.url);
  Response top;
  bool done = false;
  if (!fetch_playlist(o_.url, [&](Response&& r) {
        top = std::move(r);
        done = true;
      }))
    return;
  fetcher_.run();
  if (!done) return;
  record_http_metrics(top, {});
  if (!check_response(top, top_subject, {200}, report_, "playlist GET")) return;
  auto parsed = check_playlist_body(top, top_subject);
  if (!parsed) return;

  if (parsed->is_master()) {
    const auto& master = std::get<hlsmesh::m3u8::MasterPlaylist>(parsed->playlist);
    report_.metric("hls_variants", static_cast<double>(master.variants.size()), {},
                   "Variants in the master playlist");
    for (const auto& v : master.variants) {
      auto t = std::make_unique<Target>();
      t->url = resolve_url(o_.url, v.uri);
      t->subject = hlsmesh::http::redact_url(t->url);
      t->variant = v;
      t->labels = {{"playlist", v.uri}};
      targets_.push_back(std::move(t));
    }
    std::vector<Response> answers(targets_.size());
    for (size_t i = 0; i < targets_.size(); ++i)
      fetch_playlist(targets_[i]->url, [&answers, i](Response&& r) { answers[i] = std::move(r); });
    fetcher_.run();
    for (size_t i = 0; i < targets_.size(); ++i) accept_media(*targets_[i], answers[i], nullptr);
  } else {
    auto t = std::make_unique<Target>();
    t->url = o_.url;
    t->subject = top_subject;
    targets_.push_back(std::move(t));
    accept_media(*targets_[0], top, &*parsed);
  }

  const auto aligned = parsed->is_master() ? common_msns(targets_, o_.align_segments) : std::vector<uint64_t>{};
  for (auto& t : targets_) start_segments(*t, aligned);
  fetcher_.run();
  for (auto& t : targets_) {
    t->segment_findings->flush(report_, "segments");
    finish_segments(*t);
  }
  if (parsed->is_master() && o_.align_segments > 0) check_alignment(targets_, aligned, report_);
  if (!o_.no_update) update_check();
  if (o_.watch_s > 0) watch();
}

std::string Probe::origin_for(const Options& o) {
  if (!o.origin.empty()) return o.origin;
  auto u = parse_url(o.url);
  return u ? u->origin() : "null";
}

bool Probe::fetch_playlist(const std::string& url, hlsmesh::http::Client::Callback cb) {
  bool started = fetcher_.start("GET", url, {"Origin: " + segments_.origin()}, o_.max_playlist_bytes, std::move(cb));
  if (!started)
    report_.add(Severity::critical, "timeout", hlsmesh::http::redact_url(url),
                "the --timeout ran out before the playlist was fetched", "raise --timeout");
  return started;
}

void Probe::record_http_metrics(const Response& r, const std::map<std::string, std::string>& labels) {
  report_.metric("probe_http_status_code", static_cast<double>(r.status), labels, "HTTP status of the playlist");
  auto with = [&](const char* phase) {
    auto l = labels;
    l["phase"] = phase;
    return l;
  };
  report_.metric("probe_http_duration_seconds", r.ttfb_s, with("processing"), "Playlist fetch phases");
  report_.metric("probe_http_duration_seconds", std::max(0.0, r.total_s - r.ttfb_s), with("transfer"));
  report_.metric("probe_http_content_length", static_cast<double>(r.body.size()), labels, "Playlist size");
}

// Status is 200: body size, Content-Type, CORS, then the static lint.
std::optional<hlsmesh::m3u8::ParseResult> Probe::check_playlist_body(const Response& r, const std::string& subject) {
  if (r.body_truncated) {
    report_.add(Severity::critical, "playlist-too-large", subject,
                "the playlist is larger than " + std::to_string(o_.max_playlist_bytes) + " bytes",
                "this is not a playlist, or the window is far too long; raise --max-bytes if it is deliberate");
    return std::nullopt;
  }
  std::string type = r.header("content-type");
  if (!is_hls_type(type)) {
    bool legacy = hlsmesh::ascii_lower(type).find("mpegurl") != std::string::npos;
    report_.add(legacy ? Severity::warning : Severity::critical, "playlist-content-type", subject,
                "playlist Content-Type is '" + type + "'" +
                    (legacy ? " (Apple's validator: illegal MIME type)" : ": Safari and native players reject it"),
                "serve playlists as application/vnd.apple.mpegurl (set it at upload; R2 does not infer it)");
  }
  if (segments_.cross_origin(o_.url)) {
    Aggregator agg;
    check_allow_origin(r, segments_.origin(), subject, "playlist", agg);
    agg.flush(report_, "");
  }
  return lint_text(r.body, subject, o_, report_);
}

void Probe::accept_media(Target& t, const Response& r, const hlsmesh::m3u8::ParseResult* parsed_top) {
  std::optional<hlsmesh::m3u8::ParseResult> own;
  const hlsmesh::m3u8::ParseResult* parsed = parsed_top;
  if (!parsed) {
    if (!t.labels.empty()) record_http_metrics(r, t.labels);
    if (!check_response(r, t.subject, {200}, report_, "variant playlist GET")) return;
    own = check_playlist_body(r, t.subject);
    if (!own) return;
    parsed = &*own;
    if (parsed->is_master()) {
      report_.add(Severity::critical, "nested-master", t.subject, "a variant URI points at another master playlist",
                  "list media playlists in the master");
      return;
    }
  }
  t.ok = true;
  t.playlist = std::get<MediaPlaylist>(parsed->playlist);
  t.fetched_ms = hlsmesh::monotonic_ms();
  t.last_advance_ms = t.fetched_ms;
  const MediaPlaylist& pl = t.playlist;
  const double td = static_cast<double>(pl.target_duration.value_or(0));
  report_.metric("hls_segments", static_cast<double>(pl.segments.size()), t.labels, "Segments in the playlist");
  report_.metric("hls_window_seconds", pl.total_duration(), t.labels, "Sum of EXTINF");
  report_.metric("hls_target_duration_seconds", td, t.labels, "EXT-X-TARGETDURATION");
  report_.metric("hls_media_sequence", static_cast<double>(pl.first_msn()), t.labels, "EXT-X-MEDIA-SEQUENCE");

  // Cache-Control sanity: a playlist cached longer than TD is stale for viewers.
  if (td > 0) {
    std::string cc = r.header("cache-control");
    auto age = max_age(cc);
    if (age && *age > td) {
      report_.add(Severity::warning, "playlist-cached-too-long", t.subject,
                  "Cache-Control '" + cc + "' lets caches keep the playlist " + num(*age, 0) +
                      " s, longer than the target duration (" + num(td, 0) + " s)",
                  "serve live playlists with max-age ≤ TD/2 (or no-cache) and cache only segments for long");
    }
    std::string age_header = r.header("age");
    if (!age_header.empty() && std::atof(age_header.c_str()) > td) {
      report_.add(Severity::warning, "playlist-stale-cache", t.subject,
                  "the playlist came from a cache with Age " + age_header + " s, older than the target duration",
                  "lower the playlist's cache TTL at the CDN (cache rules)");
    }
    if (hlsmesh::ascii_lower(cc).find("immutable") != std::string::npos) {
      report_.add(Severity::critical, "playlist-immutable", t.subject,
                  "a live playlist is served as Cache-Control: immutable",
                  "only segments are immutable; serve the playlist with a short max-age");
    }
  }
  check_segment_urls(pl, t.url, o_, t.subject, report_);
  latency(t);
}

void Probe::start_segments(Target& t, const std::vector<uint64_t>& aligned) {
  if (!t.ok) return;
  const auto& pl = t.playlist;
  auto indices = choose_segments(pl.segments.size(), o_);
  // The MSNs every rendition lists, so their boundaries can be compared.
  for (uint64_t msn : aligned) {
    size_t i = static_cast<size_t>(msn - pl.first_msn());
    if (i < pl.segments.size() && std::find(indices.begin(), indices.end(), i) == indices.end()) indices.push_back(i);
  }
  segments_.start(pl, t.url, indices, t.stats, t.segment_findings);
}

void Probe::latency(Target& t) {
  const auto& segs = t.playlist.segments;
  for (size_t k = segs.size(); k-- > 0;) {
    if (!segs[k].program_date_time) continue;
    auto pdt = hlsmesh::parse_iso8601(*segs[k].program_date_time);
    if (!pdt) return;  // the linter reported it
    double end = 0;
    for (size_t i = k; i < segs.size(); ++i) end += segs[i].duration;
    auto edge = *pdt + std::chrono::duration_cast<hlsmesh::SystemTime::duration>(std::chrono::duration<double>(end));
    double behind = std::chrono::duration<double>(std::chrono::system_clock::now() - edge).count();
    report_.metric("hls_latency_seconds", behind, t.labels, "Now minus the live edge's PROGRAM-DATE-TIME");
    double td = static_cast<double>(t.playlist.target_duration.value_or(0));
    if (o_.max_latency_s > 0 && behind > o_.max_latency_s) {
      report_.add(Severity::warning, "latency-high", t.subject,
                  "the live edge is " + num(behind) + " s behind PROGRAM-DATE-TIME (more than " +
                      num(o_.max_latency_s, 0) + " s)",
                  "the pipeline lags: check the uploader queue, or the packager clock");
    } else if (behind < -std::max(2.0, td)) {
      report_.add(Severity::warning, "pdt-in-future", t.subject,
                  "PROGRAM-DATE-TIME is " + num(-behind) + " s in the future", "sync the packager's clock (NTP)");
    }
    return;
  }
  report_.add(Severity::ok, "no-program-date-time", t.subject, "no PROGRAM-DATE-TIME: latency not measured",
              "ffmpeg: -hls_flags program_date_time");
}

void Probe::finish_segments(Target& t) {
  const auto& s = *t.stats;
  report_.metric("tunnelcheck_segments_checked", static_cast<double>(s.checked), t.labels, "Segments fetched whole");
  if (s.checked == 0) return;
  report_.metric("hls_peak_bitrate_bps", s.peak_bps, t.labels, "Highest bytes*8/EXTINF of the fetched segments");
  report_.metric("hls_duration_error_seconds", s.worst_duration_error_s, t.labels, "Worst |PTS duration − EXTINF|");
  check_bandwidth(t, o_, report_);
}


void run_probe(const Options& options, const Deadline& deadline, Report& report) {
  if (!parse_url(options.url)) {
    report.add(Severity::unknown, "bad-url", hlsmesh::http::redact_url(options.url), "not a URL",
               "pass an http(s):// URL");
    return;
  }
  Probe(options, deadline, report).run();
}

void run_lint(const Options& options, const Deadline& deadline, Report& report) {
  std::string text, base_url;
  const std::string subject =
      options.url.find("://") != std::string::npos ? hlsmesh::http::redact_url(options.url) : options.url;
  if (options.url.find("://") != std::string::npos) {
    Fetcher fetcher(deadline, 1);
    Response r;
    if (!fetcher.start("GET", options.url, {}, options.max_playlist_bytes, [&](Response&& x) { r = std::move(x); }))
      return;
    fetcher.run();
    if (!check_response(r, subject, {200}, report, "playlist GET")) return;
    text = std::move(r.body);
    base_url = options.url;
  } else {
    std::ifstream in(options.url, std::ios::binary);
    if (!in) {
      report.add(Severity::unknown, "file-unreadable", options.url, "cannot read " + options.url,
                 "pass an existing playlist file or a URL");
      return;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  auto parsed = lint_text(text, subject, options, report);
  if (!parsed.is_master()) {
    const auto& pl = std::get<MediaPlaylist>(parsed.playlist);
    if (options.profile != "rfc") check_segment_urls(pl, base_url, options, subject, report);
    report.metric("hls_segments", static_cast<double>(pl.segments.size()), {}, "Segments in the playlist");
    report.metric("hls_target_duration_seconds", static_cast<double>(pl.target_duration.value_or(0)), {},
                  "EXT-X-TARGETDURATION");
  }
  if (report.status() == Severity::ok) report.add(Severity::ok, "lint-ok", subject, "no problem found");
}

}  // namespace hlsmesh::tunnelcheck
