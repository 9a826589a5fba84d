#include "tools/sigd/core/access.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace hlsmesh::sigd {

bool OriginPolicy::permits(std::string_view origin) const {
  if (origin.empty()) return !deny_empty;
  if (!allow.empty()) {
    for (const auto& a : allow)
      if (a == origin) return true;
    return false;
  }
  for (const auto& d : deny)
    if (d == origin) return false;
  return true;
}

bool TokenBucket::take(int64_t now_ms) {
  if (now_ms > last_ms_) {
    tokens_ = std::min(burst_, tokens_ + rate_ * static_cast<double>(now_ms - last_ms_) / 1000.0);
    last_ms_ = now_ms;
  }
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

bool token_matches(std::string_view presented, std::string_view expected) {
  if (expected.empty()) return false;
  unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(presented.data()), presented.size(), a);
  SHA256(reinterpret_cast<const unsigned char*>(expected.data()), expected.size(), b);
  return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

}  // namespace hlsmesh::sigd
