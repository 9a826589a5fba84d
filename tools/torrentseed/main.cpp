// torrentseed: per-segment torrents with CDN web seeds, and `follow` mode for
// volunteer relays. See man/torrentseed.1 and docs/torrentseed.md.
// Every tool's main() has this shape: options.hpp declares add_options,
// validate and run; run_program maps what they throw to an exit code.
#include "common/program.hpp"
#include "tools/torrentseed/options.hpp"

int main(int argc, char** argv) {
  namespace tool = hlsmesh::torrentseed;
  return hlsmesh::run_program("torrentseed", argc, argv, [&] {
    tool::Options options;
    CLI::App app{"", "torrentseed"};
    tool::add_options(app, options);
    hlsmesh::parse_args(app, argc, argv);
    hlsmesh::apply_common_options("torrentseed", options.common);
    tool::validate(app, options);
    return tool::run(options);
  });
}
