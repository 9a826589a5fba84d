// POST /report: viewers' delivery reports (www/report.js) read off lws's
// HTTP body callbacks into the Delivery aggregates; POST /relay-report: a
// relay's (meshrelay) report of what it served, with sigd's relay token as
// its bearer token (never logged: the viewers' figures would be at the mercy
// of anyone who could post one); and the 10 s tick that
// expires silent viewers, names streams served from the origin and sends a
// `delivery` event per stream to the feed's subscribers.
#include <chrono>

#include "common/log.hpp"
#include "common/time_util.hpp"
#include "tools/sigd/server.hpp"

namespace hlsmesh::sigd {

namespace log = hlsmesh::log;

namespace {

// Bytes of a body read and dropped beyond the cap before answering 413: a
// client gets its answer instead of a reset, and no more than this is read.
constexpr size_t kMaxDrained = 2 * 1024 * 1024;

unsigned status_of(ReportRefusal r) {
  switch (r) {
    case ReportRefusal::body_size: return 413;
    case ReportRefusal::rate_conn:
    case ReportRefusal::rate_ip: return 429;
    case ReportRefusal::viewer_limit:
    case ReportRefusal::stream_limit: return 503;
    default: return 400;
  }
}

}  // namespace

int Server::report_begin(lws* wsi, std::string_view path, const PeerAddr& client) {
  ReportConn& rc = report_conns_[wsi];
  if (!rc.started) rc.bucket = delivery_.connection_bucket(hlsmesh::monotonic_ms());
  rc.started = true;
  rc.client = client;
  rc.body.clear();
  rc.received = 0;
  rc.relay = path == "/relay-report";
  rc.wrong_path = path != "/report" && !rc.relay;
  rc.relay_authorized = rc.relay && relay_authorized(wsi);
  // Without a body lws sends no body callbacks: answer now.
  char length[24] = "";
  const bool has_length = lws_hdr_copy(wsi, length, sizeof length, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0;
  const bool chunked = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
  if (chunked) {  // browsers send a Content-Length; refusing the rest keeps the drain bounded
    delivery_.refuse(ReportRefusal::body_size);
    lws_return_http_status(wsi, HTTP_STATUS_LENGTH_REQUIRED, "report refused: send a Content-Length, not chunks");
    return -1;
  }
  if (!has_length || std::string_view(length) == "0") return report_complete(wsi);
  return 0;  // the body follows in LWS_CALLBACK_HTTP_BODY
}

int Server::report_body(lws* wsi, const void* in, size_t len) {
  auto it = report_conns_.find(wsi);
  if (it == report_conns_.end()) return -1;  // a body for something else than /report
  ReportConn& rc = it->second;
  rc.received += len;
  if (rc.received > kMaxDrained) {
    delivery_.refuse(ReportRefusal::body_size);
    return -1;
  }
  // Kept up to one byte past the cap: enough for Delivery to refuse it.
  const size_t cap = rc.relay ? Delivery::kMaxRelayBody : delivery_.max_body();
  const size_t room = std::max(rc.body.size(), cap + 1) - rc.body.size();
  rc.body.append(static_cast<const char*>(in), std::min(len, room));
  return 0;
}

int Server::report_complete(lws* wsi) {
  auto it = report_conns_.find(wsi);
  if (it == report_conns_.end()) return -1;
  ReportConn& rc = it->second;
  if (rc.wrong_path)
    return respond(wsi, 405, "text/plain; charset=utf-8",
                   "method not allowed: sigd takes POST only at /report (viewer delivery reports) and "
                   "/relay-report (meshrelay)\n",
                   {{"allow", "GET, HEAD, OPTIONS"}});
  const int64_t now = hlsmesh::monotonic_ms();
  if (rc.relay) return relay_report_complete(wsi, rc, now);
  std::string error;
  std::optional<ReportRefusal> refusal;
  if (!rc.bucket.take(now)) {
    refusal = ReportRefusal::rate_conn;
    error = "more than one report a second on this connection; the page reports every 10 s";
  } else if (!report_limit_.take(rc.client, now)) {
    refusal = ReportRefusal::rate_ip;
    error = "too many reports from this address; raise sigd --report-rate if a venue's viewers share it";
  } else if (rc.received > delivery_.max_body()) {
    refusal = ReportRefusal::body_size;
    error = "report of " + std::to_string(rc.received) + " bytes; at most " + std::to_string(delivery_.max_body());
  }
  if (refusal) delivery_.refuse(*refusal);
  else refusal = delivery_.report(rc.body, now, error);
  rc.body.clear();
  rc.body.shrink_to_fit();
  const std::vector<std::pair<std::string, std::string>> no_store = {{"cache-control", "no-store"}};
  if (!refusal) return respond(wsi, 204, "text/plain", {}, no_store);
  return respond(wsi, status_of(*refusal), "text/plain; charset=utf-8", "report refused: " + error + "\n", no_store);
}

// No per-address limit for a relay: it shows the token, and it may well sit
// behind the same address as the viewers it serves.
int Server::relay_report_complete(lws* wsi, ReportConn& rc, int64_t now) {
  std::string error;
  std::optional<ReportRefusal> refusal;
  if (!rc.relay_authorized) {
    refusal = ReportRefusal::relay_token;
    error = relays_.enabled() ? "no valid relay token (Authorization: Bearer, meshrelay --relay-token)"
                              : "this sigd takes no relay reports: start it with --relay-token";
  } else if (!rc.bucket.take(now)) {
    refusal = ReportRefusal::rate_conn;
    error = "more than one report a second on this connection; a relay reports every 10 s";
  } else if (rc.received > Delivery::kMaxRelayBody) {
    refusal = ReportRefusal::body_size;
    error = "relay report of " + std::to_string(rc.received) + " bytes; at most " +
            std::to_string(Delivery::kMaxRelayBody);
  }
  if (refusal) delivery_.refuse(*refusal);
  else refusal = delivery_.relay_report(rc.body, now, error);
  rc.body.clear();
  rc.body.shrink_to_fit();
  const std::vector<std::pair<std::string, std::string>> no_store = {{"cache-control", "no-store"}};
  if (!refusal) return respond(wsi, 204, "text/plain", {}, no_store);
  const unsigned status = *refusal == ReportRefusal::relay_token ? 403 : status_of(*refusal);
  return respond(wsi, status, "text/plain; charset=utf-8", "relay report refused: " + error + "\n", no_store);
}

bool Server::relay_authorized(lws* wsi) const {
  char header[320] = "";
  if (lws_hdr_copy(wsi, header, sizeof header, WSI_TOKEN_HTTP_AUTHORIZATION) <= 0) return false;
  std::string_view value(header);
  constexpr std::string_view kBearer = "Bearer ";
  if (value.substr(0, kBearer.size()) != kBearer) return false;
  return relays_.accepts(value.substr(kBearer.size()));
}

void Server::schedule_delivery() {
  delivery_timer_.server = this;
  lws_sul_schedule(context_.get(), 0, &delivery_timer_.sul, &Server::delivery_timer,
                   Delivery::kBucketMs / 1000 * LWS_US_PER_SEC);
}

void Server::delivery_timer(lws_sorted_usec_list_t* sul) {
  auto* timer = reinterpret_cast<DeliveryTimer*>(sul);
  timer->server->delivery_tick();
  timer->server->schedule_delivery();
}

void Server::delivery_tick() {
  const int64_t now = hlsmesh::monotonic_ms();
  delivery_.expire(now);
  report_limit_.prune(now);
  for (const auto& [stream, rendition] : delivery_.take_origin_alarms())
    log::warning("viewers fetch segments from the page's own origin although a CDN serves this stream: "
                 "the origin carries what the CDN should; check the viewer page's src= and the playlist's "
                 "segment URLs",
                 {{"stream", stream}, {"rendition", rendition}});
  if (subscribers_.empty()) return;
  const std::string time = hlsmesh::format_iso8601_ms(std::chrono::system_clock::now());
  for (auto& e : delivery_.events(now)) {
    e["time"] = time;
    feed_event(hlsmesh::Json(e));
  }
}

}  // namespace hlsmesh::sigd
