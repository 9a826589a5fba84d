#include "tools/m3u8roll/roller.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/events.hpp"
#include "common/log.hpp"
#include "common/m3u8.hpp"
#include "common/url.hpp"
#include "tools/m3u8roll/naming.hpp"

namespace hlsmesh::m3u8roll {
namespace {

std::string name_field(const Json& event, const char* field, std::string_view fallback) {
  auto it = event.find(field);
  if (it == event.end() || it->is_null()) return std::string(fallback);
  if (it->is_string()) return it->get<std::string>().empty() ? std::string(fallback) : it->get<std::string>();
  return it->dump();  // a number used as a name: "1"
}

std::optional<std::string> string_field(const Json& event, const char* field) {
  auto it = event.find(field);
  if (it == event.end() || !it->is_string() || it->get<std::string>().empty()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<uint64_t> unsigned_field(const Json& event, const char* field) {
  auto it = event.find(field);
  if (it == event.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  int64_t v = it->get<int64_t>();
  if (v < 0) return std::nullopt;
  return static_cast<uint64_t>(v);
}

double round_ms(double seconds) { return std::round(seconds * 1000.0) / 1000.0; }

std::string seconds_text(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", seconds);
  return buf;
}

std::string describe(const Json& event) {
  std::string s = "segment";
  if (auto msn = event.find("msn"); msn != event.end()) s += " msn " + msn->dump();
  if (auto uri = string_field(event, "uri")) s += " (" + *uri + ")";
  return s;
}

// Why a segment longer than the target duration is not listed, and the fixes.
std::string over_target_duration(double duration, uint64_t rounded, uint64_t td) {
  return "it lasts " + seconds_text(duration) + " s (rounds to " + std::to_string(rounded) +
         " s), above EXT-X-TARGETDURATION " + std::to_string(td) +
         ", which must never change (RFC 8216 §4.3.3.1, §6.2.1); fix: restart with --target-duration " +
         std::to_string(rounded) +
         " or more on a new playlist path, or make the encoder cut shorter segments (keyframe interval ≤ "
         "segment length; Owncast: turn off passthrough). The next listed segment gets EXT-X-DISCONTINUITY";
}

}  // namespace

Roller::Roller(Options options, Emit emit)
    : options_(std::move(options)),
      policy_(options_.policy()),
      emit_(std::move(emit)),
      state_(options_.state_file),
      masters_(options_.master_template) {
  state_.load();
}

void Roller::handle(Json event) {
  const std::string kind = events::name(event);
  if (kind == "segment") {
    on_segment(event);
  } else if (kind == "init") {
    on_init(event);
  } else if (kind == "end") {
    on_end(event);
  } else {
    if (kind == "master") masters_.set_source(name_field(event, "stream", default_stream), event);
    emit_(event);
  }
}

Refusable<Roller::Rendition*> Roller::rendition_for(const std::string& stream, const std::string& name) {
  Key key{stream, name};
  if (auto it = renditions_.find(key); it != renditions_.end()) return &it->second;
  const std::string path = std::filesystem::absolute(expand_template(options_.out_template, stream, name)).string();
  if (auto owner = path_owner_.find(path); owner != path_owner_.end()) {
    return Refusal{{},
                   "its output path " + path + " is already used by stream " + owner->second.first + " rendition " +
                       owner->second.second,
                   "put {rendition} (and {stream}) in --out, e.g. --out 'live/{rendition}.m3u8'"};
  }
  path_owner_[path] = key;
  Rendition& r = renditions_[key];
  r.stream = stream;
  r.name = name;
  r.path = path;
  return &r;
}

RenditionWindow& Roller::ensure_window(Rendition& r, const Json& event) {
  if (r.window) return *r.window;
  std::optional<RenditionWindow> from_state = state_.window_for(r.path);
  std::optional<ResumedWindow> from_playlist = resume_from_playlist(r.path);
  if (from_state && from_playlist && from_playlist->window.next_msn() > from_state->next_msn()) {
    log::warning("state file " + state_.path().string() + " is behind playlist " + r.path +
                     " (MSN " + std::to_string(from_state->next_msn()) + " < " +
                     std::to_string(from_playlist->window.next_msn()) + "); resuming from the playlist",
                 {{"path", r.path}});
    from_state.reset();
  }
  if (from_state) {
    r.window = std::move(*from_state);
    log::info("resumed " + r.path + " from state file at MSN " + std::to_string(r.window->first_msn()) + ", " +
                  std::to_string(r.window->entries().size()) + " segments",
              {{"path", r.path}, {"stream", r.stream}, {"rendition", r.name}});
  } else if (from_playlist) {
    if (options_.keep_all && from_playlist->playlist_type != "EVENT" && from_playlist->window.first_msn() > 0) {
      throw Error(Exit::config, "--keep-all cannot continue " + r.path +
                                    ": it is a sliding-window playlist that already removed segments, and an EVENT "
                                    "playlist may only grow; move it away or run without --keep-all");
    }
    if (from_playlist->had_endlist) {
      log::notice(r.path + " had EXT-X-ENDLIST; this run continues it as a live playlist with a discontinuity",
                  {{"path", r.path}});
    }
    r.window = std::move(from_playlist->window);
    log::info("resumed " + r.path + " from the playlist at MSN " + std::to_string(r.window->first_msn()) + ", " +
                  std::to_string(r.window->entries().size()) + " segments",
              {{"path", r.path}, {"stream", r.stream}, {"rendition", r.name}});
  } else {
    uint64_t td = options_.target_duration;
    const auto source_td = event.find("target_duration");
    const bool has_source_td = source_td != event.end() && source_td->is_number() && source_td->get<double>() > 0;
    if (td == 0 && has_source_td) td = static_cast<uint64_t>(std::ceil(source_td->get<double>() - 1e-9));
    if (td == 0) {
      const double first = event.value("duration", 1.0);
      td = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(first)));
      log::warning("no --target-duration and the first segment carries no target_duration: using " +
                       std::to_string(td) + " s from its duration; longer segments will be refused, so pass "
                       "--target-duration with the longest segment length the encoder produces",
                   {{"path", r.path}});
    } else if (options_.target_duration && has_source_td &&
               static_cast<double>(options_.target_duration) < source_td->get<double>()) {
      log::warning("--target-duration " + std::to_string(options_.target_duration) + " is below the source's " +
                       source_td->dump() + "; segments longer than it will be refused",
                   {{"path", r.path}});
    }
    r.window.emplace(td, 0, 0);
    log::info("new playlist " + r.path + " with EXT-X-TARGETDURATION " + std::to_string(td),
              {{"path", r.path}, {"stream", r.stream}, {"rendition", r.name}});
  }
  if (options_.target_duration && options_.target_duration != r.window->target_duration()) {
    log::warning("--target-duration " + std::to_string(options_.target_duration) + " differs from the " +
                     std::to_string(r.window->target_duration()) + " of resumed playlist " + r.path +
                     "; keeping " + std::to_string(r.window->target_duration()) +
                     " (it must never change, RFC 8216 §6.2.1); to change it, start a new playlist path",
                 {{"path", r.path}});
  }
  return *r.window;
}

Refusable<std::string> Roller::resolve_uri(const Rendition& r, const Json& event) const {
  if (auto url = string_field(event, "url")) return *url;
  if (event.contains("error") && !event["error"].is_null()) {
    return Refusal{{}, "its upload failed (" + event["error"].dump() + "), so the CDN does not have it", {}};
  }
  auto uri = string_field(event, "uri");
  if (!uri) return Refusal{{}, "it has neither `url` nor `uri`", {}};
  if (url::has_scheme(*uri)) return *uri;
  if (options_.base_url.empty()) {
    return Refusal{{}, "it has no `url` (put r2push before m3u8roll) and no --base-url is set to prefix its uri " + *uri,
                   {}};
  }
  return url::join(expand_template(options_.base_url, r.stream, r.name), *uri);
}

Refusable<std::optional<std::string>> Roller::resolve_map(const Rendition& r, const Json& event) const {
  auto map = string_field(event, "map");
  if (!map) return std::optional<std::string>();
  if (auto it = r.init_urls.find(*map); it != r.init_urls.end() && !it->second.empty()) {
    return std::optional<std::string>(it->second);
  }
  if (url::has_scheme(*map)) return map;
  if (options_.base_url.empty()) {
    return Refusal{{}, "its init segment " + *map + " has no `url` (no `init` event with one) and no --base-url is set",
                   {}};
  }
  return std::optional<std::string>(url::join(expand_template(options_.base_url, r.stream, r.name), *map));
}

void Roller::reject(Rendition* r, Json& event, Refusal refusal) {
  ++stats_.rejected;
  refusal.what = describe(event) + " of stream " + name_field(event, "stream", default_stream) + " rendition " +
                 name_field(event, "rendition", default_rendition) + " is NOT listed";
  refusal.log({{"msn", event.value("msn", Json())}, {"uri", event.value("uri", Json())}});
  event["playlist_error"] = Refusal{{}, refusal.why, refusal.fix}.message();
  if (r && r->window) r->window->pending_discontinuity = true;  // the timeline now has a hole
  emit_(event);
  // Never listed, so no player needs it: later stages may drop it at once.
  Json gone = event;
  gone["event"] = "expire";
  gone["expire_after"] = 0;
  gone["reason"] = "not-listed";
  ++stats_.expired;
  emit_(gone);
}

// A segment whose URI is listed already: a replay of the same file is passed
// on with its MSN (true); new content under a reused name is listed under a
// unique URI, which `uri` is rewritten to.
bool Roller::is_replay(const Rendition& r, const RenditionWindow& window, Json& event, std::string& uri,
                       std::optional<uint64_t> source_msn) {
  const WindowEntry* existing = window.find_uri(uri);
  if (!existing) return false;
  // Same source position and size (or unknown): the same file again.
  const auto bytes = unsigned_field(event, "bytes");
  const bool same_source = (!existing->source_msn || !source_msn || *existing->source_msn == *source_msn) &&
                           (!existing->bytes || !bytes || *existing->bytes == *bytes);
  if (same_source) {
    // A replay (hlswatch --backlog after a restart, a duplicated line): listed already.
    ++stats_.replayed;
    log::notice(describe(event) + " is already listed as MSN " + std::to_string(existing->msn) + " (" + uri +
                    "); not listed twice",
                {{"path", r.path}});
    event["playlist_msn"] = existing->msn;
    emit_(event);
    return true;
  }
  log::error("the source reused segment name " + uri + " (now " + describe(event) +
                 ", listed as MSN " + std::to_string(existing->msn) +
                 "): the old entry now points at new content. Make names unique across encoder restarts "
                 "(ffmpeg: -hls_start_number_source epoch, or -strftime 1 -hls_segment_filename 'seg-%s.ts'); "
                 "listing it with a query suffix",
             {{"path", r.path}});
  uri += (uri.find('?') == std::string::npos ? "?" : "&") + std::string("hlsmesh_msn=") +
          std::to_string(window.next_msn());
  return false;
}

bool Roller::marks_discontinuity(const Rendition& r, const RenditionWindow& window, const Json& event,
                                 std::optional<uint64_t> source_msn) const {
  bool discontinuity = event.value("discontinuity", false) || window.pending_discontinuity;
  if (source_msn && window.last_source_msn && *source_msn != *window.last_source_msn + 1) {
    if (!discontinuity) {
      log::notice("source msn jumped from " + std::to_string(*window.last_source_msn) + " to " +
                      std::to_string(*source_msn) + ": marking EXT-X-DISCONTINUITY",
                  {{"path", r.path}});
    }
    discontinuity = true;
  }
  if (window.empty()) discontinuity = false;  // nothing before it in any published playlist
  return discontinuity;
}

void Roller::on_segment(Json& event) {
  const std::string stream = name_field(event, "stream", default_stream);
  const std::string name = name_field(event, "rendition", default_rendition);
  auto found = rendition_for(stream, name);
  if (!found) return reject(nullptr, event, found.refusal());
  Rendition* r = *found;

  auto duration_it = event.find("duration");
  if (duration_it == event.end() || !duration_it->is_number() || !(duration_it->get<double>() > 0)) {
    return reject(r, event, {{}, "it has no positive `duration` (EXTINF seconds)", {}});
  }
  const double duration = duration_it->get<double>();
  auto uri = resolve_uri(*r, event);
  if (!uri) return reject(r, event, uri.refusal());
  auto map = resolve_map(*r, event);
  if (!map) return reject(r, event, map.refusal());

  RenditionWindow& window = ensure_window(*r, event);
  const uint64_t td = window.target_duration();
  const uint64_t rounded = m3u8::rounded_duration(duration);
  if (rounded > td) {
    return reject(r, event, {{}, over_target_duration(duration, rounded, td), {}});
  }

  const auto source_msn = unsigned_field(event, "msn");
  if (is_replay(*r, window, event, *uri, source_msn)) return;  // listed already, even in a finished playlist
  if (window.ended && !reopen(*r, window, event)) return;
  const bool discontinuity = marks_discontinuity(*r, window, event, source_msn);

  WindowEntry entry;
  entry.uri = *uri;
  entry.duration = duration;
  entry.discontinuity = discontinuity;
  entry.pdt = string_field(event, "pdt");
  entry.map_uri = *map;
  entry.bytes = unsigned_field(event, "bytes");
  entry.source_msn = source_msn;
  event["playlist_msn"] = window.next_msn();
  if (!options_.keep_all) entry.event = event;  // kept for its `expire` event
  window.append(std::move(entry));
  window.last_source_msn = source_msn;
  window.pending_discontinuity = false;
  ++stats_.listed;

  auto removed = window.trim(policy_);
  emit_(event);
  publish(*r);
  for (const auto& gone : removed) expire(*r, gone);
}

// A new segment for a finished playlist: refused, or with --reopen-after-end
// (its source is back after the end: an ingest's publisher returning) the
// playlist goes on live after a discontinuity, as a run of m3u8roll resumed
// from the playlist alone would continue it.
bool Roller::reopen(Rendition& r, RenditionWindow& window, Json& event) {
  if (!options_.reopen_after_end) {
    reject(&r, event,
           {{},
            "playlist " + r.path + " was finished with EXT-X-ENDLIST (--finish-on-end) and must not change",
            "restart m3u8roll to continue it, run with --reopen-after-end to continue it when its source comes "
            "back, or without --finish-on-end to keep it live across source restarts"});
    return false;
  }
  window.ended = false;
  window.pending_discontinuity = true;
  log::notice(r.path + " had ended with EXT-X-ENDLIST; its source is back: it continues as a live playlist after "
                  "EXT-X-DISCONTINUITY (--reopen-after-end)",
              {{"path", r.path}});
  return true;
}

void Roller::on_init(Json& event) {
  // A rendition refused here is refused, and said so, with its first segment.
  if (auto r = rendition_for(name_field(event, "stream", default_stream),
                             name_field(event, "rendition", default_rendition))) {
    auto uri = string_field(event, "uri");
    auto url = string_field(event, "url");
    if (uri && url) (*r)->init_urls[*uri] = *url;
  }
  emit_(event);
}

void Roller::on_end(Json& event) {
  const std::string stream = name_field(event, "stream", default_stream);
  const bool all = !event.contains("rendition") || event["rendition"].is_null();
  const std::string name = name_field(event, "rendition", default_rendition);
  emit_(event);
  for (auto& [key, r] : renditions_) {
    if (key.first != stream || (!all && key.second != name) || !r.window || r.window->empty()) continue;
    if (options_.finish_on_end && !r.window->ended) {
      r.window->ended = true;
      log::info("source ended: finishing " + r.path + " with EXT-X-ENDLIST", {{"path", r.path}});
      publish(r);
    } else if (!options_.finish_on_end) {
      r.window->pending_discontinuity = true;  // whatever comes next is a new source session
      log::notice("source ended; " + r.path + " stays live (--finish-on-end would write EXT-X-ENDLIST)",
                  {{"path", r.path}});
    }
  }
}

void Roller::publish(Rendition& r) {
  RenditionWindow& window = *r.window;
  if (!window.publishable()) {
    if (!r.announced_wait) {
      log::info(r.path + ": waiting for 3 × target duration (" + std::to_string(3 * window.target_duration()) +
                    " s) of segments before the first publish (RFC 8216 §6.2.2)",
                {{"path", r.path}});
      r.announced_wait = true;
    }
    try {
      state_.save(r.path, window);
    } catch (const Error& e) {
      log::error(e.what());
    }
    return;
  }
  window.mark_published();
  try {
    // State first: if we die between the two writes, the state is ahead and
    // the next run lists what the playlist missed; MSNs never go back.
    state_.save(r.path, window);
    if (!r.directory_ready) {
      ensure_directory(std::filesystem::path(r.path).parent_path());
      r.directory_ready = true;
    }
    write_file_atomic(r.path, m3u8::write(window.playlist(options_.keep_all)), 0644,
                      options_.fsync ? Durability::flush_to_disk : Durability::rename_only);
  } catch (const Error& e) {
    log::error(std::string(e.what()) + "; the next segment retries", {{"path", r.path}});
    return;
  }
  ++stats_.published;
  emit_(Json{{"event", "playlist"},
             {"path", r.path},
             {"stream", r.stream},
             {"rendition", r.name},
             {"msn", window.first_msn()},
             {"segments", window.entries().size()},
             {"target_duration", window.target_duration()},
             {"duration", round_ms(window.duration())},
             {"endlist", window.ended}});
  try {
    if (auto master_event = masters_.update(r.stream, r.name, r.path, window)) emit_(*master_event);
  } catch (const Error& e) {
    log::error(std::string(e.what()) + "; the next segment retries");
  }
}

void Roller::expire(const Rendition& r, const WindowEntry& entry) {
  Json gone = entry.event;
  if (gone.is_null()) {  // restored from a playlist: what the playlist said
    gone = Json{{"url", entry.uri}, {"duration", entry.duration}, {"discontinuity", entry.discontinuity}};
    if (entry.pdt) gone["pdt"] = *entry.pdt;
  }
  gone["event"] = "expire";
  if (!gone.contains("stream")) gone["stream"] = r.stream;
  if (!gone.contains("rendition")) gone["rendition"] = r.name;
  gone["playlist_msn"] = entry.msn;
  // RFC 8216 §6.2.2: keep it downloadable for its duration + the longest playlist that listed it.
  const double longest = entry.longest_playlist > 0 ? entry.longest_playlist : r.window->duration();
  gone["expire_after"] = round_ms(entry.duration + longest);
  gone["reason"] = "window";
  ++stats_.expired;
  emit_(gone);
}

}  // namespace hlsmesh::m3u8roll
