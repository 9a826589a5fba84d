#pragma once
// The one loop: poll() on the event input, libtorrent's alert eventfd and the
// signal pipe together, so events and alerts are handled as they come and
// nothing is read while blocked on the other.
#include "common/event_io.hpp"
#include "tools/torrentseed/mode.hpp"

namespace hlsmesh::torrentseed {

// Runs until the input ended (and in-flight work and --linger are done) or
// SIGINT/SIGTERM; then settles, writes the last seedstats and logs a summary.
void run_event_loop(Parts parts, Mode& mode, hlsmesh::EventReader& input, hlsmesh::EventWriter& writer);

}  // namespace hlsmesh::torrentseed
