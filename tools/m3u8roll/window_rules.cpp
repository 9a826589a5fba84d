#include "tools/m3u8roll/window_rules.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"
#include "common/log.hpp"
#include "tools/m3u8roll/segment_fields.hpp"

namespace hlsmesh::m3u8roll {
namespace {

Json log_fields(const PlaylistOwner& owner) {
  return {{"path", owner.path}, {"stream", owner.stream}, {"rendition", owner.rendition}};
}

// The state file or the playlist, whichever is further on; nullopt for a new playlist.
std::optional<RenditionWindow> resume_window(const Options& options, const StateFile& state,
                                             const PlaylistOwner& owner) {
  const std::string& path = owner.path;
  std::optional<RenditionWindow> from_state = state.window_for(path);
  std::optional<ResumedWindow> from_playlist = resume_from_playlist(path);
  if (from_state && from_playlist && from_playlist->window.next_msn() > from_state->next_msn()) {
    log::warning("state file " + state.path().string() + " is behind playlist " + path +
                     " (MSN " + std::to_string(from_state->next_msn()) + " < " +
                     std::to_string(from_playlist->window.next_msn()) + "); resuming from the playlist",
                 {{"path", path}});
    from_state.reset();
  }
  if (from_state) {
    log::info("resumed " + path + " from state file at MSN " + std::to_string(from_state->first_msn()) + ", " +
                  std::to_string(from_state->entries().size()) + " segments",
              log_fields(owner));
    return from_state;
  }
  if (!from_playlist) return std::nullopt;
  if (options.keep_all && from_playlist->playlist_type != "EVENT" && from_playlist->window.first_msn() > 0) {
    throw Error(Exit::config, "--keep-all cannot continue " + path +
                                  ": it is a sliding-window playlist that already removed segments, and an EVENT "
                                  "playlist may only grow; move it away or run without --keep-all");
  }
  if (from_playlist->had_endlist) {
    log::notice(path + " had EXT-X-ENDLIST; this run continues it as a live playlist with a discontinuity",
                {{"path", path}});
  }
  log::info("resumed " + path + " from the playlist at MSN " + std::to_string(from_playlist->window.first_msn()) +
                ", " + std::to_string(from_playlist->window.entries().size()) + " segments",
            log_fields(owner));
  return std::move(from_playlist->window);
}

RenditionWindow new_window(const Options& options, const PlaylistOwner& owner, const Json& first_segment) {
  uint64_t td = options.target_duration;
  const auto source_td = first_segment.find("target_duration");
  const bool has_source_td =
      source_td != first_segment.end() && source_td->is_number() && source_td->get<double>() > 0;
  if (td == 0 && has_source_td) td = static_cast<uint64_t>(std::ceil(source_td->get<double>() - 1e-9));
  if (td == 0) {
    const double first = first_segment.value("duration", 1.0);
    td = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(first)));
    log::warning("no --target-duration and the first segment carries no target_duration: using " +
                     std::to_string(td) + " s from its duration; longer segments will be refused, so pass "
                     "--target-duration with the longest segment length the encoder produces",
                 {{"path", owner.path}});
  } else if (options.target_duration && has_source_td &&
             static_cast<double>(options.target_duration) < source_td->get<double>()) {
    log::warning("--target-duration " + std::to_string(options.target_duration) + " is below the source's " +
                     source_td->dump() + "; segments longer than it will be refused",
                 {{"path", owner.path}});
  }
  log::info("new playlist " + owner.path + " with EXT-X-TARGETDURATION " + std::to_string(td), log_fields(owner));
  return RenditionWindow(td, 0, 0);
}

}  // namespace

RenditionWindow open_window(const Options& options, const StateFile& state, const PlaylistOwner& owner,
                            const Json& first_segment) {
  std::optional<RenditionWindow> resumed = resume_window(options, state, owner);
  RenditionWindow window = resumed ? std::move(*resumed) : new_window(options, owner, first_segment);
  if (options.target_duration && options.target_duration != window.target_duration()) {
    log::warning("--target-duration " + std::to_string(options.target_duration) + " differs from the " +
                     std::to_string(window.target_duration()) + " of resumed playlist " + owner.path +
                     "; keeping " + std::to_string(window.target_duration()) +
                     " (it must never change, RFC 8216 §6.2.1); to change it, start a new playlist path",
                 {{"path", owner.path}});
  }
  return window;
}

const WindowEntry* find_replay(const RenditionWindow& window, const std::string& path, const Json& event,
                               std::string& uri, std::optional<uint64_t> source_msn) {
  const WindowEntry* existing = window.find_uri(uri);
  if (!existing) return nullptr;
  const auto bytes = unsigned_field(event, "bytes");
  const bool same_source = (!existing->source_msn || !source_msn || *existing->source_msn == *source_msn) &&
                           (!existing->bytes || !bytes || *existing->bytes == *bytes);
  if (same_source) {
    // A replay (hlswatch --backlog after a restart, a duplicated line): listed already.
    log::notice(describe(event) + " is already listed as MSN " + std::to_string(existing->msn) + " (" + uri +
                    "); not listed twice",
                {{"path", path}});
    return existing;
  }
  log::error("the source reused segment name " + uri + " (now " + describe(event) +
                 ", listed as MSN " + std::to_string(existing->msn) +
                 "): the old entry now points at new content. Make names unique across encoder restarts "
                 "(ffmpeg: -hls_start_number_source epoch, or -strftime 1 -hls_segment_filename 'seg-%s.ts'); "
                 "listing it with a query suffix",
             {{"path", path}});
  uri += (uri.find('?') == std::string::npos ? "?" : "&") + std::string("hlsmesh_msn=") +
         std::to_string(window.next_msn());
  return nullptr;
}

bool starts_discontinuity(const RenditionWindow& window, const std::string& path, const Json& event,
                          std::optional<uint64_t> source_msn) {
  bool discontinuity = event.value("discontinuity", false) || window.pending_discontinuity;
  if (source_msn && window.last_source_msn && *source_msn != *window.last_source_msn + 1) {
    if (!discontinuity) {
      log::notice("source msn jumped from " + std::to_string(*window.last_source_msn) + " to " +
                      std::to_string(*source_msn) + ": marking EXT-X-DISCONTINUITY",
                  {{"path", path}});
    }
    discontinuity = true;
  }
  if (window.empty()) discontinuity = false;  // nothing before it in any published playlist
  return discontinuity;
}

std::optional<Refusal> reopen_if_ended(RenditionWindow& window, bool reopen_after_end, const std::string& path) {
  if (!window.ended) return std::nullopt;
  if (!reopen_after_end) {
    return Refusal{{},
                   "playlist " + path + " was finished with EXT-X-ENDLIST (--finish-on-end) and must not change",
                   "restart m3u8roll to continue it, run with --reopen-after-end to continue it when its source "
                   "comes back, or without --finish-on-end to keep it live across source restarts"};
  }
  window.ended = false;
  window.pending_discontinuity = true;
  log::notice(path + " had ended with EXT-X-ENDLIST; its source is back: it continues as a live playlist after "
                     "EXT-X-DISCONTINUITY (--reopen-after-end)",
              {{"path", path}});
  return std::nullopt;
}

}  // namespace hlsmesh::m3u8roll
