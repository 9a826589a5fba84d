#pragma once
// One function per subcommand; each fills the report (and its metrics).
#include "options.hpp"
#include "report.hpp"

namespace hlsmesh::tunnelcheck {

// A point in monotonic time the whole run must finish by (--timeout).
struct Deadline {
  int64_t end_ms = 0;
  long remaining_ms() const;  // ≥ 0
  bool passed() const { return remaining_ms() <= 0; }
};

void run_config(const Options& options, const Deadline& deadline, Report& report);
void run_route(const Options& options, Report& report);  // prints the matched rule to stdout
void run_probe(const Options& options, const Deadline& deadline, Report& report);
void run_lint(const Options& options, const Deadline& deadline, Report& report);
void run_swarm(const Options& options, const Deadline& deadline, Report& report);

}  // namespace hlsmesh::tunnelcheck
