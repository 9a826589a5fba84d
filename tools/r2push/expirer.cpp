#include "tools/r2push/expirer.hpp"

#include <unistd.h>

#include <cerrno>
#include <cmath>

#include "common/error.hpp"
#include "common/events.hpp"
#include "common/log.hpp"
#include "common/time_util.hpp"
#include "tools/r2push/keys.hpp"

namespace hlsmesh::r2push {

namespace {

// Without a playlist duration the RFC's bound is unknown: keep segments this
// long, which covers a 60-segment window of 2 s segments.
constexpr long fallback_playlist_ms = 120000;

long seconds_field_ms(const Json& event, const char* name) {
  const double v = events::number_field(event, name).value_or(-1);
  return v < 0 ? -1 : std::lround(v * 1000.0);
}

}  // namespace

Expirer::Expirer(const Settings& settings, http::Client& client, const S3Api* api)
    : settings_(settings), client_(client), api_(api) {}

void Expirer::on_playlist(const Json& event) {
  long ms = seconds_field_ms(event, "duration");
  if (ms < 0) return;
  playlist_ms_[events::text_field(event, "rendition")] = ms;
  last_playlist_ms_ = ms;
}

long Expirer::on_expire(const Json& event, const std::string& key, int64_t now_ms) {
  long delay = 0;
  if (settings_.expire_delay_ms) {
    delay = *settings_.expire_delay_ms;
  } else if (long after = seconds_field_ms(event, "expire_after"); after >= 0) {
    delay = after;  // m3u8roll computed the availability time itself
  } else {
    long segment = std::max(0L, seconds_field_ms(event, "duration"));
    long playlist = settings_.default_playlist_duration_ms;
    if (auto it = playlist_ms_.find(events::text_field(event, "rendition")); it != playlist_ms_.end()) {
      playlist = it->second;
    } else if (last_playlist_ms_ > 0) {
      playlist = last_playlist_ms_;
    }
    if (playlist <= 0) {
      playlist = fallback_playlist_ms;
      if (!warned_unknown_) {
        log::warning("expire event before any playlist event: the playlist duration is unknown, so expired objects are "
                     "kept " + std::to_string(fallback_playlist_ms / 1000) +
                     " s plus their duration; pass --playlist-duration or --expire-delay to set it");
        warned_unknown_ = true;
      }
    }
    delay = segment + playlist;
  }
  // Due times rounded up to a 500 ms tick: segments that expire together go
  // in one DeleteObjects batch, never earlier than their availability time.
  constexpr int64_t tick = 500;
  int64_t due = (now_ms + delay + tick - 1) / tick * tick;
  schedule(due, key, 0);
  log::debug("delete scheduled", {{"key", key}, {"in_ms", delay}});
  return delay;
}

void Expirer::schedule(int64_t due, const std::string& key, int attempts) {
  due_.emplace(due, std::make_pair(key, attempts));
  ++due_count_[key];
}

void Expirer::cancel(const std::string& key) {
  if (auto f = in_flight_keys_.find(key); f != in_flight_keys_.end()) f->second = true;
  auto count = due_count_.find(key);
  if (count == due_count_.end()) return;  // the common case: nothing scheduled for it
  for (auto it = due_.begin(); it != due_.end();) {
    it = it->second.first == key ? due_.erase(it) : std::next(it);
  }
  cancelled_ += static_cast<uint64_t>(count->second);
  due_count_.erase(count);
  log::info("delete of " + key + " cancelled: the key was written again after its expire event (a restarted source "
            "reuses its names), and the delete would remove the new object");
}

long Expirer::pump(int64_t now_ms) {
  if (!settings_.destination.is_s3()) {
    // file://: unlink each due file; nothing to batch.
    while (!due_.empty() && due_.begin()->first <= now_ms) {
      std::string key = take_first();
      if (std::string problem = key_problem(key); !problem.empty()) {
        // The scheduler refuses such keys already; never unlink outside DIR.
        ++failed_;
        log::error("not deleting expired '" + key + "' in " + settings_.destination.dir.string() + ": " + problem +
                   ", so it could name a file outside the directory");
        continue;
      }
      auto file = settings_.destination.dir / key;
      if (::unlink(file.c_str()) == 0 || errno == ENOENT) {
        ++deleted_;
        log::debug("deleted", {{"path", file.string()}});
      } else {
        ++failed_;
        log::warning("cannot delete expired " + file.string() + ": " + errno_text(errno) +
                     "; make the directory writable or remove it by hand");
      }
    }
  } else if (!in_flight_) {
    // One DeleteObjects at a time, up to 1000 keys: deletes are free on R2 and
    // never urgent, so they never compete with uploads for connections.
    std::vector<std::string> keys;
    int attempts = 0;
    while (!due_.empty() && due_.begin()->first <= now_ms && keys.size() < 1000) {
      attempts = std::max(attempts, due_.begin()->second.second);
      keys.push_back(take_first());
    }
    if (!keys.empty()) send_batch(std::move(keys), attempts);
  }
  if (due_.empty() || in_flight_) return -1;
  return std::max<long>(0, static_cast<long>(due_.begin()->first - now_ms));
}

std::string Expirer::take_first() {
  std::string key = std::move(due_.begin()->second.first);
  due_.erase(due_.begin());
  if (auto count = due_count_.find(key); count != due_count_.end() && --count->second <= 0) due_count_.erase(count);
  return key;
}

void Expirer::send_batch(std::vector<std::string> keys, int attempts) {
  in_flight_ = true;
  for (const auto& k : keys) in_flight_keys_[k] = false;
  auto request = api_->delete_objects(keys);
  client_.start(std::move(request), [this, keys, attempts](http::Response&& r) {
    in_flight_ = false;
    std::map<std::string, bool> batch = std::move(in_flight_keys_);
    in_flight_keys_.clear();
    int64_t now = monotonic_ms();
    if (r.ok()) {
      std::vector<std::string> errors = parse_delete_errors(r.body);
      deleted_ += keys.size() - errors.size();
      log::info("deleted " + std::to_string(keys.size() - errors.size()) + " expired object(s)",
                {{"first", keys.front()}});
      for (const auto& k : errors) {
        ++failed_;
        log::warning("DeleteObjects could not delete " + k + "; a lifecycle rule (r2push lifecycle) will catch it");
      }
      return;
    }
    Failure f = classify(r, api_->config());
    if (f.retryable && attempts < settings_.retries) {
      long wait = std::max(f.retry_after_ms, std::min(30000L, 500L << std::min(attempts, 6)));
      for (const auto& k : keys) {
        if (!batch[k]) schedule(now + wait, k, attempts + 1);  // not if written again meanwhile
      }
      log::warning("DeleteObjects of " + std::to_string(keys.size()) + " key(s) failed: " + f.summary +
                   "; retrying in " + std::to_string(wait) + " ms");
      return;
    }
    failed_ += keys.size();
    log::error("DeleteObjects of " + std::to_string(keys.size()) + " expired object(s) (first " + keys.front() +
               ") failed: " + f.summary + "; " + f.hint +
               ". They stay in the bucket; a lifecycle rule (r2push lifecycle) removes leftovers");
  });
}

void Expirer::abandon() {
  if (due_.empty()) return;
  log::warning(std::to_string(due_.size()) +
               " expired object(s) not yet deleted because r2push is stopping; they stay until a lifecycle rule "
               "(r2push lifecycle --expire-days N) removes them");
  due_.clear();
  due_count_.clear();
}

}  // namespace hlsmesh::r2push
