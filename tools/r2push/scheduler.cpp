#include "tools/r2push/scheduler.hpp"

#include <algorithm>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/events.hpp"
#include "common/log.hpp"
#include "common/refusal.hpp"
#include "common/time_util.hpp"
#include "common/url.hpp"
#include "tools/r2push/keys.hpp"

namespace hlsmesh::r2push {

namespace {

bool wants_upload(const Json& event) {
  if (events::string_field(event, "path").value_or("").empty()) return false;
  if (event.contains("url")) return false;    // an earlier r2push did it
  return events::name(event) != "expire";     // an expire event names a file that is going away
}

}  // namespace

Scheduler::Scheduler(const Settings& settings, ObjectStore& store, Expirer& expirer, EventWriter& writer)
    : settings_(settings),
      store_(store),
      expirer_(expirer),
      writer_(writer),
      uses_hash_(uses_content_hash(settings.key_template)) {}

std::string Scheduler::url_for(const std::string& key) const {
  if (!settings_.public_url.empty()) return url::join(settings_.public_url, encode_key(key));
  return store_.object_url(key);
}

void Scheduler::add(Json event) {
  ++stats_.events;
  uint64_t seq = next_seq_++;
  entries_.emplace_back().event = std::move(event);
  Json& ev = entries_.back().event;
  const std::string type = events::name(ev);

  if (type == "playlist") expirer_.on_playlist(ev);
  if (type == "expire" && settings_.delete_expired) {
    schedule_delete(ev, seq);
  } else if (auto k = events::string_field(ev, "key"); type != "expire" && k && ev.contains("url")) {
    // An earlier r2push wrote this key before the event got here: a delete
    // that an earlier expire event asked for would remove the new object.
    note_write(*k, seq);
  }
  if (!wants_upload(ev)) {
    entries_.back().done = true;
    flush();
    return;
  }

  Job job;
  job.seq = seq;
  job.path = *events::string_field(ev, "path");
  if (!choose_key(job, ev)) {
    flush();
    return;
  }
  std::string name = std::filesystem::path(job.path).filename().string();
  job.content_type = content_type_for(name);
  job.cache_control = is_playlist(name) ? settings_.playlist_cache_control : settings_.segment_cache_control;
  if (std::string problem = key_problem(job.key); !problem.empty()) {
    Refusal refusal{"not uploading " + job.path,
                    "its key '" + job.key + "' (from --key " + settings_.key_template + "): " + problem,
                    key_fix(job.key)};
    refusal.log();
    fail(job, refusal, 0);
    flush();
    return;
  }
  // Pending deletes of this key were asked for by expire events read before
  // this one: they meant the old object, not the one this upload writes.
  note_write(job.key, seq);
  // A newer version of a key whose upload has not started replaces it: the
  // object will hold the newer file anyway, and R2 allows one write per second
  // per key. The older event waits for the newer upload and gets its result.
  if (auto w = waiting_by_key_.find(job.key); w != waiting_by_key_.end()) {
    auto old = jobs_.find(w->second);
    if (old != jobs_.end() && !old->second.in_flight) {
      job.coalesced = std::move(old->second.coalesced);
      job.coalesced.push_back(old->second.seq);
      stats_.coalesced++;
      log::debug("coalesced: a newer version of the key is waiting", {{"key", job.key}});
      jobs_.erase(old);
    }
  }
  waiting_by_key_[job.key] = seq;
  jobs_.emplace(seq, std::move(job));
}

// With {hash} the file is read as its event arrives: the key must be known
// then (coalescing, cancelling deletes); the store checks that the bytes it
// writes still hash the same.
bool Scheduler::choose_key(Job& job, const Json& ev) {
  if (uses_hash_) {
    try {
      job.hash = content_hash(sha256_hex(read_file(job.path)));
    } catch (const Error& e) {
      Refusal refusal{"not uploading " + job.path, std::string("reading it for the {hash} of --key ") +
                                                       settings_.key_template + ": " + e.what(),
                      "the event goes on with an error and no url"};
      refusal.log();
      fail(job, refusal, 0);
      return false;
    }
  }
  job.key = expand_key(settings_.key_template, settings_.destination.prefix, ev, job.hash);
  return true;
}

void Scheduler::schedule_delete(Json& ev, uint64_t seq) {
  std::string key;
  if (auto k = events::string_field(ev, "key")) {
    key = *k;  // as the uploading r2push named it
  } else if (auto path = events::string_field(ev, "path"); path && uses_hash_) {
    log::warning("expire event for " + *path + " carries no key, and --key " + settings_.key_template +
                     " has {hash}, which only the r2push that uploaded it knows: nothing deleted; a lifecycle rule "
                     "(r2push lifecycle --expire-days N) removes it",
                 {{"event_index", seq}});
    return;
  } else if (path) {
    key = expand_key(settings_.key_template, settings_.destination.prefix, ev);
  }
  if (key.empty()) {
    log::warning("expire event without key or path: nothing to delete", {{"event_index", seq}});
    return;
  }
  if (std::string problem = key_problem(key); !problem.empty()) {
    Refusal refusal{"not deleting expired '" + key + "'", problem, key_fix(key)};
    refusal.log({{"event_index", seq}});
    ev["error"] = refusal.error_field("r2push");
    ev["error"]["status"] = 0;
    ++stats_.failed;
    return;
  }
  // The countdown starts when the event is written (flush), not now.
  entry(seq).delete_key = key;
}

void Scheduler::note_write(const std::string& key, uint64_t seq) {
  expirer_.cancel(key);
  last_write_seq_[key] = seq;
  entry(seq).write_key = key;
}

void Scheduler::start_countdown(const Entry& expired, uint64_t seq) {
  const std::string& key = expired.delete_key;
  if (signals_stop_) {  // Expirer::abandon() has already said what stays behind
    log::warning("not deleting expired '" + key + "': r2push is stopping; a lifecycle rule (r2push lifecycle "
                 "--expire-days N) removes it");
    return;
  }
  if (auto w = last_write_seq_.find(key); w != last_write_seq_.end() && w->second > seq) {
    log::info("not deleting '" + key + "': a later event writes it again", {{"event_index", seq}});
    return;
  }
  expirer_.on_expire(expired.event, key, monotonic_ms());
}

std::string Scheduler::key_fix(const std::string& key) const {
  std::string where = settings_.destination.is_s3() ? "another key of bucket " + settings_.destination.bucket
                                                    : "a file outside " + settings_.destination.dir.string();
  if (key.empty()) return "put {name} in --key, and give the event a path that ends in a file name";
  return "it could reach " + where +
         ". The event's rendition, stream, path or key must not hold '..', '.' or empty parts or start with '/': "
         "fix what produces the events, or leave that placeholder out of --key";
}

long Scheduler::pump() {
  int64_t now = monotonic_ms();
  long next_due = -1;
  auto consider = [&](long ms) {
    if (ms >= 0 && (next_due < 0 || ms < next_due)) next_due = ms;
  };
  for (auto it = jobs_.begin(); it != jobs_.end() && in_flight_ < static_cast<size_t>(settings_.jobs);) {
    Job& job = it->second;
    ++it;  // start() may finish (and erase) the job at once in file:// mode
    // A delete of the key under way must land before the new write does
    // (its answer wakes the poll, so no timer is needed).
    if (job.in_flight || busy_keys_.count(job.key) || expirer_.deleting(job.key)) continue;
    if (job.not_before_ms > now) {
      consider(static_cast<long>(job.not_before_ms - now));
      continue;
    }
    if (auto last = last_write_ms_.find(job.key); last != last_write_ms_.end()) {
      int64_t ready = last->second + settings_.same_key_interval_ms;
      if (ready > now) {
        consider(static_cast<long>(ready - now));
        continue;
      }
    }
    start(job, now);
  }
  // Forget write times that no longer hold anything back.
  for (auto it = last_write_ms_.begin(); it != last_write_ms_.end();) {
    if (it->second + settings_.same_key_interval_ms <= now && !busy_keys_.count(it->first)) {
      it = last_write_ms_.erase(it);
    } else {
      ++it;
    }
  }
  consider(expirer_.pump(now));
  flush();
  return next_due;
}

void Scheduler::start(Job& job, int64_t now) {
  if (job.first_start_ms < 0) job.first_start_ms = now;
  ++job.attempts;
  if (auto w = waiting_by_key_.find(job.key); w != waiting_by_key_.end() && w->second == job.seq) {
    waiting_by_key_.erase(w);
  }
  long remaining = static_cast<long>(job.first_start_ms + settings_.deadline_ms - now);
  PutRequest request{job.key,  job.path, job.content_type, job.cache_control,
                     job.hash, std::max(1000L, std::min(settings_.timeout_ms, remaining)), job.attempts};
  job.in_flight = true;
  job.started_ms = now;
  busy_keys_.insert(job.key);
  ++in_flight_;
  uint64_t id = job.seq;
  // A local store answers before put() returns; the job may be gone after it.
  store_.put(request, [this, id](PutResult&& r) { on_result(id, std::move(r)); });
}

void Scheduler::on_result(uint64_t id, PutResult&& r) {
  --in_flight_;
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return;
  Job& job = it->second;
  job.in_flight = false;
  busy_keys_.erase(job.key);
  if (r.refused) {
    r.refused->log();
    fail(job, *r.refused, 0);
    finish_job(id);
    return;
  }
  if (store_.paces_writes()) last_write_ms_[job.key] = job.started_ms;
  if (r.linked) ++stats_.linked;
  job.bytes = r.bytes;
  int64_t now = monotonic_ms();
  if (r.ok) {
    succeed(job, url_for(job.key), r.etag, now);
    finish_job(id);
  } else if (!retry(job, r.failure, now)) {
    give_up(job, r.failure);
    finish_job(id);
  }
}

bool Scheduler::retry(Job& job, const Failure& f, int64_t now) {
  if (!f.retryable || job.attempts > settings_.retries || signals_stop_) return false;
  long wait = std::max(backoff_ms(job.attempts), f.retry_after_ms);
  if (wait >= static_cast<long>(job.first_start_ms + settings_.deadline_ms - now)) return false;
  ++stats_.retries;
  job.not_before_ms = now + wait;
  log::warning("upload of " + job.path + " to " + store_.describe(job.key) + " failed (try " +
                   std::to_string(job.attempts) + " of " + std::to_string(settings_.retries + 1) + "): " + f.summary +
                   "; retrying in " + std::to_string(wait) + " ms",
               {{"status", f.status}});
  // A newer version may have queued meanwhile: it now carries this one.
  if (auto w = waiting_by_key_.find(job.key); w != waiting_by_key_.end() && w->second != job.seq) {
    if (auto newer = jobs_.find(w->second); newer != jobs_.end()) {
      newer->second.coalesced.insert(newer->second.coalesced.end(), job.coalesced.begin(), job.coalesced.end());
      newer->second.coalesced.push_back(job.seq);
      ++stats_.coalesced;
      jobs_.erase(job.seq);
    }
  } else {
    waiting_by_key_[job.key] = job.seq;
  }
  return true;
}

void Scheduler::give_up(Job& job, const Failure& f) {
  std::string why = f.retryable && job.attempts <= settings_.retries
                        ? (signals_stop_ ? " (r2push is stopping)" : " (--deadline reached)")
                        : "";
  Refusal refusal{"upload of " + job.path + " to " + store_.describe(job.key) + " failed after " +
                      std::to_string(job.attempts) + " tr" + (job.attempts == 1 ? "y" : "ies") + why,
                  f.summary, f.hint};
  refusal.log({{"status", f.status}});
  fail(job, refusal, f.status);
}

long Scheduler::backoff_ms(int attempts) {
  // Exponential from 250 ms, capped at 10 s, with "equal jitter": half fixed,
  // half random, so retries of many objects spread out.
  long base = std::min(10000L, 250L << std::min(attempts - 1, 10));
  std::uniform_int_distribution<long> jitter(0, base / 2);
  return base / 2 + jitter(rng_);
}

void Scheduler::succeed(Job& job, const std::string& url, const std::string& etag, int64_t now) {
  ++stats_.uploaded;
  // Playlists are rewritten in place by design; segments are meant to be
  // written once. A {hash} key names its bytes: written again, it holds the same.
  if (!is_playlist(job.path) && job.hash.empty()) {
    if (auto warning = reuse_.on_upload(job.key, job.bytes, etag)) log::warning(*warning, {{"key", job.key}});
  }
  long upload_ms = static_cast<long>(now - job.first_start_ms);
  auto complete = [&](uint64_t seq) {
    Json& ev = entry(seq).event;
    ev["key"] = job.key;
    ev["url"] = url;
    ev["etag"] = etag;
    ev["upload_ms"] = upload_ms;
    entry(seq).done = true;
  };
  for (uint64_t s : job.coalesced) complete(s);
  complete(job.seq);
}

void Scheduler::fail(Job& job, const Refusal& refusal, long status) {
  ++stats_.failed;
  Json error = refusal.error_field("r2push");
  error["status"] = status;
  auto complete = [&](uint64_t seq) {
    Json& ev = entry(seq).event;
    if (!job.key.empty()) ev["key"] = job.key;  // none when the file could not be read for its {hash}
    ev["error"] = error;
    entry(seq).done = true;
  };
  for (uint64_t s : job.coalesced) complete(s);
  complete(job.seq);
}

void Scheduler::finish_job(uint64_t id) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return;
  if (auto w = waiting_by_key_.find(it->second.key); w != waiting_by_key_.end() && w->second == id) {
    waiting_by_key_.erase(w);
  }
  jobs_.erase(it);
}

void Scheduler::cancel_waiting(const std::string& reason) {
  signals_stop_ = true;
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    Job& job = it->second;
    if (job.in_flight) {
      ++it;
      continue;
    }
    fail(job, {"upload of " + job.path + " not done", reason, ""}, 0);
    waiting_by_key_.erase(job.key);
    it = jobs_.erase(it);
  }
  expirer_.abandon();
  flush();
}

// An expire event's delete is scheduled as the event is written: every event
// before it is out, so the playlist that stopped listing the segment has been
// published (RFC 8216 §6.2.2 counts availability from that publication).
void Scheduler::flush() {
  while (!entries_.empty() && entries_.front().done) {
    const Entry& front = entries_.front();
    if (!front.delete_key.empty()) start_countdown(front, first_seq_);
    if (auto w = last_write_seq_.find(front.write_key); w != last_write_seq_.end() && w->second == first_seq_) {
      last_write_seq_.erase(w);  // no later expire can be written before it now
    }
    writer_.write(front.event);
    entries_.pop_front();
    ++first_seq_;
  }
}

bool Scheduler::idle() const { return entries_.empty() && jobs_.empty() && in_flight_ == 0 && expirer_.idle(); }

}  // namespace hlsmesh::r2push
