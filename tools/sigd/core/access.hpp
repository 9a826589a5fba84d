#pragma once
// Who may do what: the info-hash allow-list (reloaded on SIGHUP; its file is
// read by allow_list.cpp, outside core/), the
// WebSocket Origin allow/deny lists, per-connection message rate (a token
// bucket) and the constant-time publish token check.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "tools/sigd/core/ids.hpp"

namespace hlsmesh::sigd {

class AllowList {
 public:
  // Reads one 40-hex info hash per line ('#' comments, blank lines ok).
  // Throws hlsmesh::Error(Exit::config) with the bad line; keeps the old list then.
  void load(const std::string& path);
  bool enabled() const { return enabled_; }
  bool allows(const Id20& ih) const { return !enabled_ || hashes_.count(ih) > 0; }
  size_t size() const { return hashes_.size(); }

 private:
  bool enabled_ = false;
  std::unordered_set<Id20, Id20Hash> hashes_;
};

struct OriginPolicy {
  std::vector<std::string> allow, deny;
  bool deny_empty = false;
  bool permits(std::string_view origin) const;
};

class TokenBucket {
 public:
  TokenBucket() = default;
  TokenBucket(double rate, double burst, int64_t now_ms) : tokens_(burst), last_ms_(now_ms), rate_(rate), burst_(burst) {}
  bool take(int64_t now_ms);
  // Whether the bucket has refilled to its burst by now (nothing to remember).
  bool full(int64_t now_ms) const {
    return tokens_ + rate_ * static_cast<double>(now_ms - last_ms_) / 1000.0 >= burst_;
  }

 private:
  double tokens_ = 0;
  int64_t last_ms_ = 0;
  double rate_ = 0, burst_ = 0;
};

// Compares SHA-256 digests with CRYPTO_memcmp: time independent of where the
// strings differ and of their lengths.
bool token_matches(std::string_view presented, std::string_view expected);

}  // namespace hlsmesh::sigd
