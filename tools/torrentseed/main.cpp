// torrentseed: per-segment torrents with CDN web seeds, and `follow` mode for
// volunteer relays. See man/torrentseed.1 and docs/torrentseed.md.
#include <memory>

#include "common/event_io.hpp"
#include "common/program.hpp"
#include "tools/torrentseed/event_loop.hpp"
#include "tools/torrentseed/follower.hpp"
#include "tools/torrentseed/options.hpp"
#include "tools/torrentseed/seeder.hpp"
#include "tools/torrentseed/ws_feed.hpp"

namespace {

int run(const torrentseed::Options& options) {
  using namespace torrentseed;
  SegmentStore store(options.store);
  TorrentSession session(SessionConfig{options.listen_interfaces(), options.lsd, options.dht,
                                       options.alert_queue_size, options.follow});
  TorrentTable torrents(session, store);
  SegmentWindow window(static_cast<std::size_t>(options.keep));
  OutputQueue output;
  Parts parts{options, session, store, torrents, window, output};

  std::unique_ptr<FeedClient> feed;
  if (options.follow && !options.feed.empty()) feed = std::make_unique<FeedClient>(options.feed);
  hlsmesh::EventReader input(feed ? feed->fd() : 0, options.common.strict, feed ? options.feed : "stdin");
  hlsmesh::EventWriter writer(1, options.common.quiet);

  std::unique_ptr<Mode> mode;
  if (options.follow) {
    mode = std::make_unique<Follower>(parts);
  } else {
    mode = std::make_unique<Seeder>(parts);
  }
  run_event_loop(parts, *mode, input, writer);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return hlsmesh::run_program("torrentseed", argc, argv, [&] {
    CLI::App app{"", "torrentseed"};
    torrentseed::Options options;
    torrentseed::add_options(app, options);
    hlsmesh::parse_args(app, argc, argv);
    hlsmesh::apply_common_options("torrentseed", options.common);
    torrentseed::validate(options);
    return run(options);
  });
}
