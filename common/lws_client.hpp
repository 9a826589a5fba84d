#pragma once
// The client side of libwebsockets as torrentseed's feed and meshrelay's
// tracker and feed connections use it: a ws:// or wss:// URL taken apart, a
// client context (TLS that honours SSL_CERT_FILE), the connect call, and the
// thread that serves the context.
// Header-only like lws_context.hpp: common itself does not link lws.
#include <libwebsockets.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/lws_context.hpp"

namespace hlsmesh::lws_client {

struct Target {
  std::string host;  // to connect to (and verify the certificate against)
  int port = 80;
  std::string path;  // "/..."
  bool tls = false;  // wss://
  // Host: carries the port unless it is the scheme's default (RFC 9110 7.2):
  // virtual hosts and proxies in front of sigd route by it.
  std::string host_header;
};

// `url` taken apart by lws_parse_uri; nullopt when it names no host.
inline std::optional<Target> parse(const std::string& url) {
  std::vector<char> buffer(url.begin(), url.end());
  buffer.push_back('\0');
  const char* scheme = nullptr;
  const char* host = nullptr;
  const char* path = nullptr;
  Target t;
  if (lws_parse_uri(buffer.data(), &scheme, &host, &t.port, &path) != 0 || host == nullptr || *host == '\0')
    return std::nullopt;
  t.tls = std::strcmp(scheme, "wss") == 0;
  if (t.tls && t.port == 80) t.port = 443;
  t.host = host;
  t.path = std::string("/") + (path ? path : "");
  // Built by appends: GCC 12's -Wrestrict misfires on "[" + std::string.
  const bool ipv6 = t.host.find(':') != std::string::npos;
  if (ipv6) t.host_header += '[';
  t.host_header += t.host;
  if (ipv6) t.host_header += ']';
  if (t.port != (t.tls ? 443 : 80)) t.host_header.append(":").append(std::to_string(t.port));
  return t;
}

// A context that only connects out, with `user` as its lws_context_user;
// `timeout_secs` 0 keeps lws's own network timeout. Null when lws cannot
// create one.
inline LwsContext make_context(const lws_protocols* protocols, void* user, bool tls, unsigned timeout_secs = 0) {
  lws_context_creation_info info{};
  if (timeout_secs > 0) info.timeout_secs = timeout_secs;
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = protocols;
  info.user = user;
  info.gid = -1;
  info.uid = -1;
  if (tls) {
    info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    // OpenSSL's own variable for a private CA, as in tunnelcheck. Debian's lws
    // honours it through the OS default paths anyway; one built without
    // LWS_SSL_CLIENT_USE_OS_CA_CERTS would read only its own CA directory.
    const char* ca_file = std::getenv("SSL_CERT_FILE");
    if (ca_file != nullptr && *ca_file != '\0') info.client_ssl_ca_filepath = ca_file;
  }
  return LwsContext(lws_create_context(&info));
}

// A connection with nothing valid from the server for this long gets a
// PING; one still without a valid frame (a PONG counts) is closed. A server
// that went silent without closing (stopped, a dead NAT path) is noticed and
// the owner's reconnect takes over; every WebSocket server answers PINGs.
constexpr uint16_t idle_ping_s = 10;
constexpr uint16_t idle_hangup_s = 20;

// Starts connecting to `t` with the context's protocol `protocol_name` and no
// subprotocol; false when lws refuses at once (*pwsi is then null).
inline bool connect(lws_context* context, const Target& t, const char* protocol_name, lws** pwsi) {
  static const lws_retry_bo_t idle_policy = {nullptr, 0, 0, idle_ping_s, idle_hangup_s, 0};
  lws_client_connect_info info{};
  info.context = context;
  info.address = t.host.c_str();
  info.port = t.port;
  info.ssl_connection = t.tls ? LCCSCF_USE_SSL : 0;
  info.path = t.path.c_str();
  info.host = t.host_header.c_str();
  info.origin = t.host.c_str();
  info.protocol = nullptr;
  info.local_protocol_name = protocol_name;
  info.pwsi = pwsi;
  info.retry_and_idle_policy = &idle_policy;
  return lws_client_connect_via_info(&info) != nullptr;
}

// The protocol callback of a client whose context user is an `Owner` with
// on_callback(wsi, reason, in, len): one trampoline for every client.
template <class Owner>
int dispatch_to_owner(lws* wsi, lws_callback_reasons reason, void* /*user*/, void* in, size_t len) {
  auto* owner = static_cast<Owner*>(lws_context_user(lws_get_context(wsi)));
  return owner == nullptr ? 0 : owner->on_callback(wsi, static_cast<int>(reason), in, len);
}

// What lws says of a failed connection (CLIENT_CONNECTION_ERROR's `in`,
// `len`: text, NUL-terminated when `len` is 0), or `fallback`.
inline std::string error_detail(const void* in, size_t len, const std::string& fallback = "no detail") {
  if (in == nullptr) return fallback;
  const auto* text = static_cast<const char*>(in);
  return std::string(text, len ? len : std::strlen(text));
}

// The hint a wss:// connection failure adds: the certificate may be why.
inline constexpr const char* tls_hint = ", and that its certificate is valid for this host (a private CA: SSL_CERT_FILE=/path/ca.pem)";

// Reconnect timing on the service thread's 1 s tick: 1, 2, 4 … 30 s after
// each failure in a row, from 1 s again once connected.
class Backoff {
 public:
  // After a failure: the wait now set, in seconds.
  int arm() {
    wait_s_ = next_s_;
    next_s_ = std::min(next_s_ * 2, 30);
    return wait_s_;
  }
  // On each tick: true once, when the wait is over.
  bool due() { return wait_s_ > 0 && --wait_s_ == 0; }
  void reset() { next_s_ = 1; }

