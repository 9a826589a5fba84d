#pragma once
// Measured delivery: viewer reports (POST /report) validated, rate limited
// and folded into per stream and rendition aggregates over sliding windows.
// No I/O and O(1) per report (a hash lookup and a few additions), so a flood
// of reports costs the tracker next to nothing; memory is bounded by the
// caps on streams and live viewers. The per-IP rate limit is the server's
// (IpRateLimit, as for HTTP announces).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/sigd/core/access.hpp"
#include "tools/sigd/core/json_view.hpp"

namespace hlsmesh::sigd {

struct DeliveryLimits {
  size_t max_body = 4096;         // bytes of one report
  size_t max_series = 64;         // (stream, rendition) pairs held at once
  size_t max_viewers = 20000;     // live viewers held at once
  int64_t viewer_ttl_ms = 30000;  // a viewer not heard from for this long has left
  double conn_rate = 1, conn_burst = 5;  // reports/s per connection
};

// One viewer report, as the page sends it (www/report.js). Byte counters
// are cumulative since the page loaded: a lost report loses nothing.
struct ViewerReport {
  std::string id, stream, rendition, state;
  uint64_t seq = 0;
  uint64_t p2p = 0, cdn = 0, origin = 0, other = 0, up = 0;
  uint32_t peers = 0, stalls = 0;
  double stalled_s = 0;
  std::optional<double> latency;  // seconds behind live; null before playback
};

// A report's fields checked one by one: nullopt and `error` naming the field
// and what is wrong with it. Unknown fields are refused too.
std::optional<ViewerReport> parse_report(json::Document& doc, std::string_view body, std::string& error);

// A relay's report (POST /relay-report, meshrelay): what it served to
// viewers per stream and rendition, cumulative since the relay started (a
// lost report loses nothing). `relay` is the relay's id for this run.
struct RelayReport {
  struct Row {
    std::string stream, rendition;
    uint64_t bytes = 0;
    uint32_t peers = 0;
  };
  std::string relay;
  uint64_t seq = 0;
  std::vector<Row> rows;
};

// The same checks as parse_report, for a relay's report.
std::optional<RelayReport> parse_relay_report(std::string_view body, std::string& error);

// Why a report was refused, counted separately (and the HTTP status it gets).
enum class ReportRefusal : int {
  body_size, json, field, stale, rate_conn, rate_ip, viewer_limit, stream_limit, relay_token, count_
};
std::string_view refusal_name(ReportRefusal r);

// What /stats.json, /metrics, the `delivery` event and the dashboard show
// for one stream and rendition over one window.
struct WindowFigures {
  int window_s = 0;
  uint64_t viewers = 0;
  uint64_t p2p = 0, cdn = 0, origin = 0, other = 0, up = 0;  // bytes in the window
  uint64_t relay = 0;  // bytes relays served (their own reports; part of what viewers got from peers)
  uint32_t relays = 0, relay_peers = 0;  // relays heard from in the last 30 s, their peers
  double p2p_share = 0;                                       // p2p / (p2p + cdn + origin + other)
  double p2p_bps = 0, cdn_bps = 0, origin_bps = 0, other_bps = 0, relay_bps = 0;
  uint64_t stalls = 0;
  double stall_ratio = 0;  // stalled seconds / watched seconds
  std::optional<double> latency_p50, latency_p95;
  double peers_per_viewer = 0;
  uint64_t reports = 0;
};

class Delivery {
 public:
  static constexpr int64_t kBucketMs = 10'000;  // history resolution
  static constexpr size_t kBuckets = 180;       // 30 minutes of history

  explicit Delivery(DeliveryLimits limits = {}) : limits_(limits) {}

  TokenBucket connection_bucket(int64_t now_ms) const { return {limits_.conn_rate, limits_.conn_burst, now_ms}; }

  // Validates and folds one report body. nullopt when taken, else the refusal
  // (counted) with `error` saying why.
  std::optional<ReportRefusal> report(std::string_view body, int64_t now_ms, std::string& error);
  void refuse(ReportRefusal r) { ++refused_[static_cast<size_t>(r)]; }
  size_t max_body() const { return limits_.max_body; }

