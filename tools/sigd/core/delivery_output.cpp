// The delivery figures as /stats.json, Prometheus text, `delivery` events and
// the dashboard's history (field names: docs/sigd.md and docs/events.md).
#include <algorithm>
#include <cmath>

#include "common/prometheus.hpp"
#include "tools/sigd/core/delivery.hpp"

namespace hlsmesh::sigd {

namespace {

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

nlohmann::ordered_json optional(const std::optional<double>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json window_json(const WindowFigures& w) {
  nlohmann::ordered_json j;
  j["window_s"] = w.window_s;
  j["viewers"] = w.viewers;
  j["reports"] = w.reports;
  j["bytes"] = {{"p2p", w.p2p},     {"cdn", w.cdn}, {"origin", w.origin}, {"other", w.other},
                {"uploaded", w.up}, {"relays", w.relay}};
  j["p2p_share"] = round3(w.p2p_share);
  j["bytes_per_s"] = {{"p2p", std::round(w.p2p_bps)},
                      {"cdn", std::round(w.cdn_bps)},
                      {"origin", std::round(w.origin_bps)},
                      {"other", std::round(w.other_bps)},
                      {"relays", std::round(w.relay_bps)}};
  j["relays"] = w.relays;
  j["relay_peers"] = w.relay_peers;
  j["stalls"] = w.stalls;
  j["stall_ratio"] = round3(w.stall_ratio);
  j["latency_p50_s"] = optional(w.latency_p50);
  j["latency_p95_s"] = optional(w.latency_p95);
  j["peers_per_viewer"] = round3(w.peers_per_viewer);
  return j;
}

}  // namespace

nlohmann::ordered_json Delivery::stats_json(int64_t now_ms) const {
  nlohmann::ordered_json j;
  j["reports"] = accepted_;
  nlohmann::ordered_json refused = nlohmann::ordered_json::object();
  for (size_t i = 0; i < refused_.size(); ++i) refused[std::string(refusal_name(static_cast<ReportRefusal>(i)))] = refused_[i];
  j["refused"] = refused;
  j["viewers"] = viewers_.size();
  j["relay_reports"] = relay_accepted_;
  j["relays"] = relays_.size();
  j["streams"] = nlohmann::ordered_json::array();
  const auto one = figures(now_ms, 60), ten = figures(now_ms, 600);
  for (size_t i = 0; i < one.size(); ++i) {
    const auto& s = series_[series_index_.at(one[i].first.stream + '\n' + one[i].first.rendition)];
    const uint64_t total = s.total_p2p + s.total_cdn + s.total_origin + s.total_other;
    nlohmann::ordered_json st;
    st["stream"] = s.key.stream;
    st["rendition"] = s.key.rendition;
    st["viewers"] = s.live;
    st["origin_alarm"] = s.origin_alarmed;
    st["total"] = {{"p2p", s.total_p2p},       {"cdn", s.total_cdn},     {"origin", s.total_origin},
                   {"other", s.total_other},   {"uploaded", s.total_up}, {"relays", s.total_relay},
                   {"p2p_share", total ? round3(static_cast<double>(s.total_p2p) / static_cast<double>(total)) : 0.0}};
    st["last_report_s"] = (now_ms - s.last_ms) / 1000;
    st["1m"] = window_json(one[i].second);
    st["10m"] = window_json(ten[i].second);
    j["streams"].push_back(std::move(st));
  }
  return j;
}

std::string Delivery::prometheus_text(int64_t now_ms) const {
  std::string out;
  out += "# HELP hlsmesh_delivery_reports_total Viewer reports taken.\n# TYPE hlsmesh_delivery_reports_total counter\n";
  out += "hlsmesh_delivery_reports_total " + std::to_string(accepted_) + "\n";
  out += "# HELP hlsmesh_delivery_reports_refused_total Viewer reports refused, by reason.\n"
         "# TYPE hlsmesh_delivery_reports_refused_total counter\n";
  for (size_t i = 0; i < refused_.size(); ++i)
    out += "hlsmesh_delivery_reports_refused_total{reason=\"" + std::string(refusal_name(static_cast<ReportRefusal>(i))) + "\"} " +
           std::to_string(refused_[i]) + "\n";
  out += "# HELP hlsmesh_delivery_relay_reports_total Relay reports taken (meshrelay, POST /relay-report).\n"
         "# TYPE hlsmesh_delivery_relay_reports_total counter\n";
  out += "hlsmesh_delivery_relay_reports_total " + std::to_string(relay_accepted_) + "\n";
  const auto rows = figures(now_ms, 60);
  auto family = [&](const char* name, const char* type, const char* help, auto value) {
    const std::string metric = std::string("hlsmesh_delivery_") + name;
    out += hlsmesh::prometheus::family(metric, type, help);
    for (const auto& [key, w] : rows) {
      const auto v = value(key, w);
      if (!v) continue;
      out += metric + hlsmesh::prometheus::labels({{"stream", key.stream}, {"rendition", key.rendition}}) + ' ' +
             std::to_string(*v) + '\n';
    }
  };
  using K = const Key&;
  using W = const WindowFigures&;
  auto total = [this](K k, auto field) {
    return static_cast<double>(series_[series_index_.at(k.stream + '\n' + k.rendition)].*field);
  };
  family("viewers", "gauge", "Viewers heard from in the last 30 s.",
         [](K, W w) { return std::optional<double>(static_cast<double>(w.viewers)); });
  family("p2p_share", "gauge", "Share of segment bytes from peers over the last minute (0-1).",
         [](K, W w) { return std::optional<double>(w.p2p_share); });
  for (auto [name, field] : {std::pair{"p2p", &Series::total_p2p}, std::pair{"cdn", &Series::total_cdn},
                             std::pair{"origin", &Series::total_origin}, std::pair{"other", &Series::total_other}}) {
    const std::string metric = std::string("bytes_") + name + "_total";
    const std::string help = std::string("Segment bytes viewers got from ") + name + ".";
    // A copy, not the binding: clang before 16 cannot capture structured bindings.
    family(metric.c_str(), "counter", help.c_str(),
           [&, field = field](K k, W) { return std::optional<double>(total(k, field)); });
  }
  family("bytes_uploaded_total", "counter", "Bytes viewers uploaded to peers.",
         [&](K k, W) { return std::optional<double>(total(k, &Series::total_up)); });
  family("bytes_relay_total", "counter",
         "Segment bytes relays (meshrelay) served to viewers, as the relays report it; part of bytes_p2p.",
         [&](K k, W) { return std::optional<double>(total(k, &Series::total_relay)); });
  family("relays", "gauge", "Relays heard from in the last 30 s.",
         [](K, W w) { return std::optional<double>(static_cast<double>(w.relays)); });
  family("relay_peers", "gauge", "Viewers the relays serve, as they last reported.",
         [](K, W w) { return std::optional<double>(static_cast<double>(w.relay_peers)); });
  family("stall_ratio", "gauge", "Stalled seconds per watched second over the last minute.",
         [](K, W w) { return std::optional<double>(w.stall_ratio); });
  family("latency_p50_seconds", "gauge", "Median seconds behind live over the last minute.",
         [](K, W w) { return w.latency_p50; });
  family("latency_p95_seconds", "gauge", "95th percentile seconds behind live over the last minute.",
         [](K, W w) { return w.latency_p95; });
  family("peers_per_viewer", "gauge", "Mean connected peers per viewer over the last minute.",
         [](K, W w) { return std::optional<double>(w.peers_per_viewer); });
  return out;
}

std::vector<nlohmann::ordered_json> Delivery::events(int64_t now_ms) const {
  std::vector<nlohmann::ordered_json> out;
  for (const auto& [key, w] : figures(now_ms, 60)) {
    nlohmann::ordered_json e;
    e["event"] = "delivery";
    e["stream"] = key.stream;
    e["rendition"] = key.rendition;
    const nlohmann::ordered_json figures = window_json(w);
    for (auto it = figures.begin(); it != figures.end(); ++it) e[it.key()] = *it;
    out.push_back(std::move(e));
  }
  return out;
}

nlohmann::ordered_json Delivery::history_json(int64_t now_ms) const {
  nlohmann::ordered_json j;
  const int64_t newest = now_ms / kBucketMs;
  j["bucket_s"] = kBucketMs / 1000;
  j["streams"] = nlohmann::ordered_json::array();
  for (const auto& s : series_) {
    nlohmann::ordered_json st;
    st["stream"] = s.key.stream;
    st["rendition"] = s.key.rendition;
    st["origin_alarm"] = s.origin_alarmed;
    st["total"] = {{"p2p", s.total_p2p},     {"cdn", s.total_cdn},       {"origin", s.total_origin},
                   {"other", s.total_other}, {"relays", s.total_relay}};
    auto& points = st["points"] = nlohmann::ordered_json::array();
    // Oldest first; seconds ago of each bucket's start, so the page needs no clock.
    for (int64_t index = std::max<int64_t>(0, newest - static_cast<int64_t>(kBuckets) + 1); index <= newest; ++index) {
      const Bucket& b = s.ring[static_cast<size_t>(index) % kBuckets];
      if (b.index != index) continue;
      const uint64_t total = b.p2p + b.cdn + b.origin + b.other;
      points.push_back({(newest - index) * (kBucketMs / 1000), b.viewers,
                        total ? round3(static_cast<double>(b.p2p) / static_cast<double>(total)) : 0.0, b.p2p, b.cdn,
                        b.origin, b.other, b.relay});
    }
    j["streams"].push_back(std::move(st));
  }
  j["columns"] = {"ago_s", "viewers", "p2p_share", "p2p", "cdn", "origin", "other", "relay"};
  return j;
}

}  // namespace hlsmesh::sigd
