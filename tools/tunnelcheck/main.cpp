// tunnelcheck: validate a cloudflared tunnel config, probe a live HLS
// endpoint, lint playlists; monitoring-plugin exit codes 0/1/2/3.
// Every tool's main() has this shape: options.hpp declares add_options,
// validate and run; run_program maps what they throw to an exit code.
#include "common/program.hpp"
#include "tools/tunnelcheck/options.hpp"

int main(int argc, char** argv) {
  namespace tool = hlsmesh::tunnelcheck;
  const int rc = hlsmesh::run_program("tunnelcheck", argc, argv, [&] {
    tool::Options options;
    CLI::App app{"", "tunnelcheck"};
    tool::add_options(app, options);
    hlsmesh::parse_args(app, argc, argv);
    hlsmesh::apply_common_options("tunnelcheck", options.common);
    tool::validate(app, options);
    return tool::run(options);
  });
  // A report's status is 0-3; run_program's own sysexits codes (usage 64, a
  // bad --env-file 78, ...) are UNKNOWN (3) to a monitoring plugin.
  return rc <= 3 ? rc : 3;
}
