// hlswatch: emits a `segment` event for every new complete segment of HLS
// output directories (Owncast, SRS, ffmpeg), exactly once. See man/hlswatch.1.
#include "common/event_io.hpp"
#include "common/program.hpp"
#include "tools/hlswatch/options.hpp"
#include "tools/hlswatch/session.hpp"

int main(int argc, char** argv) {
  return hlsmesh::run_program("hlswatch", argc, argv, [&] {
    hlswatch::Options options = hlswatch::parse_options(argc, argv);
    hlsmesh::apply_common_options("hlswatch", options.common);
    hlsmesh::EventWriter writer(1, options.common.quiet);
    hlswatch::Session session(std::move(options), writer);
    return session.run();
  });
}
