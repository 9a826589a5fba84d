#pragma once
// O(1) counters behind /stats.json and /metrics: nothing here walks swarms.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "tools/sigd/core/registry.hpp"

namespace hlsmesh::sigd {

// Kinds of rejected input, counted separately.
enum class ErrorKind : int {
  json, type, id, action, event, offer, depth, binary, too_large, rate, origin, not_allowed,
  http_tracker, send_queue, connection_limit, ip_limit, too_many_swarms, publish_auth, feed_bad_event,
  peer_id_taken, swarm_limit, peer_limit, http_rate, count_
};
std::string_view error_kind_name(ErrorKind k);
ErrorKind error_kind_from(std::string_view name);
// The counter of a refused upsert (peer_id_taken, swarm_limit, peer_limit).
ErrorKind error_kind_of(Registry::UpsertResult refused);

struct Stats {
  int64_t started_ms = 0;  // monotonic
  uint64_t connections_open = 0;       // TCP connections (HTTP + WebSocket)
  uint64_t ws_open = 0;                // tracker WebSocket connections
  uint64_t connections_total = 0;
  uint64_t announces = 0, ws_announces = 0, http_announces = 0;
  uint64_t scrapes = 0, http_scrapes = 0;
  uint64_t offers_relayed = 0, answers_relayed = 0, answers_unrouted = 0;
  uint64_t peers_expired = 0;
  uint64_t messages_in = 0, messages_out = 0;
  uint64_t bytes_in = 0, bytes_out = 0;
  uint64_t http_requests = 0, static_files = 0, static_bytes = 0;
  uint64_t feed_subscribers = 0, feed_events = 0, feed_dropped = 0, publishers = 0;
  uint64_t closed_for_abuse = 0;
  uint64_t replaced_connections = 0;  // lingering connections replaced by their viewer reconnecting
  std::array<uint64_t, static_cast<size_t>(ErrorKind::count_)> errors{};

  void error(ErrorKind k) { ++errors[static_cast<size_t>(k)]; }
  uint64_t errors_total() const;
};

class Delivery;
// With `delivery`, its figures too (the "delivery" member, hlsmesh_delivery_*).
std::string stats_json(const Stats& s, const Registry& r, int64_t now_ms, const Delivery* delivery = nullptr);
std::string prometheus_text(const Stats& s, const Registry& r, int64_t now_ms, const Delivery* delivery = nullptr);

}  // namespace hlsmesh::sigd
