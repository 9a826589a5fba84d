#include "tools/sigd/server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/signals.hpp"
#include "common/time_util.hpp"

namespace sigd {

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

std::string ip_key(const PeerAddr& a) {
  return std::string(reinterpret_cast<const char*>(a.ip.data()), a.v6 ? 16 : 4);
}

PeerAddr peer_from_sockaddr(const sockaddr_storage& ss) {
  PeerAddr a;
  if (ss.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    std::memcpy(a.ip.data(), &in->sin_addr, 4);
    a.port = ntohs(in->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    const uint8_t* b = in6->sin6_addr.s6_addr;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(b, mapped, 12) == 0) {
      std::memcpy(a.ip.data(), b + 12, 4);
    } else {
      std::memcpy(a.ip.data(), b, 16);
      a.v6 = true;
    }
    a.port = ntohs(in6->sin6_port);
  }
  return a;
}

// Whole life of a sniffed HTTP tracker connection: request in, reply out.
constexpr int kRawHttpTimeoutSecs = 10;

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool contains_ci(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t j = 0;
    while (j < needle.size() && std::tolower(static_cast<unsigned char>(hay[i + j])) == needle[j]) ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

void raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Exit::config, "cannot read " + path + ": " + hlsmesh::errno_text(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Server::Server(Options& options)
    : opt_(options),
      registry_(RegistryLimits{static_cast<size_t>(options.max_swarms), static_cast<size_t>(options.max_peers)}) {
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

Session* Server::session(lws* wsi) {
  auto it = sessions_.find(wsi);
  return it == sessions_.end() ? nullptr : &it->second;
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

int Server::dispatch(lws* wsi, lws_callback_reasons reason, void* in, size_t len) {
  switch (reason) {
    // Our own fds: the listening socket, the signal self-pipe, stdin events.
    case LWS_CALLBACK_RAW_RX_FILE:
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
      release_session(wsi);
      return 0;
    default:
      return 0;
  }
}

void Server::release_session(lws* wsi) {
  auto it = sessions_.find(wsi);
  if (it == sessions_.end()) return;
  if (it->second.ws) ws_closed(wsi);
  if (it->second.counted) {
    --stats_.connections_open;
    if (opt_.max_per_ip > 0) {
      auto ip = per_ip_.find(ip_key(it->second.remote));
      if (ip != per_ip_.end() && --ip->second == 0) per_ip_.erase(ip);
    }
  }
  sessions_.erase(it);
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

void Server::open_listener() {
  std::string host = opt_.listen, port = "8000";
  if (!host.empty() && host[0] == '[') {
    auto close = host.find(']');
    if (close == std::string::npos) throw Error(Exit::usage, "--listen " + opt_.listen + ": missing ']'");
    if (close + 1 < host.size() && host[close + 1] == ':') port = host.substr(close + 2);
    host = host.substr(1, close - 1);
  } else if (auto colon = host.rfind(':'); colon != std::string::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  } else if (host.find_first_not_of("0123456789") == std::string::npos) {
    port = host;
    host = "127.0.0.1";
  }
  if (host.empty()) host = "0.0.0.0";
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0)
    throw Error(Exit::usage, "--listen " + opt_.listen + ": " + gai_strerror(rc) + "; use host:port");
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(res, &freeaddrinfo);
  hlsmesh::UniqueFd fd(::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) throw Error(Exit::io, "socket(): " + hlsmesh::errno_text(errno));
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // Connections reach accept() once their first bytes arrived, so the HTTP
  // tracker sniff below sees the request line.
  int defer = 5;
  setsockopt(fd.get(), IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, sizeof defer);
  if (::bind(fd.get(), res->ai_addr, res->ai_addrlen) != 0)
    throw Error(Exit::unavailable, "cannot listen on " + opt_.listen + ": " + hlsmesh::errno_text(errno) +
                                       "; is another sigd (or tracker) running there? choose another --listen");
  if (::listen(fd.get(), 4096) != 0) throw Error(Exit::io, "listen(): " + hlsmesh::errno_text(errno));

  sockaddr_storage bound{};
  socklen_t bl = sizeof bound;
  getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &bl);
  char name[INET6_ADDRSTRLEN] = "";
  uint16_t bound_port = 0;
  if (bound.ss_family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&bound);
    inet_ntop(AF_INET, &in->sin_addr, name, sizeof name);
    bound_port = ntohs(in->sin_port);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&bound);
    inet_ntop(AF_INET6, &in6->sin6_addr, name, sizeof name);
    bound_port = ntohs(in6->sin6_port);
  }
  std::string where = bound.ss_family == AF_INET6 ? "[" + std::string(name) + "]" : std::string(name);
  where += ":" + std::to_string(bound_port);

  lws_sock_file_fd_type u{};
  u.filefd = fd.get();
  listener_wsi_ = lws_adopt_descriptor_vhost(vhost_, LWS_ADOPT_RAW_FILE_DESC, u, "sigd-fd", nullptr);
  if (!listener_wsi_) throw Error(Exit::software, "libwebsockets refused the listening socket");
  listen_fd_ = fd.release();  // lws polls (and finally closes) it; we accept on it

  const char* scheme = opt_.tls_cert.empty() ? "" : "s";
  log::notice("listening", {{"http", "http" + std::string(scheme) + "://" + where + "/"},
                            {"tracker", "ws" + std::string(scheme) + "://" + where + "/announce"},
                            {"interval", opt_.interval}});
  if (!opt_.ready_file.empty()) hlsmesh::write_file_atomic(opt_.ready_file, where + "\n");
}

void Server::accept_ready() {
  for (int i = 0; i < 1024; ++i) {
    sockaddr_storage ss{};
    socklen_t sl = sizeof ss;
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        stats_.error(ErrorKind::connection_limit);
        log::warning("accept: out of file descriptors; raise ulimit -n or lower --max-connections");
      }
      return;
    }
    PeerAddr remote = peer_from_sockaddr(ss);
    if (stats_.connections_open >= static_cast<uint64_t>(opt_.max_connections)) {
      stats_.error(ErrorKind::connection_limit);
      ::close(fd);
      continue;
    }
    if (opt_.max_per_ip > 0) {
      auto it = per_ip_.find(ip_key(remote));
      if (it != per_ip_.end() && it->second >= static_cast<uint32_t>(opt_.max_per_ip)) {
        stats_.error(ErrorKind::ip_limit);
        ::close(fd);
        continue;
      }
    }
    hand_over(fd, remote);
  }
}

