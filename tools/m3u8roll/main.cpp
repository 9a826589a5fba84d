// m3u8roll: events in, a rolling RFC 8216 live playlist per rendition out.
// Every tool's main() has this shape: options.hpp declares add_options,
// validate and run; run_program maps what they throw to an exit code.
#include "common/program.hpp"
#include "tools/m3u8roll/options.hpp"

int main(int argc, char** argv) {
  namespace tool = hlsmesh::m3u8roll;
  return hlsmesh::run_program("m3u8roll", argc, argv, [&] {
    tool::Options options;
    CLI::App app{"", "m3u8roll"};
    tool::add_options(app, options);
    hlsmesh::parse_args(app, argc, argv);
    hlsmesh::apply_common_options("m3u8roll", options.common);
    tool::validate(app, options);
    return tool::run(options);
  });
}
