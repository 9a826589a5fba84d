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
#include "tools/m3u8roll/segment_fields.hpp"
#include "tools/m3u8roll/window_rules.hpp"

namespace hlsmesh::m3u8roll {
namespace {

double round_ms(double seconds) { return std::round(seconds * 1000.0) / 1000.0; }

std::string seconds_text(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", seconds);
  return buf;
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
  if (!r.window) r.window = open_window(options_, state_, {r.path, r.stream, r.name}, event);
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

// A replay is listed already, even in a finished playlist: it goes on with its MSN.
void Roller::pass_replay(Json& event, const WindowEntry& listed) {
  ++stats_.replayed;
  event["playlist_msn"] = listed.msn;
  emit_(event);
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
  if (const WindowEntry* listed = find_replay(window, r->path, event, *uri, source_msn)) {
    return pass_replay(event, *listed);
  }
  if (auto refused = reopen_if_ended(window, options_.reopen_after_end, r->path)) {
    return reject(r, event, std::move(*refused));
  }
  const bool discontinuity = starts_discontinuity(window, r->path, event, source_msn);

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