 private:
  int wait_s_ = 0;
  int next_s_ = 1;
};

// A client context served on a thread of its own, with a tick every second
// on that thread (reconnect backoff). `on_start` runs first on the thread
// (the first connect). The destructor stops and joins the thread, then frees
// the context (whose close callbacks still reach the owner): the owner
// declares it after everything its callbacks use, and emplaces it last, once
// it can be called back.
class ServiceThread {
 public:
  ServiceThread(LwsContext context, std::function<void()> on_start, std::function<void()> on_tick)
      : context_(std::move(context)), on_start_(std::move(on_start)), on_tick_(std::move(on_tick)) {
    tick_.owner = this;
    thread_ = std::thread([this] { run(); });
  }
  ServiceThread(const ServiceThread&) = delete;
  ServiceThread& operator=(const ServiceThread&) = delete;
  ~ServiceThread() {
    stop_ = true;
    lws_cancel_service(context_.get());
    if (thread_.joinable()) thread_.join();
    context_.reset();
  }

  lws_context* context() const { return context_.get(); }
  // From any thread: the service thread gets LWS_CALLBACK_EVENT_WAIT_CANCELLED.
  void wake() const { lws_cancel_service(context_.get()); }

 private:
  struct Tick {
    lws_sorted_usec_list_t sul;  // first member: lws hands back its address
    ServiceThread* owner = nullptr;
  };
  static void fire(lws_sorted_usec_list_t* sul) {
    ServiceThread* self = reinterpret_cast<Tick*>(sul)->owner;
    if (self->stop_.load()) return;
    self->on_tick_();
    self->schedule_tick();
  }
  void schedule_tick() { lws_sul_schedule(context_.get(), 0, &tick_.sul, fire, LWS_US_PER_SEC); }
  void run() {
    on_start_();
    schedule_tick();
    while (!stop_.load()) {
      if (lws_service(context_.get(), 0) < 0) break;
    }
  }

  LwsContext context_;
  std::function<void()> on_start_;
  std::function<void()> on_tick_;
  Tick tick_{};
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: started once the rest is in place
};

}  // namespace hlsmesh::lws_client
