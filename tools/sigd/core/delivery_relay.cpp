// Relays' reports (POST /relay-report, sent by meshrelay with sigd's relay
// token): what each relay served to viewers per stream and rendition, folded
// into the same series as the viewers' own reports, so /stats.json, /metrics
// and the dashboard show relay bytes beside peers, CDN and origin. Relay
// reports are few (one per relay every 10 s), so nlohmann's parser is fine.
#include <cmath>

#include <nlohmann/json.hpp>

#include "tools/sigd/core/delivery.hpp"

namespace hlsmesh::sigd {

namespace {

constexpr double kMaxBytes = 1125899906842624.0;  // 2^50, as viewer reports
constexpr size_t kMaxRows = 64;

bool printable(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

// A whole number in [0, max] at j[key]; false and `error` naming the field.
template <typename T>
bool whole(const nlohmann::json& j, const char* key, double max, T& out, std::string& error, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) {
    error = "field " + where + key + (it == j.end() ? " is missing" : " must be a number");
    return false;
  }
  const double v = it->get<double>();
  if (!std::isfinite(v) || v < 0 || v > max || v != std::floor(v)) {
    error = "field " + where + key + " must be a whole number from 0 to " + std::to_string(static_cast<uint64_t>(max));
    return false;
  }
  out = static_cast<T>(v);
  return true;
}

bool text(const nlohmann::json& j, const char* key, size_t min, size_t max, std::string& out, std::string& error,
          const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) {
    error = "field " + where + key + (it == j.end() ? " is missing" : " must be a string");
    return false;
  }
  out = it->get<std::string>();
  if (out.size() < min || out.size() > max || !printable(out)) {
    error = "field " + where + key + " must be " + std::to_string(min) + " to " + std::to_string(max) +
            " printable bytes";
    return false;
  }
  return true;
}

bool row(const nlohmann::json& j, size_t i, RelayReport::Row& r, std::string& error) {
  const std::string where = "streams[" + std::to_string(i) + "].";
  if (!j.is_object()) {
    error = "field " + where.substr(0, where.size() - 1) + " must be an object";
    return false;
  }
  return text(j, "stream", 1, 256, r.stream, error, where) && text(j, "rendition", 0, 64, r.rendition, error, where) &&
         whole(j, "bytes", kMaxBytes, r.bytes, error, where) && whole(j, "peers", 10000, r.peers, error, where);
}

}  // namespace

std::optional<RelayReport> parse_relay_report(std::string_view body, std::string& error) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error = "not JSON, or not an object; a relay report is {\"v\":1,\"relay\":…,\"seq\":…,\"streams\":[…]}";
    return std::nullopt;
  }
  RelayReport r;
  uint32_t v = 0;
  if (!whole(j, "v", 1, v, error, "") || !text(j, "relay", 8, 64, r.relay, error, "") ||
      !whole(j, "seq", 1e12, r.seq, error, ""))
    return std::nullopt;
  auto streams = j.find("streams");
  if (streams == j.end() || !streams->is_array() || streams->size() > kMaxRows) {
    error = "field streams must be an array of at most " + std::to_string(kMaxRows) + " rows";
    return std::nullopt;
  }
  for (size_t i = 0; i < streams->size(); ++i)
    if (!row((*streams)[i], i, r.rows.emplace_back(), error)) return std::nullopt;
  return r;
}

std::optional<ReportRefusal> Delivery::relay_report(std::string_view body, int64_t now_ms, std::string& error) {
  std::optional<ReportRefusal> refusal;
  if (body.size() > kMaxRelayBody) {
    error = "relay report of " + std::to_string(body.size()) + " bytes; at most " + std::to_string(kMaxRelayBody);
    refusal = ReportRefusal::body_size;
  } else if (auto r = parse_relay_report(body, error)) {
    refusal = fold_relay(*r, now_ms, error);
  } else {
    refusal = error.rfind("not JSON", 0) == 0 ? ReportRefusal::json : ReportRefusal::field;
  }
  if (refusal) refuse(*refusal);
  else ++relay_accepted_;
  return refusal;
}

// Each row adds what grew since the relay's previous report to its series'
// current bucket, as a viewer's cumulative counters do.
std::optional<ReportRefusal> Delivery::fold_relay(const RelayReport& r, int64_t now_ms, std::string& error) {
  auto it = relays_.find(r.relay);
  if (it == relays_.end() && relays_.size() >= kMaxRelays) {
    error = "too many live relays (" + std::to_string(kMaxRelays) + ")";
    return ReportRefusal::viewer_limit;
  }
  if (it != relays_.end() && r.seq <= it->second.seq) {
    error = "seq " + std::to_string(r.seq) + " is not after " + std::to_string(it->second.seq);
    return ReportRefusal::stale;
  }
  Relay& relay = relays_[r.relay];
  relay.seq = r.seq;
  relay.last_ms = now_ms;
  for (const auto& row : r.rows) {
    auto index = series_for(row.stream, row.rendition, now_ms);
    if (!index) {
      error = "too many streams (" + std::to_string(limits_.max_series) + ")";
      return ReportRefusal::stream_limit;
    }
    Series& s = series_[*index];
    RelayServed& served = relay.served[s.key.stream + '\n' + s.key.rendition];
    const uint64_t grown = row.bytes > served.bytes ? row.bytes - served.bytes : 0;
    bucket(s, now_ms).relay += grown;
    s.total_relay += grown;
    s.last_ms = now_ms;
    served = {row.bytes, row.peers};
  }
  return std::nullopt;
}

std::pair<uint32_t, uint32_t> Delivery::relays_of(const Series& s, int64_t now_ms) const {
  const std::string name = s.key.stream + '\n' + s.key.rendition;
  uint32_t relays = 0, peers = 0;
  for (const auto& [id, relay] : relays_) {
    if (now_ms - relay.last_ms > limits_.viewer_ttl_ms) continue;
    if (auto it = relay.served.find(name); it != relay.served.end()) ++relays, peers += it->second.peers;
  }
  return {relays, peers};
}

}  // namespace hlsmesh::sigd
