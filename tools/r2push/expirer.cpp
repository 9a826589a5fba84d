#include "tools/r2push/expirer.hpp"

#include <unistd.h>

#include <cerrno>
#include <cmath>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time_util.hpp"

namespace hlsmesh::r2push {

namespace {

// Without a playlist duration the RFC's bound is unknown: keep segments this
// long, which covers a 60-segment window of 2 s segments.
constexpr long fallback_playlist_ms = 120000;

long seconds_field_ms(const Json& event, const char* name) {
  auto it = event.find(name);
  if (it == event.end() || !it->is_number()) return -1;
  double v = it->get<double>();
  return v < 0 ? -1 : std::lround(v * 1000.0);
}

std::string rendition_of(const Json& event) {
  auto it = event.find("rendition");
  if (it == event.end() || it->is_null()) return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace

Expirer::Expirer(const Settings& settings, http::Client& client, const S3Api* api)
    : settings_(settings), client_(client), api_(api) {}

void Expirer::on_playlist(const Json& event) {
  long ms = seconds_field_ms(event, "duration");
  if (ms < 0) return;
  playlist_ms_[rendition_of(event)] = ms;
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
    if (auto it = playlist_ms_.find(rendition_of(event)); it != playlist_ms_.end()) {
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
  due_.emplace(due, std::make_pair(key, 0));
  log::debug("delete scheduled", {{"key", key}, {"in_ms", delay}});
  return delay;
}

long Expirer::pump(int64_t now_ms) {
  if (!settings_.destination.is_s3()) {
    // file://: unlink each due file; nothing to batch.
    while (!due_.empty() && due_.begin()->first <= now_ms) {
      std::string key = due_.begin()->second.first;
      due_.erase(due_.begin());
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
      keys.push_back(due_.begin()->second.first);
      attempts = std::max(attempts, due_.begin()->second.second);
      due_.erase(due_.begin());
    }
    if (!keys.empty()) send_batch(std::move(keys), attempts);
  }
  if (due_.empty() || in_flight_) return -1;
  return std::max<long>(0, static_cast<long>(due_.begin()->first - now_ms));
}

void Expirer::send_batch(std::vector<std::string> keys, int attempts) {
  in_flight_ = true;
  auto request = api_->delete_objects(keys);
  client_.start(std::move(request), [this, keys, attempts](http::Response&& r) {
    in_flight_ = false;
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
      for (const auto& k : keys) due_.emplace(now + wait, std::make_pair(k, attempts + 1));
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
}

}  // namespace hlsmesh::r2push
