#include "tools/r2push/key_reuse.hpp"

#include <functional>

namespace hlsmesh::r2push {

std::optional<std::string> KeyReuseWatch::on_upload(const std::string& key, uint64_t bytes, const std::string& etag) {
  if (warned_) return std::nullopt;  // said once; no need to remember more
  const size_t key_hash = std::hash<std::string>{}(key);
  const size_t etag_hash = std::hash<std::string>{}(etag);
  auto it = seen_.find(key_hash);
  if (it == seen_.end()) {
    seen_.emplace(key_hash, Seen{bytes, etag_hash});
    order_.push_back(key_hash);
    if (order_.size() > capacity_) {
      seen_.erase(order_.front());
      order_.pop_front();
    }
    return std::nullopt;
  }
  if (it->second.bytes == bytes && it->second.etag_hash == etag_hash) return std::nullopt;  // the same file again
  warned_ = true;
  std::string message = "segment key " + key + " was uploaded earlier in this run with other content (" +
                        std::to_string(it->second.bytes) + " bytes then, now " + std::to_string(bytes) +
                        " bytes, ETag " + etag +
                        "): the source probably restarted and reuses its segment names. Segments carry an immutable "
                        "Cache-Control, so the CDN and players may serve the old bytes under this key. Name segments by "
                        "their bytes on the r2push that uploads them: --key \"{prefix}/{rendition}/{stem}-{hash}.{ext}\" "
                        "(hlsmesh-origin's default; said once)";
  seen_.clear();
  order_.clear();
  return message;
}

}  // namespace hlsmesh::r2push
