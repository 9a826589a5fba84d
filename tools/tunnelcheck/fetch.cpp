#include "fetch.hpp"

#include "common/signals.hpp"
#include "common/text.hpp"
#include "common/time_util.hpp"

namespace hlsmesh::tunnelcheck {

long Deadline::remaining_ms() const {
  int64_t left = end_ms - hlsmesh::monotonic_ms();
  return left > 0 ? static_cast<long>(left) : 0;
}

bool Fetcher::start(const std::string& method, const std::string& url, std::vector<std::string> headers,
                    size_t max_bytes, hlsmesh::http::Client::Callback on_done) {
  long left = deadline_.remaining_ms();
  if (left < 50) return false;
  hlsmesh::http::Request rq;
  rq.method = method;
  rq.url = url;
  rq.headers = std::move(headers);
  rq.headers.push_back("User-Agent: tunnelcheck (hlsmesh)");
  rq.timeout_ms = left;
  rq.connect_timeout_ms = std::min<long>(left, 10000);
  rq.max_body_bytes = max_bytes;
  ++requests_;
  client_.start(std::move(rq), std::move(on_done));
  return true;
}

bool Fetcher::wait(long ms) {
  const int64_t end = hlsmesh::monotonic_ms() + std::min(ms, deadline_.remaining_ms());
  while (!hlsmesh::signals::stop_requested()) {
    long left = static_cast<long>(end - hlsmesh::monotonic_ms());
    if (left <= 0) return true;
    if (client_.poll(static_cast<int>(std::min(left, 1000L)), hlsmesh::signals::wake_fd())) hlsmesh::signals::drain();
  }
  return false;
}

namespace {

// The request got no HTTP answer: what curl says, named for what it means here.
void report_transfer_failure(const hlsmesh::http::Response& r, const std::string& subject, Report& report,
                             const std::string& what) {
  switch (r.curl_code) {
    case CURLE_OPERATION_TIMEDOUT:
      report.add(Severity::critical, "timeout", subject,
                 what + ": no complete answer before the --timeout deadline (" + r.error + ")",
                 "the server hangs or is too slow; check the origin and the tunnel, or raise --timeout");
      break;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
      report.add(Severity::critical, "connect-failed", subject, what + ": " + r.error,
                 "check the host name, DNS and that the server listens on that port");
      break;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
      report.add(Severity::critical, "body-cut", subject,
                 what + ": the server closed the connection mid-body (" + r.error + ")",
                 "the origin or a proxy drops long responses; check its logs, timeouts and disk");
      break;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_GOT_NOTHING:
    case CURLE_UNSUPPORTED_PROTOCOL:
      report.add(Severity::critical, "bad-http-response", subject,
                 what + ": not a valid HTTP response (" + r.error + ")",
                 "something other than an HTTP server answers there (wrong port, TLS vs plain http)");
      break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
      report.add(Severity::critical, "tls-failed", subject, what + ": " + r.error,
                 "fix the certificate (multi-level subdomains are not covered by Universal SSL)");
      break;
    default:
      report.add(Severity::critical, "fetch-failed", subject, what + ": " + r.error, "check the URL and the server");
  }
}

// An HTTP answer with a status not expected: Cloudflare's own (tunnel down,
// origin down or slow, no ingress rule) told apart from the origin's.
void report_bad_status(const hlsmesh::http::Response& r, const std::string& subject, const std::vector<long>& expected,
                       Report& report, const std::string& what) {
  const bool via_cloudflare = hlsmesh::ascii_lower(r.header("server")) == "cloudflare" || !r.header("cf-ray").empty();
  const std::string status = std::to_string(r.status);
  if (r.status == 530 && (r.body.find("1033") != std::string::npos || via_cloudflare)) {
    report.add(Severity::critical, "cf-tunnel-down", subject,
               what + ": HTTP 530" + (r.body.find("1033") != std::string::npos ? " (error 1033)" : "") +
                   ": Cloudflare has no healthy cloudflared connection for this tunnel",
               "start cloudflared (systemctl status cloudflared; cloudflared tunnel info NAME) and check its "
               "credentials-file");
  } else if (r.status == 502 && via_cloudflare) {
    report.add(Severity::critical, "cf-origin-down", subject,
               what + ": HTTP 502 from Cloudflare: cloudflared is up but cannot reach the origin service",
               "start the origin, or fix the service URL's port and scheme in the ingress rule (tunnelcheck config "
               "--probe-origins)");
  } else if (r.status == 524) {
    report.add(Severity::critical, "cf-origin-timeout", subject,
               what + ": HTTP 524: the origin accepted the connection but sent nothing for about 100 s",
               "the origin hangs; answer playlist reloads immediately (no blocking reloads through the tunnel)");
  } else if (r.status == 404 && via_cloudflare && r.body.size() < 64) {
    report.add(Severity::critical, "cf-no-ingress-rule", subject,
               what +
                   ": HTTP 404 with an empty body through Cloudflare: most likely no ingress rule matched and the "
                   "catch-all (http_status:404) answered",
               "add a rule for this hostname and path above the catch-all (check with: tunnelcheck route URL --config "
               "config.yml)");
  } else {
    report.add(r.status >= 400 || r.status < 200 ? Severity::critical : Severity::warning, "http-" + status, subject,
               what + ": HTTP " + status + " (expected " + std::to_string(expected.front()) + ")",
               r.status == 404   ? "check that the path exists on the server and is uploaded"
               : r.status == 403 ? "check the bucket/server permissions and any Access policy"
               : r.status >= 300 && r.status < 400
                   ? "point at the final URL (" + hlsmesh::http::redact_url(r.header("location")) + ")"
                   : "check the server logs");
  }
}

}  // namespace

bool check_response(const hlsmesh::http::Response& r, const std::string& subject, const std::vector<long>& expected,
                    Report& report, const std::string& what) {
  if (r.curl_code != CURLE_OK) {
    report_transfer_failure(r, subject, report, what);
    return false;
  }
  for (long s : expected)
    if (r.status == s) return true;
  report_bad_status(r, subject, expected, report, what);
  return false;
}

}  // namespace hlsmesh::tunnelcheck
