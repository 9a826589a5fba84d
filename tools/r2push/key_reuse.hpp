#pragma once
// Segment keys written twice with other content in one run. A source that
// restarts (ffmpeg begins again at seg0.ts) reuses its file names, so the
// default key template reuses keys; segments carry an immutable
// Cache-Control, so a CDN or a player may keep serving the old bytes under
// the old key. Said once per run: one restart makes every later key repeat.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

namespace hlsmesh::r2push {

class KeyReuseWatch {
 public:
  // Keys remembered, oldest forgotten first: about 11 hours of 2 s segments in
  // under 1 MiB, bounded however long the run (a source restarting later
  // than that is not noticed; the pending deletes are still cancelled).
  explicit KeyReuseWatch(size_t capacity = 20000) : capacity_(capacity) {}

  // A segment upload of `key` succeeded. Returns the warning to log the first
  // time a key comes back with another size or ETag; nothing after that.
  std::optional<std::string> on_upload(const std::string& key, uint64_t bytes, const std::string& etag);

 private:
  struct Seen {
    uint64_t bytes = 0;
    size_t etag_hash = 0;
  };
  size_t capacity_;
  bool warned_ = false;
  std::unordered_map<size_t, Seen> seen_;  // by hash of the key
  std::deque<size_t> order_;              // key hashes, oldest first
};

}  // namespace hlsmesh::r2push
