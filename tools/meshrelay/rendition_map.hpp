#pragma once
// What the playlist follower learned about the stream's renditions, shared
// with the feed follower (both threads, under one mutex): each rendition's
// number, level and media playlist URL; where its segments' URLs live, to
// place a feed event's segment; which names the feed gives each; and which
// segments either source has taken, so each is fetched once.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tools/meshrelay/swarm_id.hpp"

namespace hlsmesh::meshrelay {

struct Rendition {
  int stream = 0;
  LevelInfo level;
  std::string playlist_url;  // the media playlist, absolute
};

class RenditionMap {
 public:
  // From the master (or the one media playlist); replaces what was known.
  void set(std::vector<Rendition> renditions);
  // The follower polled every rendition once: the feed may start placing segments.
  void mark_ready();
  bool ready() const;

  // A segment the playlist of `stream` lists, at `msn`: learns where that
  // rendition's segments live. False when the feed took a different URL
  // under that msn (its ids disagree with the playlist's: it is no longer
  // trusted for that rendition).
  bool listed(int stream, std::int64_t msn, const std::string& url);
  // Segments older than this were already listed when the relay started and
  // are not wanted (beyond --backfill).
  void set_floor(int stream, std::int64_t msn);

  // The rendition a feed event names (`key`: its stream and rendition
  // names) with this URL ("" when it has none): by the name learned before,
  // else by the URL's directory when only one rendition's segments live
  // there; the name is then learned.
  std::optional<Rendition> place(const std::string& key, const std::string& url);
  // The feed's `playlist` event: the media playlist `url` is rendition `key`.
  void name_playlist(const std::string& key, const std::string& url);

  // Takes segment `msn` of `stream` for fetching: false when it was taken
  // already, failed 3 times, is older than the floor, or the feed claims it
  // (`from_feed`) for a rendition where the feed is no longer trusted.
  bool claim(int stream, std::int64_t msn, const std::string& url, bool from_feed);
  void release(int stream, std::int64_t msn);  // its fetch failed: either source may try again
  // The feed took a segment of `stream` within the last `seconds`: its
  // playlist may be polled slowly.
  bool fed_within(int stream, double seconds) const;

 private:
  static constexpr int kShared = -1;  // a directory holding several renditions' segments
  struct Claim {
    std::string url;
    bool held = true;  // false after a failed fetch
    int failures = 0;
  };
  struct Taken {
    std::map<std::int64_t, Claim> claims;  // by msn, the newest few thousand
    std::int64_t floor = -1;               // raised past what is forgotten
    bool feed_untrusted = false;
    std::chrono::steady_clock::time_point fed{};  // the feed's last claim
  };
  mutable std::mutex mutex_;
  std::vector<Rendition> renditions_;
  bool ready_ = false;
  std::map<std::string, int> directories_;  // URL up to its last '/' -> stream, or kShared
  std::map<std::string, int> names_;        // feed key -> stream
  std::map<int, Taken> taken_;
};

// The URL up to and including its last '/' (query and fragment dropped).
std::string url_directory(const std::string& url);

}  // namespace hlsmesh::meshrelay
