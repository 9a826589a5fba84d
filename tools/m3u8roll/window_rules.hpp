#pragma once
// The rules that decide what a rendition's window does with a segment,
// apart from the event loop that applies them (roller.cpp): which window a
// rendition opens with, what is a replay, where a discontinuity goes, and
// whether a finished playlist may go on. (The trimming rule is
// WindowPolicy, in window.hpp.)
#include <optional>
#include <string>

#include "common/event_io.hpp"
#include "common/refusal.hpp"
#include "tools/m3u8roll/options.hpp"
#include "tools/m3u8roll/persistence.hpp"
#include "tools/m3u8roll/window.hpp"

namespace hlsmesh::m3u8roll {

// Whose window: the output playlist and the rendition it lists (messages, log fields).
struct PlaylistOwner {
  const std::string& path;
  const std::string& stream;
  const std::string& rendition;
};

// The window a rendition starts with, at its first segment: resumed from the
// --state file or from the output playlist (the one further on), else a new
// one whose target duration is --target-duration, the source's, or the
// first segment's. Throws Error(Exit::config) when --keep-all cannot go on
// with the playlist found.
RenditionWindow open_window(const Options& options, const StateFile& state, const PlaylistOwner& owner,
                            const Json& first_segment);

// A segment whose URI the window lists already. The same file again (the
// same source position and size, or unknown) is a replay: its listed entry is
// returned, for the event to go on with that MSN. New content under a reused
// name is said loudly and `uri` is rewritten to a unique one: nullptr, as for
// a URI not listed at all.
const WindowEntry* find_replay(const RenditionWindow& window, const std::string& path, const Json& event,
                               std::string& uri, std::optional<uint64_t> source_msn);

// Whether the next listed segment starts with EXT-X-DISCONTINUITY: the
// source says so, a refused segment left a hole, or the source MSN jumped;
// never for the first segment of a window.
bool starts_discontinuity(const RenditionWindow& window, const std::string& path, const Json& event,
                          std::optional<uint64_t> source_msn);

// A segment for a finished playlist (EXT-X-ENDLIST written): refused, or with
// --reopen-after-end (its source is back after the end: an ingest's publisher
// returning) the playlist goes on live after a discontinuity, as a run of
// m3u8roll resumed from the playlist alone would continue it. nullopt when the
// segment may be listed.
std::optional<Refusal> reopen_if_ended(RenditionWindow& window, bool reopen_after_end, const std::string& path);

}  // namespace hlsmesh::m3u8roll
