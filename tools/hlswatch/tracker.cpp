#include "tools/hlswatch/tracker.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>

#include "common/log.hpp"
#include "common/refusal.hpp"
#include "common/time_util.hpp"

namespace hlsmesh::hlswatch {

namespace m3u8 = hlsmesh::m3u8;
namespace log = hlsmesh::log;

namespace {

std::string_view strip_query(std::string_view uri) {
  size_t q = uri.find_first_of("?#");
  return q == std::string_view::npos ? uri : uri.substr(0, q);
}

std::string_view base_name(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool is_offline_segment(std::string_view uri) {
  return base_name(strip_query(uri)) == "offline.ts";
}

bool has_letter(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; });
}

std::string msn_text(uint64_t msn) { return std::to_string(msn); }

// "stream-AbC12x-42.ts" yes, "offline.ts" no: the name (without extension) ends in digits.
bool numbered_name(std::string_view uri) {
  std::string_view name = base_name(strip_query(uri));
  size_t dot = name.rfind('.');
  if (dot != std::string_view::npos && dot > 0) name = name.substr(0, dot);
  return !name.empty() && std::isdigit(static_cast<unsigned char>(name.back()));
}

}  // namespace

Tracker::Tracker(std::string playlist_dir, TrackerOptions options, std::string name)
    : dir_(std::move(playlist_dir)), options_(options), name_(std::move(name)) {}

std::string Tracker::name_prefix(std::string_view uri) {
  std::string_view name = base_name(strip_query(uri));
  size_t dot = name.rfind('.');
  if (dot != std::string_view::npos && dot > 0) name = name.substr(0, dot);
  while (!name.empty() && std::isdigit(static_cast<unsigned char>(name.back()))) name.remove_suffix(1);
  return std::string(name);
}

std::string Tracker::resolve(const std::string& dir, std::string_view uri) {
  std::string_view path = strip_query(uri);
  if (path.find("://") != std::string_view::npos || (!path.empty() && path.front() == '/')) path = base_name(path);
  std::string out = dir;
  if (out.empty() || out.back() != '/') out += '/';
  while (path.substr(0, 2) == "./") path.remove_prefix(2);
  out += path;
  return out;
}

bool Tracker::detect_restart(const m3u8::MediaPlaylist& playlist, uint64_t text_hash, int64_t now_ms,
                             bool& wait_for_confirmation) {
  wait_for_confirmation = false;
  const uint64_t first = playlist.first_msn();
  const uint64_t last = first + playlist.segments.size() - 1;
  if (previous_first_msn_ && first < *previous_first_msn_) {
    log::notice(name_ + ": source restart: EXT-X-MEDIA-SEQUENCE went back from " + msn_text(*previous_first_msn_) +
                " to " + msn_text(first) + "; the next segment is marked as a discontinuity");
    return true;
  }
  // The same MSN with another URI (or another PROGRAM-DATE-TIME): a new run
  // of the source numbered from where the old one was.
  for (const auto& old : previous_window_) {
    if (old.msn < first || old.msn > last) continue;
    const auto& seg = playlist.segments[old.msn - first];
    if (seg.uri != old.uri || (old.pdt && seg.program_date_time && *old.pdt != *seg.program_date_time)) {
      log::notice(name_ + ": source restart: segment " + msn_text(old.msn) + " was " + old.uri + ", now " + seg.uri +
                  "; the next segment is marked as a discontinuity");
      return true;
    }
  }
  // Fewer segments than we already emitted, same start: either an in-place
  // writer caught mid-write (a line-aligned cut) or a restart that reused the
  // numbering. Only a playlist that reads the same twice is believed.
  if (last_emitted_ && last < *last_emitted_) {
    if (suspect_hash_ && *suspect_hash_ == text_hash && now_ms - suspect_since_ >= options_.confirm_shrink_ms) {
      suspect_hash_.reset();
      log::notice(name_ + ": source restart: the playlist now ends at MSN " + msn_text(last) + " but MSN " +
                  msn_text(*last_emitted_) + " was already emitted; the next segment is marked as a discontinuity");
      return true;
    }
    if (!suspect_hash_ || *suspect_hash_ != text_hash) {
      suspect_hash_ = text_hash;
      suspect_since_ = now_ms;
    }
    wait_for_confirmation = true;
    deadline_ = suspect_since_ + options_.confirm_shrink_ms;
    return false;
  }
  suspect_hash_.reset();
  return false;
}

bool Tracker::wait_or_give_up(uint64_t msn, int64_t now_ms, int64_t grace_ms) {
  if (!waiting_msn_ || *waiting_msn_ != msn) {
    waiting_msn_ = msn;
    waiting_since_ = now_ms;
  }
  if (now_ms - waiting_since_ < grace_ms) {
    // Re-look soon: file events usually come first, this is the safety net.
    deadline_ = std::min(waiting_since_ + grace_ms, now_ms + 100);
    return true;
  }
  return false;
}

