#pragma once
// Follows a live HLS stream by its public URL, as any viewer could: polls
// the media playlist(s) at half the target duration with conditional
// requests, and fetches each new segment exactly once (libcurl). A master
// playlist is followed variant by variant, in its order (hls.js' level
// order, which p2p-media-loader numbers its streams by).
// Runs on a thread of its own; results go to the handlers on that thread.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/http_client.hpp"
#include "tools/meshrelay/segment_window.hpp"
#include "tools/meshrelay/swarm_id.hpp"

namespace hlsmesh::meshrelay {

struct FetchedSegment {
  int stream = 0;        // the rendition's place in the master (0 for a media playlist)
  LevelInfo level;       // what p2p-media-loader 2.3 names its swarm after
  std::int64_t msn = 0;  // its id in the swarm
  SegmentBytes data;
  std::string url;
};

struct FollowerStats {
  std::atomic<std::uint64_t> playlist_requests{0};
  std::atomic<std::uint64_t> playlist_not_modified{0};
  std::atomic<std::uint64_t> segment_fetches{0};
  std::atomic<std::uint64_t> segment_bytes{0};
  std::atomic<std::uint64_t> errors{0};
};

class PlaylistFollower {
 public:
  using OnSegment = std::function<void(FetchedSegment)>;
  // `backfill`: segments already listed at start that are fetched too (the
  // newest ones), so viewers behind live find them at once.
  PlaylistFollower(std::string manifest_url, int backfill, OnSegment on_segment);
  PlaylistFollower(const PlaylistFollower&) = delete;
  PlaylistFollower& operator=(const PlaylistFollower&) = delete;
  ~PlaylistFollower();

  const FollowerStats& stats() const { return stats_; }

 private:
  struct Media {
    std::string url;
    std::string etag, last_modified;
    std::int64_t next_msn = -1;  // first not fetched yet; -1 before the first load
    double target_duration = 2;
    LevelInfo level;
  };
  void run();
  bool load_manifest();
  double poll(Media& media, int stream);
  http::Response get(const std::string& url, const std::vector<std::string>& headers = {}, long timeout_ms = 15000);
  void sleep_for(double seconds);

  std::string manifest_url_;
  int backfill_;
  OnSegment on_segment_;
  std::vector<Media> media_;
  http::Client client_;
  FollowerStats stats_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mutex_
  std::thread thread_;
};

// `relative` resolved against `base` (RFC 3986, by libcurl's URL API).
std::string resolve_url(const std::string& base, const std::string& relative);

}  // namespace hlsmesh::meshrelay
