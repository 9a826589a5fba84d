#pragma once
// The swarm registry: info-hash bytes -> peers. WebSocket peers (relayed
// offers) and HTTP peers (ip:port) share swarms keyed by the same 20 bytes.
// Swarm removal is O(1) (swap with the last peer); empty swarms are deleted;
// the totals are counters, never recomputed by walking the swarms.
#include <array>
#include <cstdint>
#include <functional>
#include <random>
#include <unordered_map>
#include <vector>

#include "tools/sigd/core/ids.hpp"

namespace sigd {

struct Conn;  // a WebSocket connection (server.hpp); opaque here

struct PeerAddr {
  std::array<uint8_t, 16> ip{};  // IPv4 in the first 4 bytes when !v6
  bool v6 = false;
  uint16_t port = 0;
};

struct Peer {
  Id20 peer_id;
  Conn* conn = nullptr;  // owning WebSocket connection; nullptr for an HTTP peer
  PeerAddr addr;         // HTTP peers only
  int64_t last_seen_ms = 0;
  bool seeder = false;
};

struct Swarm {
  std::vector<Peer> peers;
  std::unordered_map<Id20, uint32_t, Id20Hash> index;  // peer_id -> position in peers
  uint32_t complete = 0, incomplete = 0;
  uint32_t ws_peers = 0;
  uint64_t downloaded = 0;  // completed events seen
};

class Registry {
 public:
  Swarm* find(const Id20& info_hash);
  const Swarm* find(const Id20& info_hash) const;

  struct Upsert {
    Swarm* swarm = nullptr;
    Peer* peer = nullptr;
    bool created = false;
    Conn* previous_conn = nullptr;  // the connection that owned this peer_id before, if another one
  };
  // Adds or refreshes a peer. A peer_id seen on a new connection moves to it.
  // seeder: 1 seeder, 0 leecher, -1 unknown (keep what the peer was; new peers leech).
  Upsert upsert(const Id20& info_hash, const Id20& peer_id, Conn* conn, const PeerAddr& addr, int seeder,
                bool completed, int64_t now_ms);

  // Removes the peer if present (and owned by `owner`, when owner is given).
  // Returns true if removed. Deletes the swarm when it becomes empty.
  bool remove(const Id20& info_hash, const Id20& peer_id, Conn* owner = nullptr);

  // Calls fn(peer) for up to k distinct random WebSocket peers other than `self`.
  void pick_ws_peers(Swarm& swarm, const Id20& self, size_t k, const std::function<void(Peer&)>& fn);
  // Calls fn(peer) for up to k random HTTP peers other than `self`.
  void pick_http_peers(Swarm& swarm, const Id20& self, size_t k, const std::function<void(const Peer&)>& fn);

  // Drops peers last seen before cutoff; on_expired(info_hash, peer) before each removal.
  size_t expire(int64_t cutoff_ms, const std::function<void(const Id20&, const Peer&)>& on_expired);

  template <typename F>
  void for_each_swarm(F&& fn) const {
    for (const auto& [ih, s] : swarms_) fn(ih, s);
  }

  size_t swarm_count() const { return swarms_.size(); }
  uint64_t peer_count() const { return peers_; }
  uint64_t seeder_count() const { return seeders_; }
  uint64_t ws_peer_count() const { return ws_peers_; }

 private:
  void erase_at(std::unordered_map<Id20, Swarm, Id20Hash>::iterator it, uint32_t pos);
  void account(const Peer& p, int sign, Swarm& s);

  std::unordered_map<Id20, Swarm, Id20Hash> swarms_;
  uint64_t peers_ = 0, seeders_ = 0, ws_peers_ = 0;
  std::minstd_rand rng_{std::random_device{}()};
  std::vector<uint32_t> scratch_;
};

}  // namespace sigd
