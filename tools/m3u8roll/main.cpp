// m3u8roll: events in, a rolling RFC 8216 live playlist per rendition out.
#include "common/event_io.hpp"
#include "common/log.hpp"
#include "common/program.hpp"
#include "common/signals.hpp"
#include "tools/m3u8roll/core/options.hpp"
#include "tools/m3u8roll/core/roller.hpp"

int main(int argc, char** argv) {
  return hlsmesh::run_program("m3u8roll", argc, argv, [&] {
    using namespace hlsmesh;
    m3u8roll::Options options;
    CLI::App app{"m3u8roll", "m3u8roll"};
    m3u8roll::add_options(app, options);
    parse_args(app, argc, argv);
    apply_common_options("m3u8roll", options.common);

    EventWriter writer(1, options.common.quiet);
    m3u8roll::Roller roller(options, [&](const Json& event) { writer.write(event); });
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
  });
}
