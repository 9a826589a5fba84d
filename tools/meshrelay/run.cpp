// meshrelay's run(): the GLib main loop with the relay, its segment source
// (the playlist, or sigd's feed), signals and the stats timer (a `relay` event on stdout and the
// same figures to sigd).
#include <glib-unix.h>

#include <memory>

#include "common/event_io.hpp"
#include "common/log.hpp"
#include "common/signals.hpp"
#include "tools/meshrelay/gst_webrtc.hpp"
#include "tools/meshrelay/main_loop.hpp"
#include "tools/meshrelay/options.hpp"
#include "tools/meshrelay/segment_source.hpp"
#include "tools/meshrelay/relay.hpp"
#include "tools/meshrelay/sigd_report.hpp"

namespace hlsmesh::meshrelay {
namespace {

struct LoopDeleter {
  void operator()(GMainLoop* loop) const { g_main_loop_unref(loop); }
};

}  // namespace

int run(const Options& options) {
  GstPeerFactory factory(options.ice_addresses);
  EventWriter writer(1, options.common.quiet);
  std::unique_ptr<GMainLoop, LoopDeleter> loop(g_main_loop_new(nullptr, FALSE));
  Relay relay(options, factory);
  relay.connect_trackers();
  auto source = make_source(options, [&relay](FetchedSegment s) {
    post([&relay, s = std::move(s)]() mutable { relay.add_segment(std::move(s)); });
  });

  guint wake = g_unix_fd_add(signals::wake_fd(), G_IO_IN, +[](gint, GIOCondition, gpointer data) -> gboolean {
    signals::drain();
    if (signals::stop_requested()) g_main_loop_quit(static_cast<GMainLoop*>(data));
    return G_SOURCE_CONTINUE;
  }, loop.get());
  bool pipe_closed = false;
  Timer tick(std::chrono::seconds(1), [&relay] { relay.tick(); });
  std::unique_ptr<SigdReporter> sigd;
  if (const auto url = options.effective_report_url(); !url.empty())
    sigd = std::make_unique<SigdReporter>(url, options.relay_token);
  const std::string relay_id = make_relay_id();
  std::uint64_t seq = 0;
  auto emit = [&] {
    auto event = relay.report();
    source->report(event);
    writer.write(event);
    if (sigd) sigd->submit(relay.contribution(relay_id, ++seq).dump());
  };
  std::unique_ptr<Timer> reports;
  if (options.stats_interval > 0) {
    reports = std::make_unique<Timer>(std::chrono::milliseconds(static_cast<long>(options.stats_interval * 1000)), [&] {
      try {
        emit();
      } catch (const EventWriter::PipeClosed&) {
        pipe_closed = true;  // not thrown through GLib's C frames
        g_main_loop_quit(loop.get());
      }
    });
  }
  log::notice("relaying " + options.url + (options.feed.empty() ? "" : " (segments from the feed " + options.feed + ")") +
                  " to p2p-media-loader viewers",
              {{"url", options.url}});
  g_main_loop_run(loop.get());
  g_source_remove(wake);
  if (!pipe_closed && options.stats_interval > 0) emit();
  return 0;
}

}  // namespace hlsmesh::meshrelay

