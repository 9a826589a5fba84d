#include "tools/meshrelay/main_loop.hpp"

#include <memory>

namespace hlsmesh::meshrelay {
namespace {

gboolean run_once(gpointer data) {
  (*static_cast<std::function<void()>*>(data))();
  return G_SOURCE_REMOVE;
}

void delete_task(gpointer data) { delete static_cast<std::function<void()>*>(data); }

}  // namespace

void post(std::function<void()> task) {
  // g_idle_add is thread-safe and always defers, unlike g_main_context_invoke
  // which runs inline when called on the loop's own thread.
  g_idle_add_full(G_PRIORITY_DEFAULT, run_once, new std::function<void()>(std::move(task)), delete_task);
}

Timer::Timer(std::chrono::milliseconds every, std::function<void()> task) : task_(std::move(task)) {
  source_ = g_timeout_add(static_cast<guint>(every.count()), +[](gpointer self) -> gboolean {
    static_cast<Timer*>(self)->task_();
    return G_SOURCE_CONTINUE;
  }, this);
}

Timer::~Timer() {
  if (source_ != 0) g_source_remove(source_);
}

void OneShot::arm(std::chrono::milliseconds after) {
  cancel();
  source_ = g_timeout_add(static_cast<guint>(after.count()), +[](gpointer data) -> gboolean {
    auto* self = static_cast<OneShot*>(data);
    self->source_ = 0;
    self->task_();
    return G_SOURCE_REMOVE;
  }, this);
}

void OneShot::cancel() {
  if (source_ != 0) g_source_remove(source_);
  source_ = 0;
}

}  // namespace hlsmesh::meshrelay