  // A relay's report (the caller checked its token), folded beside the
  // viewers' figures of the same stream and rendition.
  static constexpr size_t kMaxRelayBody = 32 * 1024;
  static constexpr size_t kMaxRelays = 256;
  std::optional<ReportRefusal> relay_report(std::string_view body, int64_t now_ms, std::string& error);
  uint64_t relay_reports() const { return relay_accepted_; }

  // Drops viewers not heard from for viewer_ttl_ms and streams idle for the
  // whole history. Called every few seconds.
  void expire(int64_t now_ms);

  // Streams whose viewers fetch segments from the page's origin while a CDN
  // exists (some viewer of it fetched from a CDN, or cdn_known()): each
  // returned once, for the log.
  std::vector<std::pair<std::string, std::string>> take_origin_alarms();
  // The feed carried a segment with a CDN URL (r2push's `url`).
  void set_cdn_known() { cdn_known_ = true; }

  nlohmann::ordered_json stats_json(int64_t now_ms) const;  // /stats.json's "delivery"
  std::string prometheus_text(int64_t now_ms) const;         // hlsmesh_delivery_*
  std::vector<nlohmann::ordered_json> events(int64_t now_ms) const;  // one `delivery` event per stream
  nlohmann::ordered_json history_json(int64_t now_ms) const;          // the dashboard's 30 minutes

  struct Key {
    std::string stream, rendition;
  };
  std::vector<std::pair<Key, WindowFigures>> figures(int64_t now_ms, int window_s) const;
  uint64_t accepted() const { return accepted_; }
  uint64_t refused(ReportRefusal r) const { return refused_[static_cast<size_t>(r)]; }
  size_t live_viewers() const { return viewers_.size(); }
  size_t series_count() const { return series_.size(); }

 private:
  static constexpr size_t kLatencyBins = 62;  // 0.5 s wide up to 30 s, then one open-ended bin
  struct Bucket {
    int64_t index = -1;  // now_ms / kBucketMs this bucket holds
    uint64_t p2p = 0, cdn = 0, origin = 0, other = 0, up = 0, relay = 0;
    double watched_s = 0, stalled_s = 0;
    uint32_t stalls = 0, reports = 0, viewers = 0;
    uint64_t peers = 0;
    std::array<uint32_t, kLatencyBins> latency{};
  };
  struct Series {
    Key key;
    std::vector<Bucket> ring = std::vector<Bucket>(kBuckets);
    uint32_t live = 0;  // viewers whose last report named this series
    int64_t first_ms = 0, last_ms = 0;
    uint64_t total_p2p = 0, total_cdn = 0, total_origin = 0, total_other = 0, total_up = 0, total_relay = 0;
    bool cdn_seen = false, origin_alarmed = false, alarm_pending = false;
  };
  struct Viewer {
    size_t series = 0;
    uint64_t seq = 0, p2p = 0, cdn = 0, origin = 0, other = 0, up = 0;
    uint32_t stalls = 0;
    double stalled_s = 0;
    int64_t last_ms = 0;
  };

  std::optional<ReportRefusal> fold(const ViewerReport& r, int64_t now_ms, std::string& error);
  // What one relay last reported for a series ("stream\nrendition").
  struct RelayServed {
    uint64_t bytes = 0;
    uint32_t peers = 0;
  };
  struct Relay {
    uint64_t seq = 0;
    int64_t last_ms = 0;
    std::unordered_map<std::string, RelayServed> served;
  };

  std::optional<size_t> series_for(const std::string& stream, const std::string& rendition, int64_t now_ms);
  std::optional<ReportRefusal> fold_relay(const RelayReport& r, int64_t now_ms, std::string& error);
  std::pair<uint32_t, uint32_t> relays_of(const Series& s, int64_t now_ms) const;  // relays, their peers
  Bucket& bucket(Series& s, int64_t now_ms);
  WindowFigures window(const Series& s, int64_t now_ms, int window_s) const;

  DeliveryLimits limits_;
  json::Document doc_;
  std::vector<Series> series_;
  std::unordered_map<std::string, size_t> series_index_;  // stream + '\n' + rendition
  std::unordered_map<std::string, Viewer> viewers_;
  std::unordered_map<std::string, Relay> relays_;  // by relay id
  uint64_t accepted_ = 0, relay_accepted_ = 0;
  std::array<uint64_t, static_cast<size_t>(ReportRefusal::count_)> refused_{};
  bool cdn_known_ = false;
};

}  // namespace hlsmesh::sigd