void Server::hand_over(int fd, const PeerAddr& remote) {
  const bool tls = !opt_.tls_cert.empty();
  bool raw_tracker = false;
  if (!tls) {
    char peek[1024];
    ssize_t n = ::recv(fd, peek, sizeof peek, MSG_PEEK);
    if (n > 0) {
      std::string_view head(peek, static_cast<size_t>(n));
      raw_tracker = (starts_with(head, "GET /announce?") || starts_with(head, "GET /scrape?")) &&
                    !contains_ci(head, "\nupgrade:");
    }
  }
  lws_sock_file_fd_type u{};
  u.sockfd = fd;
  adopting_remote_ = remote;
  lws* wsi = nullptr;
  if (raw_tracker) {
    wsi = lws_adopt_descriptor_vhost(vhost_, LWS_ADOPT_SOCKET, u, "sigd-raw-http", nullptr);
  } else {
    int flags = LWS_ADOPT_SOCKET | LWS_ADOPT_HTTP | (tls ? LWS_ADOPT_ALLOW_SSL : 0);
    wsi = lws_adopt_descriptor_vhost(vhost_, static_cast<lws_adoption_type>(flags), u, nullptr, nullptr);
  }
  if (!wsi) return;  // lws closed the fd
  // lws times out the HTTP connections it parses, not raw ones: without this
  // a client that sends half a request line would hold its slot for good.
  if (raw_tracker) lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, kRawHttpTimeoutSecs);
  Session& s = sessions_[wsi];
  s.remote = remote;
  s.counted = true;
  if (raw_tracker && !s.raw) s.raw = std::make_unique<RawHttp>();
  ++stats_.connections_open;
  ++stats_.connections_total;
  if (opt_.max_per_ip > 0) ++per_ip_[ip_key(remote)];
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
    if (p.conn) {
      auto& m = p.conn->memberships;
      for (size_t i = 0; i < m.size(); ++i)
        if (m[i].first == ih && m[i].second == p.peer_id) {
          m[i] = m.back();
          m.pop_back();
          break;
        }
    }
  });
  stats_.peers_expired += removed;
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
      std::string cert = read_whole_file(opt_.tls_cert), key = read_whole_file(opt_.tls_key);
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

  while (!hlsmesh::signals::stop_requested()) {
    if (lws_service(context_.get(), 0) < 0) break;
    if (hlsmesh::signals::take_reload()) reload();
  }
  log::notice("stopping", {{"signal", hlsmesh::signals::stop_signal()},
                           {"connections", stats_.connections_open},
                           {"peers", registry_.peer_count()}});
  lws_sul_cancel(&sweep_timer_.sul);
  if (pending_error_) std::rethrow_exception(pending_error_);
  return 0;
}

}  // namespace sigd
