#include "tools/sigd/core/relays.hpp"

#include "common/log.hpp"
#include "tools/sigd/core/access.hpp"

namespace hlsmesh::sigd {

RelayPeers::RelayPeers(std::string token) : token_(std::move(token)) { hlsmesh::log::add_secret(token_); }

bool RelayPeers::admit(const Id20& info_hash, const Id20& peer_id, std::string_view presented) {
  if (!enabled() || presented.empty() || !token_matches(presented, token_)) return false;
  relays_.emplace(std::string(info_hash.view()), std::string(peer_id.view()));
  return true;
}

bool RelayPeers::accepts(std::string_view presented) const {
  return enabled() && !presented.empty() && token_matches(presented, token_);
}

void RelayPeers::remove(const Id20& info_hash, const Id20& peer_id) {
  relays_.erase({std::string(info_hash.view()), std::string(peer_id.view())});
}

bool RelayPeers::is_relay(const Id20& info_hash, const Id20& peer_id) const {
  return relays_.count({std::string(info_hash.view()), std::string(peer_id.view())}) != 0;
}

}  // namespace hlsmesh::sigd
