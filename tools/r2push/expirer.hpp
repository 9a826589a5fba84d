#pragma once
// --delete-expired: deletes the object of each `expire` event once the RFC
// 8216 availability time has passed (the segment's duration plus the playlist
// duration, §6.2.2), in DeleteObjects batches of up to 1000 keys.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/event_io.hpp"
#include "common/http_client.hpp"
#include "tools/r2push/options.hpp"
#include "tools/r2push/s3_api.hpp"

namespace hlsmesh::r2push {

class Expirer {
 public:
  Expirer(const Settings& settings, http::Client& client, const S3Api* api);

  // `playlist` events tell the playlist duration per rendition.
  void on_playlist(const Json& event);
  // Schedules the delete of `key`; returns the delay chosen (ms).
  long on_expire(const Json& event, const std::string& key, int64_t now_ms);
  // `key` was written again (a restarted source reuses its names): deletes
  // scheduled for it until now would remove the new object, so they are
  // dropped, and a retry of a batch under way will not send it again.
  void cancel(const std::string& key);
  // A DeleteObjects naming `key` is under way: a new write of the key waits
  // for it, or the delete could land after the write and remove it.
  bool deleting(const std::string& key) const { return in_flight_keys_.count(key) > 0; }
  // Sends the batches that are due; returns ms until the next is due (-1: none).
  long pump(int64_t now_ms);
  // Deletes scheduled and not yet sent.
  size_t pending() const { return due_.size(); }
  uint64_t cancelled() const { return cancelled_; }
  bool idle() const { return due_.empty() && !in_flight_; }
  // Gives up on what is left (stop requested) and says so.
  void abandon();

  uint64_t deleted() const { return deleted_; }
  uint64_t failed() const { return failed_; }

 private:
  void schedule(int64_t due, const std::string& key, int attempts);
  std::string take_first();  // the key of the earliest due delete, removed
  void send_batch(std::vector<std::string> keys, int attempts);

  const Settings& settings_;
  http::Client& client_;
  const S3Api* api_;
  std::multimap<int64_t, std::pair<std::string, int>> due_;  // due time → (key, attempts so far)
  std::map<std::string, int> due_count_;                     // key → how many times it is in due_
  std::map<std::string, bool> in_flight_keys_;               // keys of the batch under way → cancelled since
  std::map<std::string, long> playlist_ms_;                  // rendition → playlist duration
  long last_playlist_ms_ = 0;
  bool in_flight_ = false;
  bool warned_unknown_ = false;
  uint64_t deleted_ = 0;
  uint64_t failed_ = 0;
  uint64_t cancelled_ = 0;
};

}  // namespace hlsmesh::r2push
