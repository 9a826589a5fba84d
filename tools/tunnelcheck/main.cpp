// tunnelcheck: validate a cloudflared tunnel config, probe a live HLS
// endpoint, lint playlists; monitoring-plugin exit codes 0/1/2/3.
#include <algorithm>
#include <iostream>

#include "commands.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/program.hpp"
#include "common/time_util.hpp"
#include "output.hpp"

namespace tunnelcheck {

namespace {

int run(int argc, char** argv) {
  Options options;
  CLI::App app{"tunnelcheck", "tunnelcheck"};
  setup_cli(app, options);
  try {
    hlsmesh::parse_args(app, argc, argv);
    finish_options(app, options);
  } catch (const hlsmesh::ExitRequest& e) {
    return e.exit == hlsmesh::Exit::ok ? 0 : exit_code(Severity::unknown);  // usage errors are UNKNOWN (3)
  }
  hlsmesh::apply_common_options("tunnelcheck", options.common);
  const int64_t start_ms = hlsmesh::monotonic_ms();
  // 100 ms of the budget are kept for writing the report and exiting.
  const int64_t budget_ms = static_cast<int64_t>(options.timeout_s * 1000);
  Deadline deadline{start_ms + std::max<int64_t>(budget_ms / 2, budget_ms - 100)};
  Report report;
  try {
    if (options.command == "config")
      run_config(options, deadline, report);
    else if (options.command == "route")
      run_route(options, report);
    else if (options.command == "probe")
      run_probe(options, deadline, report);
    else if (options.command == "swarm")
      run_swarm(options, deadline, report);
    else
      run_lint(options, deadline, report);
  } catch (const hlsmesh::Error& e) {
    report.add(Severity::unknown, "internal-error", "tunnelcheck", e.what(),
               "check the arguments and the message above");
  } catch (const std::exception& e) {
    report.add(Severity::unknown, "internal-error", "tunnelcheck", std::string("internal error: ") + e.what(),
               "please report it with the command line you ran");
  }
  report.metric("probe_duration_seconds", static_cast<double>(hlsmesh::monotonic_ms() - start_ms) / 1000.0, {},
                "How long the whole check took");
  print_report(std::cout, report, options);
  std::cout.flush();
  return exit_code(report.status());
}

}  // namespace
}  // namespace tunnelcheck

int main(int argc, char** argv) {
  int status = 3;
  int rc = hlsmesh::run_program("tunnelcheck", argc, argv, [&] {
    status = tunnelcheck::run(argc, argv);
    return status;
  });
  // run_program maps its own failures (e.g. a bad --env-file) to sysexits;
  // a monitoring plugin must say UNKNOWN instead.
  return rc == status ? status : 3;
}
