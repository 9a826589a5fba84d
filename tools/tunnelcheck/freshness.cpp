// The playlist over time: the reload after 1.5 × target duration (does it
// advance, does a segment that just left the window still serve) and --watch.
#include <algorithm>

#include "common/hls_check.hpp"
#include "common/time_util.hpp"
#include "probe.hpp"
#include "url.hpp"

namespace hlsmesh::tunnelcheck {

using hlsmesh::http::Response;
using hlsmesh::m3u8::MediaPlaylist;

// Refetches every target in parallel; returns the new playlists (nullopt where it failed).
std::vector<std::optional<MediaPlaylist>> Probe::refetch(Aggregator* quiet) {
  std::vector<Response> answers(targets_.size());
  std::vector<bool> started(targets_.size(), false);
  for (size_t i = 0; i < targets_.size(); ++i)
    if (targets_[i]->ok)
      started[i] = fetch_playlist(targets_[i]->url, [&answers, i](Response&& r) { answers[i] = std::move(r); });
  fetcher_.run();
  std::vector<std::optional<MediaPlaylist>> out(targets_.size());
  for (size_t i = 0; i < targets_.size(); ++i) {
    if (!started[i]) continue;
    Report scratch;
    if (!check_response(answers[i], targets_[i]->subject, {200}, scratch, "playlist reload")) {
      for (const auto& f : scratch.findings())
        quiet ? quiet->add(f.severity, f.code, f.subject, f.message, f.fix)
              : report_.add(f.severity, f.code, f.subject, f.message, f.fix);
      continue;
    }
    auto parsed = hlsmesh::m3u8::parse(answers[i].body);
    if (parsed.is_master() || hlsmesh::m3u8::has_errors(parsed.diagnostics)) {
      std::string what = parsed.is_master() ? "the reload returned a master playlist"
                                            : "the reload does not parse: " + parsed.diagnostics.front().message;
      quiet ? quiet->add(Severity::critical, "reload-invalid", targets_[i]->subject, what, "check the server")
            : report_.add(Severity::critical, "reload-invalid", targets_[i]->subject, what, "check the server");
      continue;
    }
    out[i] = std::get<MediaPlaylist>(parsed.playlist);
  }
  return out;
}

// A segment that just left the window must still be served (RFC 8216 §6.2.2).
void Probe::check_just_expired(const Target& t, const MediaPlaylist& before, const MediaPlaylist& after) {
  const auto& gone = before.segments[static_cast<size_t>(after.first_msn() - 1 - before.first_msn())];
  std::string url = resolve_url(t.url, gone.uri);
  std::string subject = hlsmesh::http::redact_url(url);
  Response answer;
  if (fetcher_.start("GET", url, {"Range: bytes=0-187"}, 1 << 20, [&](Response&& r) { answer = std::move(r); })) {
    fetcher_.run();
    Report scratch;
    if (answer.curl_code == CURLE_OK && (answer.status == 404 || answer.status == 410)) {
      report_.add(Severity::critical, "expired-segment-gone", subject,
                  "a segment that just left the playlist already answers " + std::to_string(answer.status) +
                      ": players still downloading it fail",
                  "delete segments only after their duration + the playlist duration (RFC 8216 §6.2.2; "
                  "r2push --delete-expired waits that long)");
    } else if (!check_response(answer, subject, {200, 206}, scratch, "just-expired segment GET")) {
      for (const auto& f : scratch.findings()) report_.add(f.severity, f.code, f.subject, f.message, f.fix);
    }
  }
}

void Probe::update_check() {
  double td = 0;
  int64_t first = 0;
  for (auto& t : targets_)
    if (t->ok) {
      td = std::max(td, static_cast<double>(t->playlist.target_duration.value_or(6)));
      first = std::max(first, t->fetched_ms);
    }
  if (first == 0) return;
  const int64_t due = first + static_cast<int64_t>(1500 * td);
  const long wait_ms = static_cast<long>(due - hlsmesh::monotonic_ms());
  if (wait_ms + 1000 > deadline_.remaining_ms()) {
    report_.add(Severity::warning, "update-check-skipped", hlsmesh::http::redact_url(o_.url),
                "the second fetch (after 1.5 × target duration = " + num(1.5 * td) +
                    " s) does not fit in --timeout " + num(o_.timeout_s, 0) + " s",
                "raise --timeout, or pass --no-update to skip the freshness check on purpose");
    return;
  }
  if (wait_ms > 0 && !fetcher_.wait(wait_ms)) return;
  auto fresh = refetch(nullptr);
  for (size_t i = 0; i < targets_.size(); ++i) {
    if (!fresh[i]) continue;
    Target& t = *targets_[i];
    const MediaPlaylist& before = t.playlist;
    const MediaPlaylist& after = *fresh[i];
    for (const auto& d : hlsmesh::m3u8::check_update(before, after)) report_.add(d, t.subject + " (reload)");
    const double waited = static_cast<double>(hlsmesh::monotonic_ms() - t.fetched_ms) / 1000.0;
    const uint64_t before_end = before.first_msn() + before.segments.size();
    const uint64_t after_end = after.first_msn() + after.segments.size();
    if (!before.endlist && after_end <= before_end && after.first_msn() >= before.first_msn()) {
      report_.add(Severity::critical, "playlist-stale", t.subject,
                  "no new segment in " + num(waited) + " s (more than 1.5 × target duration); media sequence still " +
                      std::to_string(after.first_msn()),
                  "the packager or uploader stopped, or a cache serves an old copy (check Cache-Control and Age)");
    } else if (after_end > before_end) {
      t.last_advance_ms = hlsmesh::monotonic_ms();
    }
    if (after.first_msn() > before.first_msn() && after.first_msn() <= before_end) check_just_expired(t, before, after);
    t.playlist = after;
    t.fetched_ms = hlsmesh::monotonic_ms();
  }
}

void Probe::watch() {
  double td = 0;
  for (auto& t : targets_)
    if (t->ok) td = std::max(td, static_cast<double>(t->playlist.target_duration.value_or(6)));
  if (td <= 0) return;
  const int64_t end = hlsmesh::monotonic_ms() + static_cast<int64_t>(o_.watch_s * 1000);
  const long interval = std::max(1000L, static_cast<long>(td * 500));
  Aggregator agg;
  size_t polls = 0;
  while (hlsmesh::monotonic_ms() + interval < end && deadline_.remaining_ms() > interval + 1000) {
    if (!fetcher_.wait(interval)) break;
    auto fresh = refetch(&agg);
    ++polls;
    const int64_t now = hlsmesh::monotonic_ms();
    for (size_t i = 0; i < targets_.size(); ++i) {
      if (!fresh[i]) continue;
      Target& t = *targets_[i];
      for (const auto& d : hlsmesh::m3u8::check_update(t.playlist, *fresh[i])) {
        Severity s = d.severity == hlsmesh::m3u8::Severity::error     ? Severity::critical
                     : d.severity == hlsmesh::m3u8::Severity::warning ? Severity::warning
                                                                      : Severity::ok;
        agg.add(s, d.code, t.subject + " (watch)", d.message, d.fix);
      }
      const uint64_t before_end = t.playlist.first_msn() + t.playlist.segments.size();
      const uint64_t after_end = fresh[i]->first_msn() + fresh[i]->segments.size();
      const double since = static_cast<double>(now - t.last_advance_ms) / 1000.0;
      if (after_end > before_end) {
        if (t.stalled) t.longest_stall_s = std::max(t.longest_stall_s, since);
        t.stalled = false;
        t.last_advance_ms = now;
      } else if (since > 1.5 * td && !t.stalled) {
        t.stalled = true;
        ++t.stalls;
      }
      if (t.stalled) t.longest_stall_s = std::max(t.longest_stall_s, since);
      t.playlist = *fresh[i];
    }
  }
  agg.flush(report_, "polls");
  report_.metric("tunnelcheck_watch_polls", static_cast<double>(polls), {}, "Playlist polls during --watch");
  for (auto& t : targets_) {
    if (!t->ok) continue;
    report_.metric("hls_longest_stall_seconds", t->longest_stall_s, t->labels, "Longest time without a new segment");
    if (t->stalls) {
      report_.add(Severity::critical, "playlist-stalled", t->subject,
                  std::to_string(t->stalls) + " stall(s) while watching " + num(o_.watch_s, 0) +
                      " s; the longest lasted " + num(t->longest_stall_s) +
                      " s without a new segment (limit 1.5 × TD = " + num(1.5 * td) + " s)" +
                      (t->stalled ? "; still stalled" : ""),
                  "players stall with the playlist: check the packager, the uploader and the playlist cache TTL");
    }
  }
}

}  // namespace hlsmesh::tunnelcheck
