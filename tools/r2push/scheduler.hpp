#pragma once
// The upload scheduler: events in, events out in the same order. Events with
// a `path` and no `url` become upload jobs run in parallel (--jobs) on one
// curl multi handle; a newer version of a key that is still waiting replaces
// the older one (coalescing, R2's one write per second per key); failures are
// retried with exponential backoff and jitter, honouring Retry-After, until
// --retries or --deadline runs out. `expire` events feed the Expirer. The
// uploads themselves go through an ObjectStore (S3 or file://).
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/event_io.hpp"
#include "tools/r2push/expirer.hpp"
#include "tools/r2push/key_reuse.hpp"
#include "tools/r2push/object_store.hpp"
#include "tools/r2push/options.hpp"

namespace hlsmesh::r2push {

struct SchedulerStats {
  uint64_t events = 0;
  uint64_t uploaded = 0;
  uint64_t failed = 0;
  uint64_t coalesced = 0;
  uint64_t retries = 0;
  uint64_t linked = 0;  // file://: hard links (no copy)
};

class Scheduler {
 public:
  // `store`, `expirer` and `writer` outlive the scheduler.
  Scheduler(const Settings& settings, ObjectStore& store, Expirer& expirer, EventWriter& writer);

  // One input event: becomes an upload job, feeds the expirer, or passes.
  void add(Json event);
  // Starts what may start now (jobs, delete batches) and writes finished
  // events at the head of the queue. Returns ms until something is due (-1: nothing).
  long pump();
  // A stop was requested: jobs not yet started end with an error event.
  void cancel_waiting(const std::string& reason);

  bool idle() const;  // nothing queued, in flight or unwritten
  size_t backlog() const { return entries_.size(); }
  const SchedulerStats& stats() const { return stats_; }
  Expirer& expirer() { return expirer_; }

 private:
  struct Entry {
    Json event;
    bool done = false;
    std::string delete_key;  // expire: the object to delete once written
    std::string write_key;   // the object this event writes, if any
  };
  struct Job {
    uint64_t seq = 0;                 // the entry it completes
    std::vector<uint64_t> coalesced;  // older entries of the same key it completes too
    std::string key, path, content_type, cache_control;
    std::string hash;    // {hash} of the bytes its key was made from ("" without {hash})
    uint64_t bytes = 0;  // of the last try, for the reuse warning
    int attempts = 0;
    int64_t first_start_ms = -1;
    int64_t started_ms = 0;  // of the try under way or the last one
    int64_t not_before_ms = 0;
    bool in_flight = false;
  };

  Entry& entry(uint64_t seq) { return entries_[seq - first_seq_]; }
  void schedule_delete(Json& event, uint64_t seq);
  void note_write(const std::string& key, uint64_t seq);
  void start_countdown(const Entry& expired, uint64_t seq);
  std::string key_fix(const std::string& key) const;  // what to do about a refused key
  // The key (with its {hash}, read from the file); false: refused, the
  // event carries the error.
  bool choose_key(Job& job, const Json& event);
  void start(Job& job, int64_t now);
  void on_result(uint64_t job_id, PutResult&& result);
  // Schedules another try if the failure allows one; false: give up.
  bool retry(Job& job, const Failure& failure, int64_t now);
  void give_up(Job& job, const Failure& failure);
  void succeed(Job& job, const std::string& url, const std::string& etag, int64_t now);
  // Completes the job's events with the refusal as their `error` (the caller logs it).
  void fail(Job& job, const Refusal& refusal, long status);
  void finish_job(uint64_t job_id);
  void flush();
  std::string url_for(const std::string& key) const;
  long backoff_ms(int attempts);

  const Settings& settings_;
  ObjectStore& store_;
  Expirer& expirer_;
  EventWriter& writer_;
  KeyReuseWatch reuse_;
  const bool uses_hash_;  // --key has {hash}

  std::deque<Entry> entries_;
  uint64_t first_seq_ = 0;  // seq of entries_.front()
  uint64_t next_seq_ = 0;
  std::map<uint64_t, Job> jobs_;                    // by seq: arrival order
  std::map<std::string, uint64_t> waiting_by_key_;  // key → the job not yet in flight
  std::set<std::string> busy_keys_;                 // keys with a write in flight
  std::map<std::string, int64_t> last_write_ms_;    // key → start of its last write
  std::map<std::string, uint64_t> last_write_seq_;  // key → newest unwritten event writing it
  size_t in_flight_ = 0;
  bool signals_stop_ = false;  // stopping: no more retries
  std::mt19937_64 rng_{std::random_device{}()};
  SchedulerStats stats_;
};

}  // namespace hlsmesh::r2push
