#include "tracker.hpp"

#include <libwebsockets.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>

#include "common/http_client.hpp"
#include "common/lws_client.hpp"
#include "common/log.hpp"
#include "common/time_util.hpp"
#include "url.hpp"

namespace hlsmesh::tunnelcheck {
namespace {

struct Failure {
  std::string code;
  std::string message;
  std::string fix;
};

// The outcome of one probe: a scrape answer (the JSON text) or a failure.
struct Outcome {
  bool done = false;
  std::string answer;
  std::optional<Failure> failure;
  int64_t upgraded_at_ms = 0;
};

// Upgrade answered with something else than 101: lws's reason text and, when
// it parsed one, the HTTP status say which.
Failure handshake_failure(lws* wsi, const std::string& reason) {
  int status = 0;
  if (wsi != nullptr) {
    status = static_cast<int>(lws_http_client_http_response(wsi));
    char code[8] = "";
    if (status == 0 && lws_hdr_copy(wsi, code, sizeof code, WSI_TOKEN_HTTP) > 0) status = std::atoi(code);
  }
  if (reason.find("Accept") != std::string::npos || reason.find("ACCEPT") != std::string::npos)
    return {"tracker-bad-accept", "the WebSocket upgrade carries a wrong or no Sec-WebSocket-Accept (" + reason + ")",
            "a proxy in between mangles the handshake; check what answers on that path"};
  if (status > 0 || reason.find("101") != std::string::npos || reason.find("upgrade") != std::string::npos) {
    std::string what = status > 0 ? "HTTP " + std::to_string(status) : reason;
    return {"tracker-no-upgrade",
            "the WebSocket upgrade was answered " + what + " instead of 101 Switching Protocols" +
                (status == 530   ? ": the tunnel is down"
                 : status == 502 ? ": the tracker behind the tunnel is down"
                                 : ""),
            "route the tracker path to the tracker's http:// service in config.yml and enable WebSockets on the zone"};
  }
  const bool tls = reason.find("ssl") != std::string::npos || reason.find("tls") != std::string::npos ||
                   reason.find("SSL") != std::string::npos || reason.find("TLS") != std::string::npos ||
                   reason.find("cert") != std::string::npos;
  if (tls)
    return {"tracker-tls-failed", "TLS with the tracker failed: " + reason,
            "check the tracker's certificate (multi-level subdomains are not covered by Universal SSL; "
            "SSL_CERT_FILE names a private CA)"};
  return {"tracker-connect-failed", "cannot connect to the tracker: " + (reason.empty() ? "no detail" : reason),
          "start the tracker (sigd) and check the tunnel route for it"};
}

// One libwebsockets client context per check: connect, upgrade (lws checks
// the 101 and Sec-WebSocket-Accept), send one WebTorrent scrape, read the
// first text message.
class TrackerProbe {
 public:
  TrackerProbe(const Url& url, const Deadline& deadline) : url_(url), deadline_(deadline) {}

  Outcome run() {
    static const lws_protocols protocols[] = {
        {"tunnelcheck-tracker", &TrackerProbe::callback, 0, 64 * 1024, 0, nullptr, 0},
        {nullptr, nullptr, 0, 0, 0, nullptr, 0},
    };
    lws_set_log_level(LLL_ERR | LLL_WARN,
                      [](int, const char* line) { hlsmesh::log::debug(std::string("libwebsockets: ") + line); });
    const bool tls = url_.scheme == "wss";
    hlsmesh::LwsContext context = hlsmesh::lws_client::make_context(
        protocols, this, tls, static_cast<unsigned>(std::max(1L, deadline_.remaining_ms() / 1000)));
    if (!context) throw Failure{"tracker-connect-failed", "libwebsockets could not start a client", "run with --verbose"};

    const std::string port = url_.port.empty() ? (tls ? "443" : "80") : url_.port;
    const std::string path = url_.path + (url_.query.empty() ? "" : "?" + url_.query);
    const std::string host = url_.host_port();
    lws_client_connect_info connect{};
    connect.context = context.get();
    connect.address = url_.host.c_str();
    connect.port = std::atoi(port.c_str());
    connect.ssl_connection = tls ? LCCSCF_USE_SSL : 0;
    connect.path = path.c_str();
    connect.host = host.c_str();
    connect.local_protocol_name = protocols[0].name;
    if (lws_client_connect_via_info(&connect) == nullptr && !outcome_.done)
      finish(handshake_failure(nullptr, "the connection could not be started"));

    // Wake lws when the --timeout deadline passes, whatever else it waits for.
    struct DeadlineTimer {
      lws_sorted_usec_list_t sul;
      bool fired = false;
    } timer{};
    lws_sul_schedule(context.get(), 0, &timer.sul,
                     [](lws_sorted_usec_list_t* sul) { reinterpret_cast<DeadlineTimer*>(sul)->fired = true; },
                     std::max(1L, deadline_.remaining_ms()) * LWS_US_PER_MS);
    while (!outcome_.done && !timer.fired) {
      if (lws_service(context.get(), 0) < 0) break;
    }
    lws_sul_cancel(&timer.sul);
    if (!outcome_.done)
      finish({outcome_.upgraded_at_ms ? "tracker-no-answer" : "tracker-connect-failed",
              outcome_.upgraded_at_ms ? "the tracker did not answer the scrape before the --timeout deadline"
                                      : "no WebSocket upgrade before the --timeout deadline",
              "check the tracker logs, or raise --timeout"});
    return std::move(outcome_);
  }

