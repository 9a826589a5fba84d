#pragma once
// Where the relay's segments come from, behind one interface so the relay
// never cares which feeds it: the playlist URL polled at half the target
// duration (playlist_follower), or sigd's event feed, which names each
// segment as it is published, with the playlist polled slowly beside it for
// the renditions' ids and as the fallback (feed_follower). Either fetches a
// segment once and hands it over on its own thread.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "tools/meshrelay/segment_window.hpp"
#include "tools/meshrelay/swarm_id.hpp"

namespace hlsmesh::meshrelay {

struct Options;

struct FetchedSegment {
  int stream = 0;        // the relay's number for the rendition (variants, then audio renditions)
  LevelInfo level;       // what p2p-media-loader names its swarm after
  std::int64_t msn = 0;  // its id in the swarm
  SegmentBytes data;
  std::string url;
};
using OnSegment = std::function<void(FetchedSegment)>;

// Counters both sources keep; the relay event carries them.
struct FetchStats {
  std::atomic<std::uint64_t> playlist_requests{0};
  std::atomic<std::uint64_t> playlist_not_modified{0};
  std::atomic<std::uint64_t> segment_fetches{0};
  std::atomic<std::uint64_t> segment_bytes{0};
  std::atomic<std::uint64_t> errors{0};
};

class SegmentSource {
 public:
  virtual ~SegmentSource() = default;
  // Adds the source's figures to a `relay` event (fetched_segments, …);
  // called on the main loop while the source runs on its own threads.
  virtual void report(nlohmann::json& event) const = 0;
};

// The playlist follower alone, or with --feed the feed and the follower.
// `on_segment` is called on the source's threads.
std::unique_ptr<SegmentSource> make_source(const Options& options, OnSegment on_segment);

}  // namespace hlsmesh::meshrelay
