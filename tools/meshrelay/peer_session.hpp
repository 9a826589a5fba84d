#pragma once
// p2p-media-loader's peer protocol, the serving side, over one peer
// connection (p2p-media-loader-core src/p2p/peer.ts, peer-protocol.ts):
// announces what the relay holds, answers each request with a SegmentData
// command, the bytes in messages of at most 65,535 bytes while the channel's
// buffer has room, and SegmentDataSendingCompleted; SegmentAbsent for what it
// does not hold. One upload at a time: a new request replaces the current
// one, as the browser expects. A peer that floods requests, sends malformed
// commands or stops reading is reported through `drop`.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "tools/meshrelay/peer_commands.hpp"
#include "tools/meshrelay/peer_connection.hpp"
#include "tools/meshrelay/segment_window.hpp"
#include "tools/meshrelay/upload_budget.hpp"

namespace hlsmesh::meshrelay {

struct SessionLimits {
  std::size_t message_bytes = 65535;       // p2p-media-loader's webRtcMaxMessageSize
  std::size_t high_water = 1 << 20;        // stop queueing above this many buffered bytes
  int max_requests_per_s = 50;             // more is a flood
  int max_malformed = 3;                   // malformed commands tolerated before a drop
  std::chrono::milliseconds stall{10000};  // a full buffer that does not drain this long: not reading
};

struct SessionStats {
  std::uint64_t bytes_sent = 0;  // segment bytes
  std::uint64_t segments_sent = 0;
  std::uint64_t requests = 0;
  std::uint64_t absent = 0;
  std::uint64_t cancelled = 0;
  std::uint64_t malformed = 0;
};

class PeerSession {
 public:
  using Clock = std::chrono::steady_clock;
  struct Hooks {
    std::function<void()> retry_later;                     // the upload cap ran dry: call pump() later
    std::function<void(const std::string& reason)> drop;  // flood | malformed | not-reading
  };

  PeerSession(PeerConnection& connection, const SegmentWindow& window, int stream, const SessionLimits& limits,
              UploadBudget& budget, Hooks hooks);

  void announce();                  // the full list of held ids (p2p-media-loader replaces its set)
  void received(std::string_view message, Clock::time_point now = Clock::now());
  void pump(Clock::time_point now = Clock::now());  // send what the buffer and the cap allow
  void tick(Clock::time_point now = Clock::now());  // once a second: stalled readers
  bool uploading() const { return upload_.has_value(); }
  const SessionStats& stats() const { return stats_; }

 private:
  struct Upload {
    SegmentBytes data;
    std::int64_t id = 0;
    std::int64_t request = 0;
    std::size_t offset = 0;
  };
  void handle(const Command& command, Clock::time_point now);
  void start_upload(std::int64_t id, std::int64_t request, std::int64_t from, Clock::time_point now);
  void send(const Command& command);
  void malformed(const std::string& why);
  void fault(const std::string& reason);

  PeerConnection& connection_;
  const SegmentWindow& window_;
  int stream_;
  SessionLimits limits_;
  UploadBudget& budget_;
  Hooks hooks_;
  CommandJoiner joiner_;
  std::optional<Upload> upload_;
  Clock::time_point last_progress_{};
  Clock::time_point rate_window_{};
  int requests_in_window_ = 0;
  bool dropped_ = false;
  SessionStats stats_;
};

}  // namespace hlsmesh::meshrelay
