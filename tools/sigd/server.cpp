// The server's life: the lws context and its protocols, one callback that
// dispatches every lws event to HTTP (http_routes.cpp), WebSocket
// (ws_session.cpp) or our own fds, the peer sweep, SIGHUP reloads and the
// service loop. Connections come in through connections.cpp.
#include "tools/sigd/server.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/signals.hpp"
#include "common/time_util.hpp"

namespace hlsmesh::sigd {

using hlsmesh::Error;
using hlsmesh::Exit;
namespace log = hlsmesh::log;

namespace {

void lws_log_to_ours(int level, const char* line) {
  std::string_view text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  // lws prefixes a timestamp; keep the message.
  if (level & LLL_ERR) log::warning(std::string("libwebsockets: ") + std::string(text));
  else log::debug(std::string("libwebsockets: ") + std::string(text));
}

void raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace

Server::Server(const Options& options)
    : opt_(options),
      registry_(RegistryLimits{static_cast<size_t>(options.max_swarms), static_cast<size_t>(options.max_peers)}),
      trusted_proxies_(options.trusted_proxies),  // throws naming a --trusted-proxy that is not an IP
      http_limit_(options.http_rate, options.http_burst),
      delivery_(DeliveryLimits{.max_series = static_cast<size_t>(options.max_report_streams),
                               .max_viewers = static_cast<size_t>(options.max_report_viewers)}),
      report_limit_(options.report_ip_rate, 2 * options.report_ip_rate) {
  stats_.started_ms = hlsmesh::monotonic_ms();
  origins_.allow = opt_.allow_origins;
  origins_.deny = opt_.deny_origins;
  origins_.deny_empty = opt_.deny_empty_origin;
  http_config_.interval = opt_.http_interval;
  http_config_.numwant_default = opt_.numwant_http;
  http_config_.max_scrape = static_cast<size_t>(opt_.max_scrape);
  if (!opt_.allow_list.empty()) {
    allow_.load(opt_.allow_list);
    log::notice("info-hash allow-list loaded", {{"path", opt_.allow_list}, {"hashes", allow_.size()}});
  }
  if (!opt_.www.empty()) {
    std::unique_ptr<char, decltype(&std::free)> r(::realpath(opt_.www.c_str(), nullptr), &std::free);
    if (!r)
      throw Error(Exit::no_input, "--www " + opt_.www + ": " + hlsmesh::errno_text(errno) +
                                      "; give an existing directory to serve");
    www_real_ = r.get();
  }
}

Server::~Server() {
  // Destroying the context closes every connection through callback(), which
  // still needs the sessions and the registry: first, before other members go.
  context_.reset();
}

ConnId Server::add_tracker_conn(Conn& c) {
  uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<uint32_t>(conn_slots_.size());
    conn_slots_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  conn_slots_[slot].conn = &c;
  return (static_cast<ConnId>(conn_slots_[slot].generation) << 32) | (slot + 1ULL);
}

void Server::remove_tracker_conn(ConnId id) {
  const uint32_t slot = static_cast<uint32_t>(id) - 1;
  conn_slots_[slot].conn = nullptr;
  ++conn_slots_[slot].generation;
  free_slots_.push_back(slot);
}

Conn* Server::tracker_conn(ConnId id) {
  const uint32_t low = static_cast<uint32_t>(id);
  if (low == 0 || low > conn_slots_.size()) return nullptr;
  const ConnSlot& s = conn_slots_[low - 1];
  return s.generation == static_cast<uint32_t>(id >> 32) ? s.conn : nullptr;
}

Session* Server::session(lws* wsi) {
  // Kept on the wsi once found (every WebSocket message and write asks);
  // the map's nodes do not move, and release_session() clears it.
  if (void* kept = lws_get_opaque_user_data(wsi)) return static_cast<Session*>(kept);
  auto it = sessions_.find(wsi);
  if (it == sessions_.end()) return nullptr;
  lws_set_opaque_user_data(wsi, &it->second);
  return &it->second;
}

int Server::callback(lws* wsi, lws_callback_reasons reason, void* /*user*/, void* in, size_t len) {
  lws_context* ctx = lws_get_context(wsi);
  auto* self = ctx ? static_cast<Server*>(lws_context_user(ctx)) : nullptr;
  if (!self) return 0;
  // Exceptions must not unwind through libwebsockets' C frames: keep the
  // first one, stop the loop, and let run() rethrow it (e.g. --strict on a bad
  // stdin line exits 65).
  try {
    return self->dispatch(wsi, reason, in, len);
  } catch (...) {
    if (!self->pending_error_) self->pending_error_ = std::current_exception();
    hlsmesh::signals::request_stop();
    lws_cancel_service(ctx);
    return -1;
  }
}

int Server::own_fd_readable(lws* wsi) {
  if (wsi == listener_wsi_) {
    accept_ready();
  } else if (wsi == wake_wsi_) {
    hlsmesh::signals::drain();
    if (hlsmesh::signals::stop_requested()) lws_cancel_service(context_.get());
  } else if (wsi == stdin_wsi_) {
    stdin_readable(wsi);
    if (stdin_reader_ && stdin_reader_->eof()) {
      log::notice("stdin ended; the feed keeps serving its backlog");
      stdin_wsi_ = nullptr;
      return -1;
    }
  }
  return 0;
}

int Server::dispatch(lws* wsi, lws_callback_reasons reason, void* in, size_t len) {
  switch (reason) {
    // Our own fds: the listening socket, the signal self-pipe, stdin events.
    case LWS_CALLBACK_RAW_RX_FILE:
      return own_fd_readable(wsi);
    case LWS_CALLBACK_RAW_CLOSE_FILE:
      if (wsi == stdin_wsi_) stdin_wsi_ = nullptr;
      return 0;

    // Sniffed HTTP tracker requests (raw sockets).
    case LWS_CALLBACK_RAW_RX:
      return raw_receive(wsi, in, len);
    case LWS_CALLBACK_RAW_WRITEABLE:
      return raw_writeable(wsi);

    // HTTP.
    case LWS_CALLBACK_HTTP:
      return http_request(wsi, static_cast<const char*>(in));
    case LWS_CALLBACK_HTTP_BODY:
      return report_body(wsi, in, len);
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
      return report_complete(wsi);
    case LWS_CALLBACK_HTTP_WRITEABLE:
      return http_writeable(wsi);
    case LWS_CALLBACK_CLOSED_HTTP:
      if (auto* s = session(wsi)) s->http.reset();
      return 0;

    // WebSocket.
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
      return ws_filter(wsi);
    case LWS_CALLBACK_ESTABLISHED:
      return ws_established(wsi);
    case LWS_CALLBACK_RECEIVE:
      return ws_receive(wsi, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
      return ws_writeable(wsi);
    case LWS_CALLBACK_CLOSED:
      ws_closed(wsi);
      return 0;

    case LWS_CALLBACK_WSI_DESTROY:
      report_conns_.erase(wsi);
      release_session(wsi);
      return 0;
    default:
      return 0;
  }
}

void Server::create_context() {
  int lws_levels = LLL_ERR;
  if (log::enabled(log::Level::debug)) lws_levels |= LLL_WARN | LLL_NOTICE;
  lws_set_log_level(lws_levels, lws_log_to_ours);

  retry_.secs_since_valid_ping = static_cast<uint16_t>(opt_.ping_secs);
  retry_.secs_since_valid_hangup = static_cast<uint16_t>(opt_.idle_timeout);

  auto protocol = [](const char* name, size_t rx, size_t tx) {
    lws_protocols p{};
    p.name = name;
    p.callback = reinterpret_cast<lws_callback_function*>(&Server::callback);
    p.rx_buffer_size = rx;
    p.tx_packet_size = tx;
    return p;
  };
  // A small rx buffer per connection keeps idle connections cheap; messages
  // arrive in fragments and are reassembled (bounded by --max-message).
  protocols_ = {protocol("sigd", 2048, 256 * 1024), protocol("sigd-raw-http", 2048, 0), protocol("sigd-fd", 0, 0),
                protocol("sigd-tls-pipe", 16384, 0),
                lws_protocols{}};

  raise_fd_limit();
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);

  lws_context_creation_info info{};
  info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
  info.protocols = protocols_.data();
  info.user = this;
  info.vhost_name = "sigd";
  info.server_string = "sigd";
  info.retry_and_idle_policy = &retry_;
  info.pt_serv_buf_size = 32 * 1024;
  info.max_http_header_pool = 1024;
  info.timeout_secs = 15;
  info.fd_limit_per_thread = static_cast<unsigned>(
      std::min<rlim_t>(rl.rlim_cur, static_cast<rlim_t>(opt_.max_connections) + 1024));
  if (!opt_.tls_cert.empty()) {
    info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.ssl_cert_filepath = opt_.tls_cert.c_str();
    info.ssl_private_key_filepath = opt_.tls_key.c_str();
    // HTTP/1.1 only: WebSocket upgrades need it, and our HTTP handling is per connection.
    info.alpn = "http/1.1";
  }
  context_.reset(lws_create_context(&info));
  if (!context_)
    throw Error(Exit::config, "libwebsockets could not start (bad --tls-cert/--tls-key, or out of memory); "
                              "run with --verbose for its reason");
  vhost_ = lws_get_vhost_by_name(context_.get(), "sigd");
  if (!vhost_) throw Error(Exit::software, "libwebsockets created no vhost");
}

void Server::schedule_sweep() {
  sweep_timer_.server = this;
  const int64_t period_s = std::max(1, opt_.interval / 2);
  lws_sul_schedule(context_.get(), 0, &sweep_timer_.sul, &Server::sweep_timer, period_s * LWS_US_PER_SEC);
}

void Server::sweep_timer(lws_sorted_usec_list_t* sul) {
  auto* timer = reinterpret_cast<SweepTimer*>(sul);
  timer->server->sweep();
  timer->server->schedule_sweep();
}

void Server::sweep() {
  const int64_t now = hlsmesh::monotonic_ms();
  // Each kind of peer is told its own interval; it expires after missing two.
  const int64_t ws_cutoff = now - 2LL * opt_.interval * 1000;
  const int64_t http_cutoff = now - 2LL * opt_.http_interval * 1000;
  size_t removed = registry_.expire(ws_cutoff, http_cutoff, [this](const Id20& ih, const Peer& p) {
    if (Conn* c = tracker_conn(p.conn)) drop_membership(*c, ih, p.peer_id);
  });
  stats_.peers_expired += removed;
  http_limit_.prune(now);
  if (removed) log::debug("expired peers", {{"peers", removed}, {"swarms", registry_.swarm_count()}});
}

void Server::reload() {
  log::notice("SIGHUP: reloading");
  if (!opt_.allow_list.empty()) {
    try {
      allow_.load(opt_.allow_list);
      log::notice("info-hash allow-list reloaded", {{"path", opt_.allow_list}, {"hashes", allow_.size()}});
    } catch (const Error& e) {
      log::error(std::string(e.what()) + " (keeping the previous list)");
    }
  }
  if (!opt_.tls_cert.empty()) {
    try {
      std::string cert = hlsmesh::read_file(opt_.tls_cert), key = hlsmesh::read_file(opt_.tls_key);
      if (lws_tls_cert_updated(context_.get(), opt_.tls_cert.c_str(), opt_.tls_key.c_str(), cert.data(), cert.size(),
                               key.data(), key.size()) != 0)
        log::error("TLS certificate reload failed; still serving the previous one",
                   {{"cert", opt_.tls_cert}, {"key", opt_.tls_key}});
      else
        log::notice("TLS certificate reloaded", {{"cert", opt_.tls_cert}});
    } catch (const Error& e) {
      log::error(std::string(e.what()) + " (still serving the previous certificate)");
    }
  }
}

int Server::run() {
  create_context();
  open_listener();

  lws_sock_file_fd_type u{};
  u.filefd = hlsmesh::signals::wake_fd();
  wake_wsi_ = lws_adopt_descriptor_vhost(vhost_, LWS_ADOPT_RAW_FILE_DESC, u, "sigd-fd", nullptr);
  if (!wake_wsi_) throw Error(Exit::software, "libwebsockets refused the signal pipe");
  if (opt_.events_stdin) {
    int flags = fcntl(0, F_GETFL);
    if (flags >= 0) fcntl(0, F_SETFL, flags | O_NONBLOCK);
    stdin_reader_ = std::make_unique<hlsmesh::EventReader>(0, opt_.common.strict, "stdin");
    u.filefd = 0;
    stdin_wsi_ = lws_adopt_descriptor_vhost(vhost_, LWS_ADOPT_RAW_FILE_DESC, u, "sigd-fd", nullptr);
    if (!stdin_wsi_) throw Error(Exit::io, "cannot watch stdin for events");
  }
  schedule_sweep();
  schedule_delivery();

  while (!hlsmesh::signals::stop_requested()) {
    if (lws_service(context_.get(), 0) < 0) break;
    if (hlsmesh::signals::take_reload()) reload();
  }
  log::notice("stopping", {{"signal", hlsmesh::signals::stop_signal()},
                           {"connections", stats_.connections_open},
                           {"peers", registry_.peer_count()}});
  lws_sul_cancel(&sweep_timer_.sul);
  lws_sul_cancel(&delivery_timer_.sul);
  if (pending_error_) std::rethrow_exception(pending_error_);
  return 0;
}

int run(const Options& options) {
  Server server(options);
  return server.run();
}

}  // namespace hlsmesh::sigd
