// hlswatch: emits a `segment` event for every new complete segment of HLS
// output directories (Owncast, SRS, ffmpeg), exactly once. See man/hlswatch.1.
// Every tool's main() has this shape: options.hpp declares add_options,
// validate and run; run_program maps what they throw to an exit code.
#include "common/program.hpp"
#include "tools/hlswatch/options.hpp"

int main(int argc, char** argv) {
  namespace tool = hlsmesh::hlswatch;
  return hlsmesh::run_program("hlswatch", argc, argv, [&] {
    tool::Options options;
    CLI::App app{"", "hlswatch"};
    tool::add_options(app, options);
    hlsmesh::parse_args(app, argc, argv);
    hlsmesh::apply_common_options("hlswatch", options.common);
    tool::validate(app, options);
    return tool::run(options);
  });
}
