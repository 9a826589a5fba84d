#include "tools/sigd/core/delivery.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace hlsmesh::sigd {

namespace {

constexpr std::string_view kRefusalNames[] = {"body_size", "json",         "field",        "stale",      "rate_conn",
                                              "rate_ip",   "viewer_limit", "stream_limit", "relay_token"};
static_assert(std::size(kRefusalNames) == static_cast<size_t>(ReportRefusal::count_));

// How much of the time between two reports counts as watched: a page that
// slept for an hour did not watch for an hour.
constexpr double kMaxGapS = 30;

uint64_t grew(uint64_t now, uint64_t before) { return now > before ? now - before : 0; }

}  // namespace

std::string_view refusal_name(ReportRefusal r) { return kRefusalNames[static_cast<size_t>(r)]; }

std::optional<ReportRefusal> Delivery::report(std::string_view body, int64_t now_ms, std::string& error) {
  std::optional<ReportRefusal> refusal;
  if (body.size() > limits_.max_body) {
    error = "report of " + std::to_string(body.size()) + " bytes; at most " + std::to_string(limits_.max_body);
    refusal = ReportRefusal::body_size;
  } else if (auto r = parse_report(doc_, body, error)) {
    refusal = fold(*r, now_ms, error);
  } else {
    refusal = error.rfind("not JSON", 0) == 0 || error.rfind("a report is", 0) == 0 ? ReportRefusal::json
                                                                                   : ReportRefusal::field;
  }
  if (refusal) refuse(*refusal);
  else ++accepted_;
  return refusal;
}

std::optional<size_t> Delivery::series_for(const std::string& stream, const std::string& rendition, int64_t now_ms) {
  std::string name = stream;
  name += '\n';
  name += rendition;
  if (auto it = series_index_.find(name); it != series_index_.end()) return it->second;
  if (series_.size() >= limits_.max_series) return std::nullopt;
  Series s;
  s.key = {stream, rendition};
  s.first_ms = now_ms;
  series_.push_back(std::move(s));
  series_index_.emplace(std::move(name), series_.size() - 1);
  return series_.size() - 1;
}

Delivery::Bucket& Delivery::bucket(Series& s, int64_t now_ms) {
  const int64_t index = now_ms / kBucketMs;
  Bucket& b = s.ring[static_cast<size_t>(index) % kBuckets];
  if (b.index != index) b = Bucket{.index = index};
  return b;
}

std::optional<ReportRefusal> Delivery::fold(const ViewerReport& r, int64_t now_ms, std::string& error) {
  auto vit = viewers_.find(r.id);
  if (vit == viewers_.end() && viewers_.size() >= limits_.max_viewers) {
    error = "too many live viewers (" + std::to_string(limits_.max_viewers) + "); try again later";
    return ReportRefusal::viewer_limit;
  }
  if (vit != viewers_.end() && r.seq <= vit->second.seq) {
    error = "seq " + std::to_string(r.seq) + " is not after " + std::to_string(vit->second.seq);
    return ReportRefusal::stale;
  }
  auto index = series_for(r.stream, r.rendition, now_ms);
  if (!index) {
    error = "too many streams (" + std::to_string(limits_.max_series) + ")";
    return ReportRefusal::stream_limit;
  }
  const bool fresh = vit == viewers_.end();
  Viewer& v = fresh ? viewers_[r.id] : vit->second;
  Series& s = series_[*index];
  if (fresh || v.series != *index) {
    if (!fresh) --series_[v.series].live;  // switched rendition
    ++s.live;
  }
  Bucket& b = bucket(s, now_ms);
  const uint64_t p2p = grew(r.p2p, v.p2p), cdn = grew(r.cdn, v.cdn), origin = grew(r.origin, v.origin),
                 other = grew(r.other, v.other), up = grew(r.up, v.up);
  b.p2p += p2p, b.cdn += cdn, b.origin += origin, b.other += other, b.up += up;
  s.total_p2p += p2p, s.total_cdn += cdn, s.total_origin += origin, s.total_other += other, s.total_up += up;
  if (!fresh) b.watched_s += std::min(kMaxGapS, static_cast<double>(now_ms - v.last_ms) / 1000.0);
  b.stalls += r.stalls > v.stalls ? r.stalls - v.stalls : 0;
  b.stalled_s += std::max(0.0, r.stalled_s - v.stalled_s);
  b.reports += 1;
  b.peers += r.peers;
  b.viewers = std::max(b.viewers, s.live);
  if (r.latency) ++b.latency[std::min(kLatencyBins - 1, static_cast<size_t>(*r.latency * 2))];
  s.last_ms = now_ms;
  if (cdn) s.cdn_seen = true;
  if (origin && (s.cdn_seen || cdn_known_) && !s.origin_alarmed) s.origin_alarmed = s.alarm_pending = true;
  v = Viewer{*index, r.seq, r.p2p, r.cdn, r.origin, r.other, r.up, r.stalls, r.stalled_s, now_ms};
  return std::nullopt;
}

