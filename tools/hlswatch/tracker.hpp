#pragma once
// Per-rendition source-playlist tracker: given successive complete reads of one
// media playlist, decides which segments are new and complete (each emitted
// exactly once, in MSN order), notices source restarts and the end of the
// stream. It does no I/O itself: files are looked at through a FileProbe, so
// the logic can be tested on playlist sequences.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/m3u8.hpp"
#include "common/time_util.hpp"

namespace hlsmesh::hlswatch {

// What the watcher knows about a segment file right now.
struct FileState {
  bool exists = false;
  uint64_t size = 0;
  // A writer still has it open (inotify saw IN_MODIFY and no IN_CLOSE_WRITE
  // yet), or, when polling, its size changed since the previous look.
  bool writing = false;
};
using FileProbe = std::function<FileState(const std::string& path)>;

struct ReadySegment {
  uint64_t msn = 0;
  std::string uri;
  std::string path;
  uint64_t bytes = 0;
  double duration = 0;
  bool discontinuity = false;
  std::optional<std::string> pdt;  // ISO 8601 with ms, UTC
  std::optional<std::string> map;  // EXT-X-MAP URI
  uint64_t target_duration = 0;
};
struct ReadyInit {
  std::string uri;
  std::string path;
  uint64_t bytes = 0;
};
struct SourceEnded {
  std::string reason;  // "endlist" or "gone"
};
using TrackerItem = std::variant<ReadyInit, ReadySegment, SourceEnded>;

struct TrackerOptions {
  size_t backlog = 0;             // on the first read of a playlist present at start: emit the last N
  bool existed_at_start = false;  // the playlist was there when we started: its segments are old
  bool once = false;              // emit everything listed now (or the last `backlog`), don't wait for writers
  bool keep_offline = false;      // emit Owncast's offline.ts instead of only reporting it
  int64_t confirm_shrink_ms = 150;  // a playlist that lost its newest segments must read the same this long
};

class Tracker {
 public:
  // `playlist_dir` resolves relative segment URIs; `name` labels log messages.
  Tracker(std::string playlist_dir, TrackerOptions options, std::string name);

  // A complete media playlist was read (`text_hash` identifies its exact text).
  // Returns what became ready, in order.
  std::vector<TrackerItem> on_playlist(const hlsmesh::m3u8::MediaPlaylist& playlist, uint64_t text_hash,
                                       const FileProbe& probe, int64_t now_ms);

  // The playlist or its directory went away: an `end` unless already ended.
  std::vector<TrackerItem> on_source_gone(std::string_view why);

  // When the playlist should be read again although nothing changed (a
  // segment waits for its writer, a shrink waits for confirmation).
  std::optional<int64_t> deadline() const { return deadline_; }

  bool initialized() const { return initialized_; }
  std::optional<uint64_t> last_emitted() const { return last_emitted_; }
  bool ended() const { return ended_; }

  // "stream-AbC12x-42.ts" → "stream-AbC12x-": the part of a segment name that
  // stays the same within one run of the source.
  static std::string name_prefix(std::string_view uri);
  // Filesystem path of a segment URI relative to `dir` (query dropped; URLs
  // and absolute paths are looked up by their file name in `dir`).
  static std::string resolve(const std::string& dir, std::string_view uri);

 private:
  struct WindowEntry {
    uint64_t msn;
    std::string uri;
    std::optional<std::string> pdt;
  };
  bool detect_restart(const hlsmesh::m3u8::MediaPlaylist& playlist, uint64_t text_hash, int64_t now_ms,
                      bool& wait_for_confirmation);
  // Returns false when the head segment must wait (deadline_ set).
  bool wait_or_give_up(uint64_t msn, int64_t now_ms, int64_t grace_ms);

  // The first read: how much of what is listed is old. True when the playlist
  // had already ended (its end is not announced again).
  bool start_from(const hlsmesh::m3u8::MediaPlaylist& playlist);
  // Later reads: a source restart or a changed target duration marks a
  // discontinuity. False while a shrunk playlist waits for confirmation.
  bool follow_source(const hlsmesh::m3u8::MediaPlaylist& playlist, uint64_t text_hash, int64_t now_ms);
  static std::vector<std::optional<hlsmesh::SystemTime>> program_date_times(
      const hlsmesh::m3u8::MediaPlaylist& playlist);
  void remember_window(const hlsmesh::m3u8::MediaPlaylist& playlist);
  // Segment `i` of the playlist: emitted, skipped, or (false) waited for.
  bool take_segment(const hlsmesh::m3u8::MediaPlaylist& playlist, size_t i, std::optional<hlsmesh::SystemTime> pdt,
                    const FileProbe& probe, int64_t now_ms, std::vector<TrackerItem>& out);
  // The segment's init section, once; false when it must be waited for.
  bool take_init(const hlsmesh::m3u8::Segment& seg, uint64_t msn, const FileProbe& probe, int64_t now_ms,
                 int64_t grace_ms, std::vector<TrackerItem>& out);
  void emit_segment(const hlsmesh::m3u8::Segment& seg, uint64_t msn, std::string path, uint64_t bytes,
                    std::optional<hlsmesh::SystemTime> pdt, uint64_t td, bool gap, std::vector<TrackerItem>& out);
  // A segment passed over: the next one emitted is a discontinuity.
  void skip(uint64_t msn);

  std::string dir_;
  TrackerOptions options_;
  std::string name_;

  bool initialized_ = false;
  std::optional<uint64_t> last_emitted_;  // highest MSN emitted or deliberately skipped
  std::optional<uint64_t> previous_first_msn_;
  std::optional<uint64_t> previous_target_duration_;
  std::vector<WindowEntry> previous_window_;
  std::string last_prefix_;
  bool pending_discontinuity_ = false;
  bool ended_ = false;
  std::vector<std::string> emitted_inits_;

  std::optional<uint64_t> suspect_hash_;  // a shrunk playlist waiting for confirmation
  int64_t suspect_since_ = 0;

  std::optional<uint64_t> waiting_msn_;  // head segment not ready yet
  int64_t waiting_since_ = 0;
  std::optional<int64_t> deadline_;
};

}  // namespace hlsmesh::hlswatch
