// tunnelcheck's run(): one subcommand within the --timeout budget, its
// findings and metrics printed as one report.
#include <algorithm>
#include <iostream>

#include "common/error.hpp"
#include "common/time_util.hpp"
#include "tools/tunnelcheck/commands.hpp"
#include "tools/tunnelcheck/output.hpp"

namespace hlsmesh::tunnelcheck {

int run(const Options& options) {
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

}  // namespace hlsmesh::tunnelcheck
