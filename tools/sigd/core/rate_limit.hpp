#pragma once
// A token bucket per client address, for HTTP announces and scrapes: `rate`
// requests per second sustained, `burst` at once. An address is forgotten
// once its bucket has refilled, so memory follows the addresses active in
// the last burst/rate seconds, and is bounded by `max_addresses`.
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "tools/sigd/core/access.hpp"
#include "tools/sigd/core/registry.hpp"

namespace hlsmesh::sigd {

class IpRateLimit {
 public:
  IpRateLimit() = default;  // disabled
  IpRateLimit(double rate, double burst, size_t max_addresses = 100000)
      : rate_(rate), burst_(burst), max_addresses_(max_addresses) {}
  bool enabled() const { return rate_ > 0; }
  // Whether `who` may make one more request now (always, when disabled).
  // With max_addresses already tracked, a new address is refused until
  // prune() forgets some: an attacker rotating addresses must not grow the
  // table without end.
  bool take(const PeerAddr& who, int64_t now_ms);
  // Forgets the addresses whose bucket is full again; returns how many.
  size_t prune(int64_t now_ms);
  size_t size() const { return buckets_.size(); }

 private:
  double rate_ = 0, burst_ = 0;
  size_t max_addresses_ = 0;
  std::unordered_map<std::string, TokenBucket> buckets_;  // by PeerAddr::key()
};

}  // namespace hlsmesh::sigd
