#pragma once
// One rendition's rolling window: the segments currently listed, its own
// media sequence numbers (never reused, never back), the discontinuity
// sequence, and the trimming rule (window size, never below 3 × TD).
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "common/event_io.hpp"
#include "common/m3u8.hpp"

namespace hlsmesh::m3u8roll {

// A listed segment. `msn` is m3u8roll's own media sequence number.
struct WindowEntry {
  uint64_t msn = 0;
  std::string uri;  // as listed (CDN URL)
  double duration = 0;
  bool discontinuity = false;
  std::optional<std::string> pdt;
  std::optional<std::string> map_uri;  // resolved EXT-X-MAP URI
  std::optional<uint64_t> bytes;
  std::optional<uint64_t> source_msn;
  // Longest duration of a published playlist that listed this segment: the
  // RFC 8216 §6.2.2 availability time is duration + this.
  double longest_playlist = 0;
  Json event;  // the segment event as passed on (null when restored from a playlist)
};

struct WindowPolicy {
  size_t max_segments = 60;
  std::optional<double> max_seconds;  // --window-seconds replaces the count
  bool keep_all = false;              // EVENT playlist: never trim
};

class RenditionWindow {
 public:
  RenditionWindow(uint64_t target_duration, uint64_t first_msn, uint64_t discontinuity_sequence);

  uint64_t target_duration() const { return target_duration_; }
  uint64_t next_msn() const { return next_msn_; }
  uint64_t first_msn() const { return next_msn_ - entries_.size(); }
  uint64_t discontinuity_sequence() const { return dsn_; }
  const std::deque<WindowEntry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  double duration() const { return static_cast<double>(total_us_) / 1e6; }

  // Appends with the next MSN; returns the entry as stored.
  WindowEntry& append(WindowEntry entry);
  // Restores an entry at a known MSN (resume); MSNs must follow each other.
  void restore(WindowEntry entry);

  // Removes head segments the policy no longer wants, never dropping the
  // window below 3 × TD; raises the DSN for each DISCONTINUITY that leaves.
  std::vector<WindowEntry> trim(const WindowPolicy& policy);

  // Live playlists are published only once they hold 3 × TD (RFC 8216
  // §6.2.2, hls.js starts 3 × TD from the end); finished ones always.
  bool publishable() const;
  // Records that the current window was published (for availability times).
  void mark_published();

  const WindowEntry* find_uri(const std::string& uri) const;

  bool ended = false;                 // EXT-X-ENDLIST written (--finish-on-end)
  bool pending_discontinuity = false;  // the next listed segment starts a new timeline
  std::optional<uint64_t> last_source_msn;

  m3u8::MediaPlaylist playlist(bool keep_all) const;

 private:
  uint64_t target_duration_;
  uint64_t next_msn_;
  uint64_t dsn_;
  int64_t total_us_ = 0;  // integer sum: no drift over 100k segments
  std::deque<WindowEntry> entries_;
};

int64_t duration_us(double seconds);

}  // namespace hlsmesh::m3u8roll
