// torrentseed's run(): builds the parts and drives the event loop in the mode
// the options name.
#include <memory>

#include "common/event_io.hpp"
#include "tools/torrentseed/event_loop.hpp"
#include "tools/torrentseed/follower.hpp"
#include "tools/torrentseed/options.hpp"
#include "tools/torrentseed/seeder.hpp"
#include "tools/torrentseed/ws_feed.hpp"

namespace hlsmesh::torrentseed {

int run(const Options& options) {
  SegmentStore store(options.store);
  TorrentSession session(SessionConfig{options.listen_interfaces(), options.lsd, options.dht,
                                       options.alert_queue_size, options.follow});
  TorrentTable torrents(session, store);
  SegmentWindow window(static_cast<std::size_t>(options.keep));
  OutputQueue output;
  Parts parts{options, session, store, torrents, window, output};

  std::unique_ptr<FeedClient> feed;
  if (options.follow && !options.feed.empty()) feed = std::make_unique<FeedClient>(options.feed);
  EventReader input(feed ? feed->fd() : 0, options.common.strict, feed ? options.feed : "stdin");
  EventWriter writer(1, options.common.quiet);

  std::unique_ptr<Mode> mode;
  if (options.follow) {
    mode = std::make_unique<Follower>(parts);
  } else {
    mode = std::make_unique<Seeder>(parts);
  }
  run_event_loop(parts, *mode, input, writer);
  return 0;
}

}  // namespace hlsmesh::torrentseed
