#include "tools/sigd/core/registry.hpp"

#include <algorithm>

namespace hlsmesh::sigd {

Swarm* Registry::find(const Id20& ih) {
  auto it = swarms_.find(ih);
  return it == swarms_.end() ? nullptr : &it->second;
}

const Swarm* Registry::find(const Id20& ih) const {
  auto it = swarms_.find(ih);
  return it == swarms_.end() ? nullptr : &it->second;
}

void Registry::account(const Peer& p, int sign, Swarm& s) {
  auto add = [sign](auto& counter) { counter = sign > 0 ? counter + 1 : counter - 1; };
  add(peers_);
  if (p.seeder) {
    add(seeders_);
    add(s.complete);
  } else {
    add(s.incomplete);
  }
  if (p.conn) {
    add(ws_peers_);
    add(s.ws_peers);
  }
}

Registry::Upsert Registry::upsert(const Id20& ih, const Id20& peer_id, ConnId conn, const PeerAddr& addr,
                                  int seeder_state, bool completed, int64_t now_ms, uint32_t http_key) {
  Upsert r;
  auto it = swarms_.find(ih);
  Peer* existing = nullptr;
  if (it != swarms_.end()) {
    auto found = it->second.index.find(peer_id);
    if (found != it->second.index.end()) existing = &it->second.peers[found->second];
  }
  if (existing && (existing->conn != conn || (!conn && !http_request_owns(*existing, addr, http_key)))) {
    r.result = UpsertResult::peer_id_taken;
    r.peer = existing;
    return r;
  }
  if (!existing) {
    if (limits_.max_peers && peers_ >= limits_.max_peers) {
      r.result = UpsertResult::peer_limit;
      return r;
    }
    if (it == swarms_.end()) {
      if (limits_.max_swarms && swarms_.size() >= limits_.max_swarms) {
        r.result = UpsertResult::swarm_limit;
        return r;
      }
      it = swarms_.try_emplace(ih).first;
    }
  }
  Swarm& s = it->second;
  r.swarm = &s;
  if (completed) ++s.downloaded;
  if (!existing) {
    Peer p;
    p.peer_id = peer_id;
    p.conn = conn;
    p.addr = addr;
    p.http_key = conn ? 0 : http_key;
    p.seeder = seeder_state == 1;
    p.last_seen_ms = now_ms;
    s.index.emplace(peer_id, static_cast<uint32_t>(s.peers.size()));
    s.peers.push_back(p);
    account(s.peers.back(), +1, s);
    r.peer = &s.peers.back();
    r.result = UpsertResult::created;
    return r;
  }
  Peer& p = *existing;
  const bool seeder = seeder_state < 0 ? p.seeder : seeder_state == 1;
  if (p.seeder != seeder) {
    account(p, -1, s);
    p.seeder = seeder;
    account(p, +1, s);
  }
  if (p.is_http()) {
    p.addr = addr;  // the key's holder may have moved
    if (http_key) p.http_key = http_key;
  }
  p.last_seen_ms = now_ms;
  r.peer = &p;
  return r;
}

void Registry::erase_at(std::unordered_map<Id20, Swarm, Id20Hash>::iterator it, uint32_t pos) {
  Swarm& s = it->second;
  account(s.peers[pos], -1, s);
  s.index.erase(s.peers[pos].peer_id);
  if (pos + 1 != s.peers.size()) {
    s.peers[pos] = s.peers.back();
    s.index[s.peers[pos].peer_id] = pos;
  }
  s.peers.pop_back();
  if (s.peers.empty()) swarms_.erase(it);  // empty swarms are deleted (bittorrent-tracker #309)
}

bool Registry::remove(const Id20& ih, const Id20& peer_id, ConnId owner, const PeerAddr& from,
                      uint32_t http_key) {
  auto it = swarms_.find(ih);
  if (it == swarms_.end()) return false;
  auto found = it->second.index.find(peer_id);
  if (found == it->second.index.end()) return false;
  const Peer& p = it->second.peers[found->second];
  if (p.conn != owner || (!owner && !http_request_owns(p, from, http_key))) return false;
  erase_at(it, found->second);
  return true;
}

void Registry::pick_ws_peers(Swarm& s, const Id20& self, size_t k, const std::function<void(Peer&)>& fn) {
  const size_t n = s.peers.size();
  if (k == 0 || n == 0) return;
  const bool self_is_ws = [&] {
    auto f = s.index.find(self);
    return f != s.index.end() && s.peers[f->second].conn;
  }();
  const size_t others = s.ws_peers - (self_is_ws ? 1 : 0);
  if (others == 0) return;
  k = std::min(k, others);
  // Few candidates relative to k: collect them all and shuffle partially.
  // Many: rejection sampling, which is O(k) expected.
  if (others <= 4 * k || s.ws_peers * 2 < n) {
    scratch_.clear();
    for (uint32_t i = 0; i < n; ++i)
      if (s.peers[i].conn && !(s.peers[i].peer_id == self)) scratch_.push_back(i);
    for (size_t i = 0; i < k && i < scratch_.size(); ++i) {
      std::uniform_int_distribution<size_t> d(i, scratch_.size() - 1);
      std::swap(scratch_[i], scratch_[d(rng_)]);
      fn(s.peers[scratch_[i]]);
    }
    return;
  }
  uint32_t chosen[128];
  size_t got = 0;
  std::uniform_int_distribution<uint32_t> d(0, static_cast<uint32_t>(n - 1));
  for (size_t tries = 0; got < k && got < 128 && tries < 16 * k; ++tries) {
    uint32_t i = d(rng_);
    Peer& p = s.peers[i];
    if (!p.conn || p.peer_id == self) continue;
    if (std::find(chosen, chosen + got, i) != chosen + got) continue;
    chosen[got++] = i;
    fn(p);
  }
}

void Registry::pick_http_peers(Swarm& s, const Id20& self, size_t k, const std::function<void(const Peer&)>& fn) {
  const size_t n = s.peers.size();
  if (k == 0 || n == 0) return;
  size_t start = std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
  size_t given = 0;
  for (size_t step = 0; step < n && given < k; ++step) {
    const Peer& p = s.peers[(start + step) % n];
    if (p.conn || p.peer_id == self) continue;
    fn(p);
    ++given;
  }
}

size_t Registry::expire(int64_t ws_cutoff_ms, int64_t http_cutoff_ms,
                        const std::function<void(const Id20&, const Peer&)>& on_expired) {
  size_t removed = 0;
  for (auto it = swarms_.begin(); it != swarms_.end();) {
    Swarm& s = it->second;
    bool erased_swarm = false;
    for (size_t i = s.peers.size(); i-- > 0;) {
      const int64_t cutoff_ms = s.peers[i].is_http() ? http_cutoff_ms : ws_cutoff_ms;
      if (s.peers[i].last_seen_ms >= cutoff_ms) continue;
      on_expired(it->first, s.peers[i]);
      ++removed;
      if (s.peers.size() == 1) {
        auto next = std::next(it);
        erase_at(it, static_cast<uint32_t>(i));
        it = next;
        erased_swarm = true;
        break;
      }
      erase_at(it, static_cast<uint32_t>(i));
    }
    if (!erased_swarm) ++it;
  }
  return removed;
}

bool http_request_owns(const Peer& p, const PeerAddr& from, uint32_t http_key) {
  if (p.http_key) return http_key == p.http_key;
  return p.addr.same_ip(from);
}

std::string_view refusal_reason(Registry::UpsertResult result) {
  switch (result) {
    case Registry::UpsertResult::peer_id_taken:
      return "peer_id is in use by another peer of this swarm; announce with a peer_id of your own";
    case Registry::UpsertResult::swarm_limit:
      return "tracker is full: too many swarms (--max-swarms); try again later";
    case Registry::UpsertResult::peer_limit:
      return "tracker is full: too many peers (--max-peers); try again later";
    case Registry::UpsertResult::refreshed:
    case Registry::UpsertResult::created:
      break;
  }
  return {};
}

}  // namespace hlsmesh::sigd
