// sigd: the signaling point of an hlsmesh stream. A WebTorrent tracker over
// WebSocket, an HTTP BitTorrent tracker, the live event feed, stats and
// static files, on one libwebsockets port.
#include "common/program.hpp"
#include "tools/sigd/core/options.hpp"
#include "tools/sigd/server.hpp"

int main(int argc, char** argv) {
  return hlsmesh::run_program("sigd", argc, argv, [&] {
    sigd::Options options;
    CLI::App app{"sigd: WebTorrent (WebSocket) and HTTP tracker, live event feed, stats and static files on one port", "sigd"};
    sigd::add_options(app, options);
    hlsmesh::parse_args(app, argc, argv);
    hlsmesh::apply_common_options("sigd", options.common);
    sigd::validate(options);
    sigd::Server server(options);
    return server.run();
  });
}
