#pragma once
// The feed source: takes each `segment` event of sigd's live feed as it
// arrives (before the playlist lists the segment), places it in a rendition
// the playlist follower found (rendition_map.hpp), and fetches it once
// (libcurl) on a worker thread of its own, so a slow fetch never holds the
// WebSocket. A line that is not an event, or a segment event without a
// media sequence number, is named in the log, counted and skipped.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/http_client.hpp"
#include "tools/meshrelay/feed_client.hpp"
#include "tools/meshrelay/rendition_map.hpp"
#include "tools/meshrelay/segment_source.hpp"

namespace hlsmesh::meshrelay {

struct FeedStats {
  std::atomic<bool> connected{false};
  std::atomic<std::uint64_t> connects{0};
  std::atomic<std::uint64_t> lines{0};
  std::atomic<std::uint64_t> segments{0};      // fetched because the feed named them
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::uint64_t> already_held{0};  // named after the playlist brought them, or too old
  std::atomic<std::uint64_t> unplaced{0};      // of no rendition the relay follows
  std::atomic<std::uint64_t> bad_lines{0};
};

class FeedFollower {
 public:
  // `on_live(true)` once the feed places a segment after (re)connecting,
  // `on_live(false)` when it drops: the playlist poll slows down or speeds up.
  FeedFollower(std::string url, RenditionMap& renditions, FetchStats& fetch_stats, OnSegment on_segment,
               std::function<void(bool live)> on_live);
  FeedFollower(const FeedFollower&) = delete;
  FeedFollower& operator=(const FeedFollower&) = delete;
  ~FeedFollower();

  const FeedStats& stats() const { return stats_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Line {
    std::string text;
    std::uint64_t number;
    Clock::time_point arrived;
  };
  void enqueue(const std::string& message);  // lws thread
  void run();                                 // worker thread
  void handle(const Line& line);
  void take_segment(const nlohmann::json& event, const Line& line);
  void fetch(const Rendition& rendition, std::int64_t msn, const std::string& url, Clock::time_point arrived);
  void bad(const Line& line, const std::string& why);

  std::string url_;
  RenditionMap& renditions_;
  FetchStats& fetch_stats_;
  OnSegment on_segment_;
  std::function<void(bool)> on_live_;
  FeedStats stats_;
  http::Client client_;  // worker thread only
  std::set<std::string> named_unplaced_;  // worker thread only: logged once each
  std::atomic<bool> live_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Line> queue_;  // guarded by mutex_
  std::size_t queued_bytes_ = 0;  // guarded by mutex_
  bool stop_ = false;       // guarded by mutex_
  std::thread worker_;
  std::unique_ptr<FeedClient> client_ws_;  // last: its thread stops first
};

}  // namespace hlsmesh::meshrelay
