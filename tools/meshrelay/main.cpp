// meshrelay: a native p2p-media-loader v2 peer that serves browser viewers
// over WebRTC. See man/meshrelay.1 and docs/meshrelay.md.
// Every tool's main() has this shape: options.hpp declares add_options,
// validate and run; run_program maps what they throw to an exit code.
#include "common/program.hpp"
#include "tools/meshrelay/options.hpp"

int main(int argc, char** argv) {
  namespace tool = hlsmesh::meshrelay;
  return hlsmesh::run_program("meshrelay", argc, argv, [&] {
    tool::Options options;
    CLI::App app{"", "meshrelay"};
    tool::add_options(app, options);
    hlsmesh::parse_args(app, argc, argv);
    hlsmesh::apply_common_options("meshrelay", options.common);
    tool::validate(app, options);
    return tool::run(options);
  });
}
