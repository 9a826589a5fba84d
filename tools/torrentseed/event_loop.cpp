#include "tools/torrentseed/event_loop.hpp"

#include <libtorrent/alert_types.hpp>
#include <poll.h>

#include <algorithm>
#include <cerrno>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/signals.hpp"
#include "common/time_util.hpp"
#include "tools/torrentseed/seedstats.hpp"

namespace hlsmesh::torrentseed {

namespace log = hlsmesh::log;

namespace {

constexpr std::int64_t tick_ms = 250;
constexpr std::int64_t update_ms = 1000;  // post_torrent_updates

class Loop {
 public:
  Loop(Parts parts, Mode& mode, hlsmesh::EventReader& input, hlsmesh::EventWriter& writer)
      : parts_(parts), mode_(mode), input_(input), writer_(writer) {}

  void run() {
    const std::int64_t stats_ms = static_cast<std::int64_t>(parts_.options.stats_interval * 1000);
    std::int64_t now = hlsmesh::monotonic_ms();
    std::int64_t next_tick = now + tick_ms;
    std::int64_t next_update = now + update_ms;
    std::int64_t next_stats = stats_ms > 0 ? now + stats_ms : -1;
    std::int64_t exit_at = -1;  // set once the input ended and work is done
    bool input_open = true;

    while (!hlsmesh::signals::stop_requested()) {
      pollfd fds[3] = {{parts_.session.notify_fd(), POLLIN, 0},
                       {hlsmesh::signals::wake_fd(), POLLIN, 0},
                       {input_open ? input_.fd() : -1, POLLIN, 0}};
      int timeout = static_cast<int>(std::max<std::int64_t>(0, next_tick - hlsmesh::monotonic_ms()));
      int ready = ::poll(fds, 3, timeout);
      if (ready < 0 && errno != EINTR) {
        throw hlsmesh::Error(hlsmesh::Exit::software, "poll() failed: " + hlsmesh::errno_text(errno));
      }
      if (ready > 0 && (fds[1].revents & POLLIN)) hlsmesh::signals::drain();
      if (ready > 0 && (fds[0].revents & POLLIN)) handle_alerts();
      if (ready > 0 && input_open && (fds[2].revents & (POLLIN | POLLHUP | POLLERR))) {
        // Alerts are taken between the events of a burst (a backlog), so a
        // burst cannot fill libtorrent's alert queue.
        input_open = input_.read_available([this](hlsmesh::Json&& event) {
          mode_.on_event(std::move(event));
          handle_alerts();
        });
        if (!input_open) log::info("input ended after " + std::to_string(input_.stats().events) + " events");
      }

      now = hlsmesh::monotonic_ms();
      if (now >= next_tick) {
        next_tick = now + tick_ms;
        parts_.torrents.reconcile(now);
        settle_adds();
        mode_.on_tick(now);
      }
      if (now >= next_update) {
        next_update = now + update_ms;
        parts_.session.get().post_torrent_updates();
      }
      if (next_stats >= 0 && now >= next_stats) {
        next_stats = now + stats_ms;
        parts_.output.push(make_seedstats(mode_, parts_.torrents, parts_.window, input_.stats()));
      }
      parts_.output.flush(writer_);

      if (!input_open && exit_at < 0 && !mode_.busy()) {
        if (parts_.options.linger < 0) {
          exit_at = INT64_MAX;
          log::info("input ended; seeding on until SIGINT/SIGTERM (--linger -1)");
        } else {
          exit_at = now + static_cast<std::int64_t>(parts_.options.linger * 1000);
        }
      }
      if (exit_at >= 0 && now >= exit_at) break;
    }
    finish();
  }

 private:
  void handle_alerts() {
    for (lt::alert* alert : parts_.session.pop_alerts()) {
      parts_.torrents.handle(*alert);
      mode_.on_alert(*alert);
    }
    settle_adds();
  }

  void settle_adds() {
    for (const AddOutcome& outcome : parts_.torrents.take_added()) mode_.on_added(outcome);
  }

  // Settles pending output, takes a last state update so the figures are
  // final, writes the last seedstats and logs the summary.
  void finish() {
    const std::int64_t deadline = hlsmesh::monotonic_ms() + 1000;
    // Seed mode: events whose torrent is still being added get a moment.
    if (std::string_view(mode_.name()) == "seed") {
      while (parts_.output.waiting() && hlsmesh::monotonic_ms() < deadline) pump(50);
    }
    mode_.on_stop();
    parts_.session.get().post_torrent_updates();
    got_update_ = false;
    const std::int64_t update_deadline = hlsmesh::monotonic_ms() + 300;
    while (!got_update_ && hlsmesh::monotonic_ms() < update_deadline) pump(50);
    parts_.output.flush_all(writer_);
    if (parts_.options.stats_interval > 0) {
      writer_.write(make_seedstats(mode_, parts_.torrents, parts_.window, input_.stats()));
    }
    log::notice(make_summary(mode_, parts_.torrents, input_.stats()));
  }

  void pump(int wait_ms) {
    pollfd fd{parts_.session.notify_fd(), POLLIN, 0};
    if (::poll(&fd, 1, wait_ms) > 0) {
      for (lt::alert* alert : parts_.session.pop_alerts()) {
        if (lt::alert_cast<lt::state_update_alert>(alert)) got_update_ = true;
        parts_.torrents.handle(*alert);
        mode_.on_alert(*alert);
      }
      settle_adds();
    }
  }

  Parts parts_;
  Mode& mode_;
  hlsmesh::EventReader& input_;
  hlsmesh::EventWriter& writer_;
  bool got_update_ = false;
};

}  // namespace

void run_event_loop(Parts parts, Mode& mode, hlsmesh::EventReader& input, hlsmesh::EventWriter& writer) {
  Loop(parts, mode, input, writer).run();
}

}  // namespace hlsmesh::torrentseed
