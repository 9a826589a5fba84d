#pragma once
// Relays (meshrelay): peers that showed --relay-token in their announce. In
// a big swarm a tracker that sends each offer to random peers rarely picks
// the relay, so every announcing viewer's offers go to the swarm's relays
// first. The token is never logged (it is registered as a log secret).
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "tools/sigd/core/ids.hpp"

namespace hlsmesh::sigd {

class RelayPeers {
 public:
  explicit RelayPeers(std::string token);
  bool enabled() const { return !token_.empty(); }

  // True, and the peer is a relay from now on, when `presented` is the token.
  bool admit(const Id20& info_hash, const Id20& peer_id, std::string_view presented);
  void remove(const Id20& info_hash, const Id20& peer_id);
  // True when `presented` is the token (a relay's report to /relay-report).
  bool accepts(std::string_view presented) const;
  bool is_relay(const Id20& info_hash, const Id20& peer_id) const;

  // Calls fn(peer_id) for each relay of the swarm; fn returns false for a
  // relay gone from the swarm, which is then forgotten.
  template <class Fn>
  void for_each(const Id20& info_hash, Fn fn) {
    const std::string ih(info_hash.view());
    for (auto it = relays_.lower_bound({ih, std::string()}); it != relays_.end() && it->first == ih;) {
      if (fn(Id20::from_raw(it->second))) ++it;
      else it = relays_.erase(it);
    }
  }
  std::size_t size() const { return relays_.size(); }

 private:
  std::string token_;
  std::set<std::pair<std::string, std::string>> relays_;  // (info_hash, peer_id), raw bytes
};

}  // namespace hlsmesh::sigd