bool Tracker::start_from(const m3u8::MediaPlaylist& playlist) {
  initialized_ = true;
  if (!options_.existed_at_start && !options_.once) return false;
  // Old segments: skip all but the last `backlog` (--once without
  // --backlog: everything that is there).
  size_t keep = options_.backlog;
  if (options_.once && keep == 0) keep = playlist.segments.size();
  keep = std::min(keep, playlist.segments.size());
  const uint64_t last = playlist.first_msn() + playlist.segments.size() - 1;
  if (keep < playlist.segments.size()) last_emitted_ = last - keep;
  if (keep > 0) return false;
  if (numbered_name(playlist.segments.back().uri)) last_prefix_ = name_prefix(playlist.segments.back().uri);
  if (playlist.endlist)
    log::notice(name_ + ": the playlist already has EXT-X-ENDLIST; waiting for the source to start again");
  return playlist.endlist;
}

bool Tracker::follow_source(const m3u8::MediaPlaylist& playlist, uint64_t text_hash, int64_t now_ms) {
  bool wait = false;
  if (detect_restart(playlist, text_hash, now_ms, wait)) {
    last_emitted_.reset();
    pending_discontinuity_ = true;
    ended_ = false;
  } else if (wait) {
    return false;
  }
  const uint64_t td = *playlist.target_duration;
  if (previous_target_duration_ && *previous_target_duration_ != td) {
    log::notice(name_ + ": source restart: EXT-X-TARGETDURATION changed from " +
                std::to_string(*previous_target_duration_) + " to " + std::to_string(td) +
                "; the next segment is marked as a discontinuity");
    pending_discontinuity_ = true;
  }
  return true;
}

std::vector<std::optional<hlsmesh::SystemTime>> Tracker::program_date_times(const m3u8::MediaPlaylist& playlist) {
  // As written, else carried forward by the previous segment's duration
  // within a continuous run.
  std::vector<std::optional<hlsmesh::SystemTime>> pdts(playlist.segments.size());
  for (size_t i = 0; i < playlist.segments.size(); ++i) {
    const auto& seg = playlist.segments[i];
    if (seg.program_date_time) {
      pdts[i] = hlsmesh::parse_iso8601(*seg.program_date_time);
    } else if (i > 0 && pdts[i - 1] && !seg.discontinuity) {
      auto ms = std::llround(playlist.segments[i - 1].duration * 1000.0);
      pdts[i] = *pdts[i - 1] + std::chrono::milliseconds(ms);
    }
  }
  return pdts;
}

void Tracker::remember_window(const m3u8::MediaPlaylist& playlist) {
  previous_window_.clear();
  previous_window_.reserve(playlist.segments.size());
  const uint64_t first = playlist.first_msn();
  for (size_t i = 0; i < playlist.segments.size(); ++i)
    previous_window_.push_back({first + i, playlist.segments[i].uri, playlist.segments[i].program_date_time});
}

void Tracker::skip(uint64_t msn) {
  last_emitted_ = msn;
  pending_discontinuity_ = true;
  waiting_msn_.reset();
}

bool Tracker::take_init(const m3u8::Segment& seg, uint64_t msn, const FileProbe& probe, int64_t now_ms,
                        int64_t grace_ms, std::vector<TrackerItem>& out) {
  // fMP4: the init section goes out once, before the first segment using it.
  if (!seg.map || std::find(emitted_inits_.begin(), emitted_inits_.end(), seg.map->uri) != emitted_inits_.end())
    return true;
  std::string init_path = resolve(dir_, seg.map->uri);
  FileState init = probe(init_path);
  if (!init.exists || init.size == 0) {
    if (!options_.once && wait_or_give_up(msn, now_ms, grace_ms)) return false;
    Refusal{name_ + ": not emitting init section " + init_path, "EXT-X-MAP lists it but it is missing or empty",
            "check that the source writes it next to the playlist"}
        .log(nullptr, log::Level::warning);
    return true;
  }
  out.push_back(ReadyInit{seg.map->uri, init_path, init.size});
  emitted_inits_.push_back(seg.map->uri);
  if (emitted_inits_.size() > 64) emitted_inits_.erase(emitted_inits_.begin());
  return true;
}

