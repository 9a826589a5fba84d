#include "tools/sigd/core/stats.hpp"

#include <nlohmann/json.hpp>

#include "common/prometheus.hpp"
#include "common/resident_memory.hpp"
#include "tools/sigd/core/delivery.hpp"

namespace hlsmesh::sigd {

namespace {
constexpr std::string_view kErrorNames[] = {
    "json", "type", "id", "action", "event", "offer", "depth", "binary", "too_large", "rate", "origin", "not_allowed",
    "http_tracker", "send_queue", "connection_limit", "ip_limit", "too_many_swarms", "publish_auth", "feed_bad_event",
    "peer_id_taken", "swarm_limit", "peer_limit", "http_rate"};
static_assert(std::size(kErrorNames) == static_cast<size_t>(ErrorKind::count_));
}  // namespace

std::string_view error_kind_name(ErrorKind k) { return kErrorNames[static_cast<size_t>(k)]; }

ErrorKind error_kind_from(std::string_view name) {
  for (size_t i = 0; i < std::size(kErrorNames); ++i)
    if (kErrorNames[i] == name) return static_cast<ErrorKind>(i);
  return ErrorKind::json;
}

ErrorKind error_kind_of(Registry::UpsertResult refused) {
  switch (refused) {
    case Registry::UpsertResult::swarm_limit: return ErrorKind::swarm_limit;
    case Registry::UpsertResult::peer_limit: return ErrorKind::peer_limit;
    default: return ErrorKind::peer_id_taken;
  }
}

uint64_t Stats::errors_total() const {
  uint64_t t = 0;
  for (auto e : errors) t += e;
  return t;
}

std::string stats_json(const Stats& s, const Registry& r, int64_t now_ms, const Delivery* delivery) {
  nlohmann::ordered_json j;
  j["uptime_s"] = (now_ms - s.started_ms) / 1000;
  j["connections"] = s.connections_open;
  j["ws_connections"] = s.ws_open;
  j["connections_total"] = s.connections_total;
  j["swarms"] = r.swarm_count();
  j["peers"] = r.peer_count();
  j["ws_peers"] = r.ws_peer_count();
  j["http_peers"] = r.peer_count() - r.ws_peer_count();
  j["seeders"] = r.seeder_count();
  j["leechers"] = r.peer_count() - r.seeder_count();
  j["announces"] = s.announces;
  j["ws_announces"] = s.ws_announces;
  j["http_announces"] = s.http_announces;
  j["scrapes"] = s.scrapes;
  j["offers_relayed"] = s.offers_relayed;
  j["answers_relayed"] = s.answers_relayed;
  j["answers_unrouted"] = s.answers_unrouted;
  j["peers_expired"] = s.peers_expired;
  j["messages_in"] = s.messages_in;
  j["messages_out"] = s.messages_out;
  j["bytes_in"] = s.bytes_in;
  j["bytes_out"] = s.bytes_out;
  j["http_requests"] = s.http_requests;
  j["static_files"] = s.static_files;
  j["feed_subscribers"] = s.feed_subscribers;
  j["feed_events"] = s.feed_events;
  j["feed_dropped"] = s.feed_dropped;
  j["publishers"] = s.publishers;
  j["closed_for_abuse"] = s.closed_for_abuse;
  j["replaced_connections"] = s.replaced_connections;
  nlohmann::ordered_json errors = nlohmann::ordered_json::object();
  for (size_t i = 0; i < s.errors.size(); ++i) errors[std::string(kErrorNames[i])] = s.errors[i];
  j["errors"] = errors;
  j["errors_total"] = s.errors_total();
  j["rss_bytes"] = hlsmesh::resident_bytes();
  if (delivery) j["delivery"] = delivery->stats_json(now_ms);
  return j.dump() + "\n";
}

std::string prometheus_text(const Stats& s, const Registry& r, int64_t now_ms, const Delivery* delivery) {
  std::string out;
  auto metric = [&out](const char* name, const char* type, const char* help, uint64_t value) {
    out += hlsmesh::prometheus::family(std::string("sigd_") + name, type, help);
    out += "sigd_";
    out += name;
    out += ' ';
    out += std::to_string(value);
    out += '\n';
  };
  metric("uptime_seconds", "gauge", "Seconds since start.", static_cast<uint64_t>((now_ms - s.started_ms) / 1000));
  metric("connections", "gauge", "Open TCP connections (HTTP and WebSocket).", s.connections_open);
  metric("ws_connections", "gauge", "Open tracker WebSocket connections.", s.ws_open);
  metric("connections_total", "counter", "Connections accepted.", s.connections_total);
  metric("swarms", "gauge", "Swarms with at least one peer.", r.swarm_count());
  metric("peers", "gauge", "Peers in all swarms.", r.peer_count());
  metric("ws_peers", "gauge", "WebSocket peers in all swarms.", r.ws_peer_count());
  metric("seeders", "gauge", "Seeders in all swarms.", r.seeder_count());
  metric("announces_total", "counter", "Announces (WebSocket and HTTP).", s.announces);
  metric("scrapes_total", "counter", "Scrapes (WebSocket and HTTP).", s.scrapes);
  metric("offers_relayed_total", "counter", "WebRTC offers relayed.", s.offers_relayed);
  metric("answers_relayed_total", "counter", "WebRTC answers relayed.", s.answers_relayed);
  metric("peers_expired_total", "counter", "Peers dropped after 2 x their kind's interval without an announce.",
         s.peers_expired);
  metric("messages_in_total", "counter", "WebSocket messages received.", s.messages_in);
  metric("messages_out_total", "counter", "WebSocket messages sent.", s.messages_out);
  metric("bytes_in_total", "counter", "WebSocket payload bytes received.", s.bytes_in);
  metric("bytes_out_total", "counter", "WebSocket payload bytes sent.", s.bytes_out);
  metric("http_requests_total", "counter", "HTTP requests.", s.http_requests);
  metric("feed_subscribers", "gauge", "Subscribers of /events.", s.feed_subscribers);
  metric("feed_events_total", "counter", "Events relayed to the feed.", s.feed_events);
  metric("feed_dropped_total", "counter", "Slow feed subscribers dropped.", s.feed_dropped);
  metric("replaced_connections_total", "counter",
         "WebSocket connections replaced by their viewer reconnecting with the same peer_id from the same address.",
         s.replaced_connections);
  metric("resident_memory_bytes", "gauge", "Resident set size.", hlsmesh::resident_bytes());
  out += "# HELP sigd_errors_total Rejected input by kind.\n# TYPE sigd_errors_total counter\n";
  for (size_t i = 0; i < s.errors.size(); ++i) {
    out += "sigd_errors_total{kind=\"";
    out += kErrorNames[i];
    out += "\"} ";
    out += std::to_string(s.errors[i]);
    out += '\n';
  }
  if (delivery) out += delivery->prometheus_text(now_ms);
  return out;
}

}  // namespace hlsmesh::sigd
