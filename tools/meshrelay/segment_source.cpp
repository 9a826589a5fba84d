#include "tools/meshrelay/segment_source.hpp"

#include "tools/meshrelay/feed_follower.hpp"
#include "tools/meshrelay/options.hpp"
#include "tools/meshrelay/playlist_follower.hpp"
#include "tools/meshrelay/rendition_map.hpp"

namespace hlsmesh::meshrelay {
namespace {

void add_fetch_stats(nlohmann::json& event, const FetchStats& stats) {
  event["fetched_segments"] = stats.segment_fetches.load();
  event["fetched_bytes"] = stats.segment_bytes.load();
  event["playlist_requests"] = stats.playlist_requests.load();
  event["fetch_errors"] = stats.errors.load();
}

// The playlist URL alone, polled at half the target duration.
class PlaylistSource final : public SegmentSource {
 public:
  PlaylistSource(const Options& o, OnSegment on_segment)
      : follower_(o.url, o.backfill, renditions_, stats_, std::move(on_segment)) {}
  void report(nlohmann::json& event) const override { add_fetch_stats(event, stats_); }

 private:
  RenditionMap renditions_;
  FetchStats stats_;
  PlaylistFollower follower_;  // last: its thread stops before the rest goes
};

// sigd's feed for the segments, the playlist for the renditions and as fallback.
class FeedSource final : public SegmentSource {
 public:
  FeedSource(const Options& o, const OnSegment& on_segment)
      : follower_(o.url, o.backfill, renditions_, stats_, on_segment),
        feed_(o.feed, renditions_, stats_, on_segment, [this](bool live) { follower_.set_feed_live(live); }) {}
  void report(nlohmann::json& event) const override {
    add_fetch_stats(event, stats_);
    const auto& f = feed_.stats();
    event["feed"] = {{"connected", f.connected.load()}, {"connects", f.connects.load()},
                     {"lines", f.lines.load()},         {"segments", f.segments.load()},
                     {"bytes", f.bytes.load()},         {"already_held", f.already_held.load()},
                     {"unplaced", f.unplaced.load()},   {"bad_lines", f.bad_lines.load()}};
  }

 private:
  RenditionMap renditions_;
  FetchStats stats_;
  PlaylistFollower follower_;
  FeedFollower feed_;  // last: stops first, while the follower it slows down still exists
};

}  // namespace

std::unique_ptr<SegmentSource> make_source(const Options& options, OnSegment on_segment) {
  if (options.feed.empty()) return std::make_unique<PlaylistSource>(options, std::move(on_segment));
  return std::make_unique<FeedSource>(options, on_segment);
}

}  // namespace hlsmesh::meshrelay