 private:
  static int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
    auto* self = static_cast<TrackerProbe*>(lws_context_user(lws_get_context(wsi)));
    if (self == nullptr) return 0;
    if (reason == LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION && len == 0 && user != nullptr) {
      // OpenSSL's verdict on the certificate (user: X509_STORE_CTX, len: preverify_ok),
      // kept for the message: lws only reports "SSL err 1".
      int error = X509_STORE_CTX_get_error(static_cast<X509_STORE_CTX*>(user));
      self->certificate_error_ = X509_verify_cert_error_string(error);
      return 0;
    }
    return self->on_callback(wsi, reason, in, len);
  }

  int on_callback(lws* wsi, lws_callback_reasons reason, void* in, size_t len) {
    switch (reason) {
      case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        std::string why = lws_client::error_detail(in, len, "");
        if (!certificate_error_.empty()) why = "certificate rejected: " + certificate_error_;
        finish(handshake_failure(wsi, why));
        return 0;
      }
      case LWS_CALLBACK_CLIENT_ESTABLISHED:
        outcome_.upgraded_at_ms = hlsmesh::monotonic_ms();
        lws_callback_on_writable(wsi);
        return 0;
      case LWS_CALLBACK_CLIENT_WRITEABLE: {
        // WebTorrent tracker scrape (bittorrent-tracker and sigd answer it).
        static const std::string scrape = R"({"action":"scrape","info_hash":"tunnelcheck-scrape!!"})";
        std::string frame(LWS_PRE, '\0');
        frame += scrape;
        auto* payload = reinterpret_cast<unsigned char*>(frame.data() + LWS_PRE);
        if (lws_write(wsi, payload, scrape.size(), LWS_WRITE_TEXT) < static_cast<int>(scrape.size())) {
          finish({"tracker-closed", "the tracker closed the connection while we were sending", "check the tracker logs"});
          return -1;
        }
        return 0;
      }
      case LWS_CALLBACK_CLIENT_RECEIVE:
        if (message_.size() + len > (1u << 20)) {
          finish({"tracker-bad-frame", "the tracker sent a message over 1 MiB", "check the tracker"});
          return -1;
        }
        message_.append(static_cast<const char*>(in), len);
        if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) != 0) return 0;
        if (lws_frame_is_binary(wsi)) {
          message_.clear();
          return 0;
        }
        outcome_.answer = std::move(message_);
        outcome_.done = true;
        return -1;  // got what we came for: close
      case LWS_CALLBACK_CLIENT_CLOSED:
        finish({"tracker-closed", "the tracker closed the WebSocket instead of answering the scrape",
                "check the tracker logs"});
        return 0;
      default:
        return 0;
    }
  }

  void finish(Failure failure) {
    if (outcome_.done) return;
    outcome_.failure = std::move(failure);
    outcome_.done = true;
  }

  const Url& url_;
  const Deadline& deadline_;
  Outcome outcome_;
  std::string message_;
  std::string certificate_error_;
};

}  // namespace

void check_tracker(const std::string& url_text, const Deadline& deadline, Report& report) {
  const std::string subject = hlsmesh::http::redact_url(url_text);
  auto u = parse_url(url_text);
  if (!u || (u->scheme != "ws" && u->scheme != "wss")) {
    report.add(Severity::unknown, "tracker-bad-url", subject, "--tracker needs a ws:// or wss:// URL",
               "pass e.g. wss://tv.example.com/announce");
    return;
  }
  const int64_t started = hlsmesh::monotonic_ms();
  Outcome outcome;
  try {
    outcome = TrackerProbe(*u, deadline).run();
  } catch (const Failure& f) {
    outcome.failure = f;
  }
  if (outcome.upgraded_at_ms)
    report.metric("tunnelcheck_tracker_upgrade_seconds", static_cast<double>(outcome.upgraded_at_ms - started) / 1000.0,
                  {{"tracker", subject}}, "Time to a completed WebSocket upgrade");
  if (outcome.failure) {
    report.add(Severity::critical, outcome.failure->code, subject, outcome.failure->message, outcome.failure->fix);
    return;
  }
  auto j = nlohmann::json::parse(outcome.answer, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    report.add(Severity::critical, "tracker-bad-answer", subject, "the tracker answered with something that is not JSON",
               "check what answers on that path");
    return;
  }
  if (j.contains("failure reason")) {
    report.add(Severity::warning, "tracker-scrape-refused", subject,
               "WebSocket upgrade OK, but the scrape was refused: " + j["failure reason"].dump(),
               "allow scrapes on the tracker, or ignore if it is deliberate");
  } else {
    report.add(Severity::ok, "tracker-ok", subject, "WebSocket upgrade OK and the scrape was answered");
  }
  report.metric("tunnelcheck_tracker_seconds", static_cast<double>(hlsmesh::monotonic_ms() - started) / 1000.0,
                {{"tracker", subject}}, "Time to a scrape answer");
}

}  // namespace hlsmesh::tunnelcheck
