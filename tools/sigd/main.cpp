// sigd: the signaling point of an hlsmesh stream. A WebTorrent tracker over
// WebSocket, an HTTP BitTorrent tracker, the live event feed, stats and
// static files, on one libwebsockets port.
// Every tool's main() has this shape: options.hpp declares add_options,
// validate and run; run_program maps what they throw to an exit code.
#include "common/program.hpp"
#include "tools/sigd/options.hpp"

int main(int argc, char** argv) {
  namespace tool = hlsmesh::sigd;
  return hlsmesh::run_program("sigd", argc, argv, [&] {
    tool::Options options;
    CLI::App app{"", "sigd"};
    tool::add_options(app, options);
    hlsmesh::parse_args(app, argc, argv);
    hlsmesh::apply_common_options("sigd", options.common);
    tool::validate(app, options);
    return tool::run(options);
  });
}
