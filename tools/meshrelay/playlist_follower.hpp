#pragma once
// Follows a live HLS stream by its public URL, as any viewer could: polls
// the media playlist(s) at half the target duration with conditional
// requests, and fetches each new segment once (libcurl). A master playlist
// is followed rendition by rendition (master_renditions.hpp). Beside a live
// feed it polls slowly (`set_feed_live`): the feed brings the segments, the
// polls keep the renditions' ids and fetch what the feed missed.
// Runs on a thread of its own; segments go to the handler on that thread.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/http_client.hpp"
#include "common/m3u8.hpp"
#include "tools/meshrelay/rendition_map.hpp"
#include "tools/meshrelay/segment_source.hpp"

namespace hlsmesh::meshrelay {

class PlaylistFollower {
 public:
  // `backfill`: segments already listed at start that are fetched too (the
  // newest ones), so viewers behind live find them at once.
  PlaylistFollower(std::string manifest_url, int backfill, RenditionMap& renditions, FetchStats& stats,
                   OnSegment on_segment);
  PlaylistFollower(const PlaylistFollower&) = delete;
  PlaylistFollower& operator=(const PlaylistFollower&) = delete;
  ~PlaylistFollower();

  // While the feed delivers, poll the renditions it brought a segment of in
  // the last 3 target durations every 3 target durations instead of half
  // of one; when it drops, poll at once and then at the usual pace.
  void set_feed_live(bool live);

 private:
  struct Media {
    Rendition rendition;
    std::string etag, last_modified;
    bool loaded = false;  // the first load sets the floor (--backfill)
    double target_duration = 2;
  };
  void run();
  bool load_manifest();
  double poll(Media& media);
  void fetch_new(Media& media, const m3u8::MediaPlaylist& playlist, const std::string& base);
  double interval(const Media& media) const;
  http::Response get(const std::string& url, const std::vector<std::string>& headers = {}, long timeout_ms = 15000);
  void sleep_for(double seconds);
  bool stopping();

  std::string manifest_url_;
  int backfill_;
  RenditionMap& renditions_;
  FetchStats& stats_;
  OnSegment on_segment_;
  std::vector<Media> media_;
  http::Client client_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;       // guarded by mutex_
  bool feed_live_ = false;  // guarded by mutex_
  bool poke_ = false;       // guarded by mutex_: poll now
  std::thread thread_;
};

}  // namespace hlsmesh::meshrelay
