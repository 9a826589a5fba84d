// The event loop of Session: inotify or polling, retries that fall due, and
// --once. The watching logic itself is in session.cpp.
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/signals.hpp"
#include "common/time_util.hpp"
#include "tools/hlswatch/session.hpp"

namespace hlsmesh::hlswatch {

namespace log = hlsmesh::log;
using hlsmesh::monotonic_ms;

void Session::start() {
  const int64_t now = monotonic_ms();
  for (auto& root : roots_) {
    root->present_at_start = attach_root(*root, now);
  }
  next_poll_ = now + options_.poll_ms;
}

void Session::turn(int64_t now) {
  if (options_.poll_ms > 0 && !inotify_ && now >= next_poll_) {
    poll_scan(now);
    next_poll_ = now + options_.poll_ms;
  }
  for (auto& root_ptr : roots_) {
    Root& root = *root_ptr;
    if (root.problem.active()) {
      if (now < root.problem.retry_at) continue;
      if (!attach_root(root, now)) continue;
    }
    if (root.dirty || (root.rediscover_at && now >= *root.rediscover_at)) rediscover(root, now);
    if (root.problem.active()) continue;
    for (auto& r_ptr : root.renditions) {
      Rendition& r = *r_ptr;
      if (r.problem.active()) {
        if (now < r.problem.retry_at) continue;
        if (r.wd < 0 && inotify_) {
          if (!attach_rendition(r, now)) continue;
        } else if (!inotify_ && check_dir(r.dir) != 0) {
          report_problem(r.problem, check_dir(r.dir), r.dir, "directory", now);
          continue;
        }
        r.dirty = true;
      }
      if (r.dirty || (r.reread_at && now >= *r.reread_at)) read_playlist(root, r, now);
    }
  }
}

std::optional<int64_t> Session::next_deadline() const {
  std::optional<int64_t> at;
  auto consider = [&](int64_t t) { at = at ? std::min(*at, t) : t; };
  if (options_.poll_ms > 0 && !inotify_) consider(next_poll_);
  for (const auto& root : roots_) {
    if (root->problem.active()) {
      consider(root->problem.retry_at);
      continue;
    }
    if (root->dirty) consider(0);
    if (root->rediscover_at) consider(*root->rediscover_at);
    for (const auto& r : root->renditions) {
      if (r->problem.active()) consider(r->problem.retry_at);
      if (r->dirty) consider(0);
      if (r->reread_at) consider(*r->reread_at);
    }
  }
  return at;
}

int Session::run() {
  if (options_.once) return run_once();
  start();
  while (!hlsmesh::signals::stop_requested()) {
    int64_t now = monotonic_ms();
    turn(now);
    now = monotonic_ms();
    auto deadline = next_deadline();
    int timeout = -1;  // idle: sleep until the kernel has something for us
    if (deadline) timeout = static_cast<int>(std::clamp<int64_t>(*deadline - now, 0, 600000));
    pollfd fds[2] = {{hlsmesh::signals::wake_fd(), POLLIN, 0}, {inotify_ ? inotify_->fd() : -1, POLLIN, 0}};
    int n = ::poll(fds, 2, timeout);
    if (n < 0 && errno != EINTR) {
      throw hlsmesh::Error(hlsmesh::Exit::io, std::string("poll failed: ") + hlsmesh::errno_text(errno));
    }
    if (n > 0 && (fds[0].revents & POLLIN)) hlsmesh::signals::drain();
    if (hlsmesh::signals::stop_requested()) break;
    if (inotify_ && n > 0 && (fds[1].revents & POLLIN)) {
      const int64_t at = monotonic_ms();
      for (const auto& e : inotify_->read_events()) {
        if (e.mask & IN_Q_OVERFLOW) {
          // Events were lost: read everything again.
          log::warning("the inotify queue overflowed; re-reading every playlist");
          for (auto& root : roots_) {
            root->dirty = true;
            for (auto& r : root->renditions) r->dirty = true;
          }
          continue;
        }
        on_dir_event(e, at);
      }
    }
  }
  log::info("stopping after " + std::to_string(writer_.written()) + " events");
  return 0;
}

int Session::run_once() {
  const int64_t start_ms = monotonic_ms();
  for (auto& root : roots_) {
    int err = check_dir(root->path);
    if (err != 0) {
      report_problem(root->problem, err, root->path, "directory", start_ms);
      throw hlsmesh::ExitRequest{err == ENOENT || err == ENOTDIR ? hlsmesh::Exit::no_input : hlsmesh::Exit::io};
    }
    root->present_at_start = true;
  }
  // Read until every playlist has been read complete once (an in-place
  // writer may be mid-write), for at most 5 s.
  for (;;) {
    const int64_t now = monotonic_ms();
    bool pending = false;
    for (auto& root_ptr : roots_) {
      Root& root = *root_ptr;
      if (!root.discovered_once || root.rediscover_at) {
        rediscover(root, now);
        if (root.problem.active()) {
          throw hlsmesh::ExitRequest{root.problem.err == ENOENT ? hlsmesh::Exit::no_input : hlsmesh::Exit::io};
        }
      }
      if (root.kind == Discovery::Kind::none) pending = true;
      for (auto& r : root.renditions) {
        if (r->read_complete) continue;
        read_playlist(root, *r, now);
        if (r->problem.active()) {
          throw hlsmesh::ExitRequest{r->problem.err == ENOENT ? hlsmesh::Exit::no_input : hlsmesh::Exit::io};
        }
        if (!r->read_complete) {
          struct stat st {};
          if (::stat(r->playlist_path.c_str(), &st) == 0) pending = true;
        }
      }
    }
    if (!pending || hlsmesh::signals::stop_requested()) break;
    if (now - start_ms > 5000) {
      for (auto& root : roots_) {
        if (root->kind == Discovery::Kind::none) {
          throw hlsmesh::Error(hlsmesh::Exit::no_input,
                               "no HLS playlist found in " + root->path +
                                   "; pass the directory the source writes its .m3u8 into (or its parent with "
                                   "the master playlist)");
        }
      }
      log::warning("some playlists still looked half-written after 5 s; emitted what was complete");
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

}  // namespace hlsmesh::hlswatch
