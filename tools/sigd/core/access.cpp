#include "tools/sigd/core/access.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <fstream>

#include "common/error.hpp"

namespace sigd {

void AllowList::load(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    throw hlsmesh::Error(hlsmesh::Exit::config, "cannot read --allow-list " + path + ": " + hlsmesh::errno_text(errno) +
                                                    "; check the path and its permissions");
  std::unordered_set<Id20, Id20Hash> next;
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    size_t b = line.find_first_not_of(" \t\r"), e = line.find_last_not_of(" \t\r");
    if (b == std::string::npos) continue;
    auto id = from_hex(std::string_view(line).substr(b, e - b + 1));
    if (!id)
      throw hlsmesh::Error(hlsmesh::Exit::config, "--allow-list " + path + " line " + std::to_string(number) +
                                                      ": expected a 40-character hex info hash");
    next.insert(*id);
  }
  hashes_.swap(next);
  enabled_ = true;
}

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

}  // namespace sigd
