#pragma once
// The four report formats: text (one line per finding), json (one object per
// finding per line), nagios (status line + perfdata), prom (blackbox-style).
#include <ostream>

#include "options.hpp"
#include "report.hpp"

namespace hlsmesh::tunnelcheck {

void print_report(std::ostream& out, const Report& report, const Options& options);

}  // namespace hlsmesh::tunnelcheck
