#pragma once
// The swarm registry: info-hash bytes -> peers. WebSocket peers (relayed
// offers) and HTTP peers (ip:port) share swarms keyed by the same 20 bytes.
// Swarm removal is O(1) (swap with the last peer); empty swarms are deleted;
// the totals are counters, never recomputed by walking the swarms. A peer
// belongs to the one WebSocket connection that announced it, or to HTTP; no
// other connection and no HTTP request can refresh, move or remove it (peer
// ids are not secret: every relayed offer carries one). An HTTP peer belongs
// to the `key` its client announced with (BEP 3's proof of identity across
// IP changes), or without one to its source IP: an announce or stop from
// anyone else is refused.
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tools/sigd/core/ids.hpp"

namespace hlsmesh::sigd {

// A WebSocket connection's id, given by the server (not reused while the
// process lives, short of 2^32 connections through one slot); 0 is no
// connection: an HTTP peer. The registry holds ids,
// not pointers, so nothing here can reach into a connection's state.
using ConnId = uint64_t;

struct PeerAddr {
  std::array<uint8_t, 16> ip{};  // IPv4 in the first 4 bytes when !v6
  bool v6 = false;
  uint16_t port = 0;

  bool same_ip(const PeerAddr& other) const { return v6 == other.v6 && ip == other.ip; }
  // The address bytes (4 or 16), as a map key.
  std::string key() const { return std::string(reinterpret_cast<const char*>(ip.data()), v6 ? 16 : 4); }
  // From 16 IPv6 address bytes; IPv4-mapped (::ffff:a.b.c.d) becomes IPv4.
  static PeerAddr from_ipv6(const uint8_t* bytes) {
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    PeerAddr a;
    a.v6 = std::memcmp(bytes, mapped, 12) != 0;
    std::memcpy(a.ip.data(), a.v6 ? bytes : bytes + 12, a.v6 ? 16 : 4);
    return a;
  }
};

struct Peer {
  Id20 peer_id;
  ConnId conn = 0;       // owning WebSocket connection; 0 for an HTTP peer
  PeerAddr addr;         // the client's address (a WebSocket peer's has no port)
  uint32_t http_key = 0;  // hash of the HTTP client's key= (0: none; then addr's IP owns it)
  int64_t last_seen_ms = 0;
  bool seeder = false;
  bool is_http() const { return conn == 0; }
};

// Bounds on the whole registry (0: none), so that announces, HTTP ones
// included, cannot grow it without end.
struct RegistryLimits {
  size_t max_swarms = 0;
  size_t max_peers = 0;
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
  Registry() = default;
  explicit Registry(const RegistryLimits& limits) : limits_(limits) {}

  Swarm* find(const Id20& info_hash);
  const Swarm* find(const Id20& info_hash) const;

  enum class UpsertResult : uint8_t {
    refreshed,
    created,
    peer_id_taken,  // that peer_id belongs to another connection, or to the other kind (HTTP / WebSocket)
    swarm_limit,    // a new swarm would pass limits.max_swarms
    peer_limit,     // a new peer would pass limits.max_peers
  };
  struct Upsert {
    UpsertResult result = UpsertResult::refreshed;
    Swarm* swarm = nullptr;  // set unless refused
    Peer* peer = nullptr;    // the peer; when refused as peer_id_taken, the one holding that peer_id
    bool refused() const { return swarm == nullptr; }
  };
  // Adds or refreshes a peer owned by `conn` (0: an HTTP peer at `addr`,
  // `addr` being the request's source IP with the announced port, and
  // `http_key` the hash of its key=, 0 for none; a WebSocket peer's `addr` is
  // its client's address). A refused announce changes nothing.
  // seeder: 1 seeder, 0 leecher, -1 unknown (keep what the peer was; new peers leech).
  Upsert upsert(const Id20& info_hash, const Id20& peer_id, ConnId conn, const PeerAddr& addr, int seeder,
                bool completed, int64_t now_ms, uint32_t http_key = 0);

  // Removes the peer if present and owned by `owner` (0: only an HTTP
  // peer, and only for a request `from` that address with that key hash, as
  // upsert checks). Returns true if removed. Deletes the swarm when it
  // becomes empty.
  bool remove(const Id20& info_hash, const Id20& peer_id, ConnId owner, const PeerAddr& from = {},
              uint32_t http_key = 0);

  // Calls fn(peer) for up to k distinct random WebSocket peers other than `self`.
  void pick_ws_peers(Swarm& swarm, const Id20& self, size_t k, const std::function<void(Peer&)>& fn);
  // Calls fn(peer) for up to k random HTTP peers other than `self`.
  void pick_http_peers(Swarm& swarm, const Id20& self, size_t k, const std::function<void(const Peer&)>& fn);

  // Drops WebSocket peers last seen before ws_cutoff and HTTP peers last seen
  // before http_cutoff (HTTP clients announce less often); on_expired(info_hash,
  // peer) before each removal.
  size_t expire(int64_t ws_cutoff_ms, int64_t http_cutoff_ms,
                const std::function<void(const Id20&, const Peer&)>& on_expired);

  // Calls fn(info_hash, swarm) for each swarm until fn returns false.
  template <typename F>
  void for_each_swarm(F&& fn) const {
    for (const auto& [ih, s] : swarms_)
      if (!fn(ih, s)) return;
  }

  size_t swarm_count() const { return swarms_.size(); }
  uint64_t peer_count() const { return peers_; }
  uint64_t seeder_count() const { return seeders_; }
  uint64_t ws_peer_count() const { return ws_peers_; }

 private:
  void erase_at(std::unordered_map<Id20, Swarm, Id20Hash>::iterator it, uint32_t pos);
  void account(const Peer& p, int sign, Swarm& s);

  RegistryLimits limits_;
  std::unordered_map<Id20, Swarm, Id20Hash> swarms_;
  uint64_t peers_ = 0, seeders_ = 0, ws_peers_ = 0;
  std::minstd_rand rng_{std::random_device{}()};
  std::vector<uint32_t> scratch_;
};

// Whether an HTTP request from `from` carrying key hash `http_key` speaks for
// HTTP peer `p`: its key if it announced one, else its IP.
bool http_request_owns(const Peer& p, const PeerAddr& from, uint32_t http_key);

// The failure reason a refused upsert is answered with.
std::string_view refusal_reason(Registry::UpsertResult result);

}  // namespace hlsmesh::sigd
