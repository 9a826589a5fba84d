#include "tools/sigd/core/rate_limit.hpp"

namespace hlsmesh::sigd {

bool IpRateLimit::take(const PeerAddr& who, int64_t now_ms) {
  if (!enabled()) return true;
  auto it = buckets_.find(who.key());
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_addresses_ && prune(now_ms) == 0) return false;
    it = buckets_.emplace(who.key(), TokenBucket(rate_, burst_, now_ms)).first;
  }
  return it->second.take(now_ms);
}

size_t IpRateLimit::prune(int64_t now_ms) {
  return std::erase_if(buckets_, [now_ms](const auto& entry) { return entry.second.full(now_ms); });
}

}  // namespace hlsmesh::sigd