bool Tracker::take_segment(const m3u8::MediaPlaylist& playlist, size_t i, std::optional<hlsmesh::SystemTime> pdt,
                           const FileProbe& probe, int64_t now_ms, std::vector<TrackerItem>& out) {
  const uint64_t td = *playlist.target_duration;
  const int64_t missing_grace_ms = std::max<int64_t>(1000, static_cast<int64_t>(td) * 1000);
  const int64_t writing_grace_ms = std::max<int64_t>(2000, static_cast<int64_t>(td) * 2000);
  const uint64_t msn = playlist.first_msn() + i;
  const auto& seg = playlist.segments[i];

  const bool gap = last_emitted_ && msn > *last_emitted_ + 1;
  if (gap)
    log::warning(name_ + ": segments " + msn_text(*last_emitted_ + 1) + " to " + msn_text(msn - 1) +
                 " left the source playlist before they could be emitted (the watcher was not reading it); "
                 "the next segment is marked as a discontinuity");
  if (is_offline_segment(seg.uri) && !options_.keep_offline) {
    Refusal{name_ + ": not emitting segment " + msn_text(msn) + " (" + seg.uri + ")",
            "the source went offline (Owncast's offline segment)", "pass --keep-offline to emit it"}
        .log(nullptr, log::Level::notice);
    skip(msn);
    return true;
  }
  if (!take_init(seg, msn, probe, now_ms, missing_grace_ms, out)) return false;

  std::string path = resolve(dir_, seg.uri);
  FileState file = probe(path);
  if (!file.exists || file.size == 0) {
    if (!options_.once && wait_or_give_up(msn, now_ms, missing_grace_ms)) return false;
    Refusal{name_ + ": skipping segment " + msn_text(msn) + " (" + path + ")",
            std::string("it is listed but ") + (file.exists ? "empty" : "missing") +
                ": the source or its cleanup removed it before it could be read",
            "if this repeats, make the source keep segments longer (ffmpeg: -hls_delete_threshold)"}
        .log(nullptr, log::Level::warning);
    skip(msn);
    return true;
  }
  if (file.writing && !options_.once) {
    if (wait_or_give_up(msn, now_ms, writing_grace_ms)) return false;
    log::warning(name_ + ": segment " + path + " is listed but its writer has kept it open for " +
                 std::to_string(writing_grace_ms) + " ms; emitting it at " + std::to_string(file.size) + " bytes");
  }
  waiting_msn_.reset();
  emit_segment(seg, msn, std::move(path), file.size, pdt, td, gap, out);
  return true;
}

void Tracker::emit_segment(const m3u8::Segment& seg, uint64_t msn, std::string path, uint64_t bytes,
                           std::optional<hlsmesh::SystemTime> pdt, uint64_t td, bool gap,
                           std::vector<TrackerItem>& out) {
  // Only numbered names have a run prefix ("stream-AbC12x-" of "stream-AbC12x-42.ts").
  std::string prefix = numbered_name(seg.uri) ? name_prefix(seg.uri) : std::string();
  bool new_prefix = !prefix.empty() && !last_prefix_.empty() && prefix != last_prefix_ && has_letter(prefix) &&
                    has_letter(last_prefix_);
  if (new_prefix) {
    log::notice(name_ + ": source restart: segment names changed from " + last_prefix_ + "* to " + prefix +
                "*; marking a discontinuity");
  }
  ReadySegment ready;
  ready.msn = msn;
  ready.uri = seg.uri;
  ready.path = std::move(path);
  ready.bytes = bytes;
  ready.duration = seg.duration;
  ready.discontinuity = seg.discontinuity || pending_discontinuity_ || gap || new_prefix;
  if (pdt) ready.pdt = hlsmesh::format_iso8601_ms(*pdt);
  if (seg.map) ready.map = seg.map->uri;
  ready.target_duration = td;
  out.push_back(std::move(ready));

  pending_discontinuity_ = false;
  if (!prefix.empty()) last_prefix_ = std::move(prefix);
  last_emitted_ = msn;
}

std::vector<TrackerItem> Tracker::on_playlist(const m3u8::MediaPlaylist& playlist, uint64_t text_hash,
                                              const FileProbe& probe, int64_t now_ms) {
  std::vector<TrackerItem> out;
  deadline_.reset();
  // A playlist without segments or TARGETDURATION tells nothing yet (a
  // writer just started, or an in-place rewrite was cut after the header).
  if (playlist.segments.empty() || !playlist.target_duration) return out;

  bool silent_end = false;
  if (!initialized_) {
    silent_end = start_from(playlist);
  } else if (!follow_source(playlist, text_hash, now_ms)) {
    return out;
  }
  const uint64_t first = playlist.first_msn();
  const uint64_t last = first + playlist.segments.size() - 1;
  if (!playlist.endlist) ended_ = false;
  previous_first_msn_ = first;
  previous_target_duration_ = *playlist.target_duration;
  remember_window(playlist);

  const auto pdts = program_date_times(playlist);
  for (size_t i = 0; i < playlist.segments.size(); ++i) {
    if (last_emitted_ && first + i <= *last_emitted_) continue;
    if (!take_segment(playlist, i, pdts[i], probe, now_ms, out)) break;
  }

  const bool all_done = last_emitted_ && *last_emitted_ >= last;
  if (playlist.endlist && all_done && !ended_) {
    ended_ = true;
    pending_discontinuity_ = true;  // whatever comes next is a new run of the source
    if (!silent_end) out.push_back(SourceEnded{"endlist"});
  }
  return out;
}

std::vector<TrackerItem> Tracker::on_source_gone(std::string_view why) {
  std::vector<TrackerItem> out;
  deadline_.reset();
  waiting_msn_.reset();
  if (!initialized_ || ended_) return out;
  ended_ = true;
  pending_discontinuity_ = true;
  out.push_back(SourceEnded{std::string(why)});
  return out;
}

}  // namespace hlsmesh::hlswatch
