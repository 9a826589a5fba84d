// m3u8roll's run(): events from stdin through the Roller, events to stdout.
#include <string>

#include "common/event_io.hpp"
#include "common/log.hpp"
#include "common/signals.hpp"
#include "tools/m3u8roll/options.hpp"
#include "tools/m3u8roll/roller.hpp"

namespace hlsmesh::m3u8roll {

int run(const Options& options) {
  EventWriter writer(1, options.common.quiet);
  Roller roller(options, [&](const Json& event) { writer.write(event); });
  EventReader reader(0, options.common.strict);
  // Blocking reads: m3u8roll only acts on input. A stop signal interrupts
  // the read; the event in hand was fully handled, so exit 0 right away.
  while (auto event = reader.next()) roller.handle(std::move(*event));

  const auto& s = roller.stats();
  log::info("done: " + std::to_string(s.listed) + " segments listed, " + std::to_string(s.rejected) +
            " refused, " + std::to_string(s.replayed) + " replays, " + std::to_string(s.published) +
            " playlist writes, " + std::to_string(s.expired) + " expired" +
            (signals::stop_requested() ? " (stopped by signal)" : ""));
  return 0;
}

}  // namespace hlsmesh::m3u8roll
