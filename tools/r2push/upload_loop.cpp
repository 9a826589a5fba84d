// The filter's event loop: stdin and the S3 transfers share one poll
// (curl_multi_poll with stdin as an extra fd), so reading never blocks
// uploads and uploads never block reading.
#include <malloc.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/event_io.hpp"
#include "common/log.hpp"
#include "common/signals.hpp"
#include "tools/r2push/commands.hpp"
#include "tools/r2push/scheduler.hpp"

namespace hlsmesh::r2push {

S3Config s3_config(const Settings& s) {
  S3Config c;
  c.endpoint = s.endpoint;
  c.region = s.region;
  c.bucket = s.destination.bucket;
  c.access_key_id = s.access_key_id;
  c.secret_access_key = s.secret_access_key;
  c.session_token = s.session_token;
  c.timeout_ms = s.timeout_ms;
  c.verbose = s.verbose;
  return c;
}

namespace {

// Every upload reads a 1-2 MB body into a fresh buffer. glibc's defaults
// hand such blocks back to the kernel when they are freed (the heap top is
// trimmed past 2x the dynamic mmap threshold), so the next body page-faults
// in freshly zeroed pages. Keep freed bodies in the heap for the next ones
// instead: the heap stays at its peak, which the uploads in flight need
// anyway (figures in docs/r2push.md).
void keep_body_buffers() {
  ::mallopt(M_MMAP_THRESHOLD, 64 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

}  // namespace

int run_upload(const Options& options) {
  const Settings settings = resolve(options);
  http::Client client(settings.jobs);
  std::optional<S3Api> api;
  std::unique_ptr<ObjectStore> store;
  if (settings.destination.is_s3()) {
    keep_body_buffers();
    api.emplace(s3_config(settings));
    store = std::make_unique<S3Store>(client, *api);
    log::info("uploading to s3://" + settings.destination.bucket + "/" + settings.destination.prefix + " at " +
              settings.endpoint);
  } else {
    ensure_directory(settings.destination.dir);
    store = std::make_unique<FileStore>(settings.destination.dir);
    log::info("publishing into " + settings.destination.dir.string());
  }
  EventWriter writer(1, settings.quiet);
  EventReader reader(0, settings.strict);
  Expirer expirer(settings, client, api ? &*api : nullptr);
  Scheduler scheduler(settings, *store, expirer, writer);

  // Events waiting for an upload at the head of the queue are held in order;
  // beyond this many, reading pauses (memory stays bounded).
  constexpr size_t max_backlog = 20000;
  bool input_open = true;
  bool stopping = false;
  for (;;) {
    if (signals::stop_requested() && !stopping) {
      stopping = true;
      input_open = false;
      scheduler.cancel_waiting("r2push was asked to stop before this upload started; upload it again later");
    }
    long due = scheduler.pump();
    if (!input_open && scheduler.idle()) break;
    // Short waits keep a signal that lands just before the poll from waiting long.
    int timeout = static_cast<int>(due < 0 ? 250 : std::clamp(due, 0L, 250L));
    bool want_input = input_open && scheduler.backlog() < max_backlog;
    if (client.poll(timeout, want_input ? reader.fd() : -1)) {
      if (!reader.read_available([&](Json&& event) { scheduler.add(std::move(event)); })) input_open = false;
    }
  }

  const SchedulerStats& st = scheduler.stats();
  log::info(std::to_string(st.events) + " events, " + std::to_string(st.uploaded) + " uploaded, " +
                std::to_string(st.failed) + " failed, " + std::to_string(st.coalesced) + " coalesced, " +
                std::to_string(st.retries) + " retries, " + std::to_string(scheduler.expirer().deleted()) +
                " deleted",
            {{"events", st.events},
             {"uploaded", st.uploaded},
             {"failed", st.failed},
             {"coalesced", st.coalesced},
             {"retries", st.retries},
             {"linked", st.linked},
             {"deleted", scheduler.expirer().deleted()},
             {"new_connections", client.connections_opened()}});
  if (stopping) return 0;
  return st.failed > 0 ? code(Exit::unavailable) : 0;
}

}  // namespace hlsmesh::r2push