void Delivery::expire(int64_t now_ms) {
  std::erase_if(relays_, [&](const auto& r) { return now_ms - r.second.last_ms > limits_.viewer_ttl_ms; });
  for (auto it = viewers_.begin(); it != viewers_.end();) {
    if (now_ms - it->second.last_ms > limits_.viewer_ttl_ms) {
      --series_[it->second.series].live;
      it = viewers_.erase(it);
    } else {
      ++it;
    }
  }
  // A stream with no viewer and nothing in its history is forgotten; the
  // last one takes its place in the vector.
  const int64_t history_ms = static_cast<int64_t>(kBuckets) * kBucketMs;
  for (size_t i = 0; i < series_.size();) {
    if (series_[i].live > 0 || now_ms - series_[i].last_ms < history_ms) {
      ++i;
      continue;
    }
    const size_t last = series_.size() - 1;
    series_index_.erase(series_[i].key.stream + '\n' + series_[i].key.rendition);
    if (i != last) {
      series_[i] = std::move(series_[last]);
      series_index_[series_[i].key.stream + '\n' + series_[i].key.rendition] = i;
      for (auto& [id, v] : viewers_)
        if (v.series == last) v.series = i;
    }
    series_.pop_back();
  }
}

std::vector<std::pair<std::string, std::string>> Delivery::take_origin_alarms() {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& s : series_)
    if (s.alarm_pending) {
      s.alarm_pending = false;
      out.emplace_back(s.key.stream, s.key.rendition);
    }
  return out;
}

WindowFigures Delivery::window(const Series& s, int64_t now_ms, int window_s) const {
  WindowFigures w;
  w.window_s = window_s;
  w.viewers = s.live;
  const int64_t newest = now_ms / kBucketMs, count = window_s * 1000 / kBucketMs;
  std::array<uint64_t, kLatencyBins> latency{};
  uint64_t peers = 0, samples = 0;
  double watched = 0, stalled = 0;
  for (const Bucket& b : s.ring) {
    if (b.index < 0 || b.index > newest || b.index <= newest - count) continue;
    w.p2p += b.p2p, w.cdn += b.cdn, w.origin += b.origin, w.other += b.other, w.up += b.up, w.relay += b.relay;
    w.stalls += b.stalls, w.reports += b.reports, peers += b.peers;
    watched += b.watched_s, stalled += b.stalled_s;
    for (size_t i = 0; i < kLatencyBins; ++i) latency[i] += b.latency[i], samples += b.latency[i];
  }
  const uint64_t total = w.p2p + w.cdn + w.origin + w.other;
  w.p2p_share = total ? static_cast<double>(w.p2p) / static_cast<double>(total) : 0;
  // Rates over the part of the window the stream has existed.
  const double span_s =
      std::max(1.0, static_cast<double>(std::min<int64_t>(window_s * 1000LL, now_ms - s.first_ms)) / 1000.0);
  w.p2p_bps = static_cast<double>(w.p2p) / span_s, w.cdn_bps = static_cast<double>(w.cdn) / span_s;
  w.origin_bps = static_cast<double>(w.origin) / span_s, w.other_bps = static_cast<double>(w.other) / span_s;
  w.relay_bps = static_cast<double>(w.relay) / span_s;
  std::tie(w.relays, w.relay_peers) = relays_of(s, now_ms);
  w.stall_ratio = watched > 0 ? std::min(1.0, stalled / watched) : 0;
  w.peers_per_viewer = w.reports ? static_cast<double>(peers) / static_cast<double>(w.reports) : 0;
  auto percentile = [&](double q) -> std::optional<double> {
    if (!samples) return std::nullopt;
    const auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(samples)));
    uint64_t seen = 0;
    for (size_t i = 0; i < kLatencyBins; ++i)
      if ((seen += latency[i]) >= std::max<uint64_t>(rank, 1)) return (static_cast<double>(i) + 0.5) / 2.0;
    return std::nullopt;
  };
  w.latency_p50 = percentile(0.5);
  w.latency_p95 = percentile(0.95);
  return w;
}

std::vector<std::pair<Delivery::Key, WindowFigures>> Delivery::figures(int64_t now_ms, int window_s) const {
  std::vector<std::pair<Key, WindowFigures>> out;
  out.reserve(series_.size());
  for (const auto& s : series_) out.emplace_back(s.key, window(s, now_ms, window_s));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first.stream, a.first.rendition) < std::tie(b.first.stream, b.first.rendition);
  });
  return out;
}

}  // namespace hlsmesh::sigd
