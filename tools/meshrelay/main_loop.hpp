#pragma once
// The relay's one thread of control: the GLib main loop on the main thread.
// GStreamer, the tracker connection and the playlist fetcher have threads of
// their own; they hand everything to this loop through post().
#include <glib.h>

#include <chrono>
#include <functional>

namespace hlsmesh::meshrelay {

// Runs `task` on the main loop later (never inline); callable from any thread.
void post(std::function<void()> task);

// A repeating timer on the main loop, removed with its owner.
class Timer {
 public:
  Timer(std::chrono::milliseconds every, std::function<void()> task);
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  ~Timer();

 private:
  std::function<void()> task_;
  guint source_ = 0;
};

// A one-shot timer; re-arming replaces a pending one.
class OneShot {
 public:
  explicit OneShot(std::function<void()> task) : task_(std::move(task)) {}
  OneShot(const OneShot&) = delete;
  OneShot& operator=(const OneShot&) = delete;
  ~OneShot() { cancel(); }
  void arm(std::chrono::milliseconds after);
  bool armed() const { return source_ != 0; }
  void cancel();

 private:
  std::function<void()> task_;
  guint source_ = 0;
};

}  // namespace hlsmesh::meshrelay
