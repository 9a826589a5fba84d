// sigd's connections: the listening socket (ours, not lws's: new connections
// are peeked at before lws sees them), accepting under --max-connections and
// the per-IP cap (a trusted proxy's at the WebSocket upgrade), handing each one to lws as HTTP/WebSocket or, for a plain
// `GET /announce?` or `/scrape?`, as a raw socket whose request sigd parses
// itself (lws 4.1's URL parser refuses the %00 and %0D of binary info
// hashes), and releasing their accounting when lws destroys them.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "tools/sigd/server.hpp"

namespace hlsmesh::sigd {

using hlsmesh::Error;
using hlsmesh::Exit;
namespace log = hlsmesh::log;

namespace {

PeerAddr peer_from_sockaddr(const sockaddr_storage& ss) {
  PeerAddr a;
  if (ss.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    std::memcpy(a.ip.data(), &in->sin_addr, 4);
    a.port = ntohs(in->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    a = PeerAddr::from_ipv6(in6->sin6_addr.s6_addr);
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

// --listen's host and port: [v6]:port, host:port, a port alone (on
// 127.0.0.1), or a host alone (port 8000); no host is every address.
std::pair<std::string, std::string> split_listen(const std::string& listen) {
  std::string host = listen, port = "8000";
  if (!host.empty() && host[0] == '[') {
    auto close = host.find(']');
    if (close == std::string::npos) throw Error(Exit::usage, "--listen " + listen + ": missing ']'");
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
  return {host, port};
}

// "host:port" (IPv6 in brackets) the socket is bound to: the port the
// kernel chose for port 0.
std::string bound_address(int fd) {
  sockaddr_storage bound{};
  socklen_t bl = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bl);
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
  return where;
}

}  // namespace

void Server::open_listener() {
  auto [host, port] = split_listen(opt_.listen);
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

  const std::string where = bound_address(fd.get());

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
    // A trusted proxy carries many clients: its connections are counted at
    // the WebSocket upgrade, under the client it names (ws_filter).
    if (opt_.max_per_ip > 0 && !trusted_proxies_.contains(remote)) {
      auto it = per_ip_.find(remote.key());
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
  // Under TLS every connection is raw until its request line is read, past
  // the handshake (raw_receive): lws terminates TLS on raw sockets too.
  if (raw_tracker || tls) {
    const int flags = LWS_ADOPT_SOCKET | (tls ? LWS_ADOPT_ALLOW_SSL : 0);
    wsi = lws_adopt_descriptor_vhost(vhost_, static_cast<lws_adoption_type>(flags), u, "sigd-raw-http", nullptr);
  } else {
    int flags = LWS_ADOPT_SOCKET | LWS_ADOPT_HTTP | (tls ? LWS_ADOPT_ALLOW_SSL : 0);
    wsi = lws_adopt_descriptor_vhost(vhost_, static_cast<lws_adoption_type>(flags), u, nullptr, nullptr);
  }
  if (!wsi) return;  // lws closed the fd
  // lws times out the HTTP connections it parses, not raw ones: without this
  // a client that sends half a request line would hold its slot for good.
  if (raw_tracker || tls) lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, kRawHttpTimeoutSecs);
  Session& s = sessions_[wsi];
  s.remote = s.client = remote;
  s.counted = true;
  s.tls = tls;
  if ((raw_tracker || tls) && !s.raw) s.raw = std::make_unique<RawHttp>();
  ++stats_.connections_open;
  ++stats_.connections_total;
  if (!trusted_proxies_.contains(remote)) admit_per_ip(s, remote);  // checked at accept
}

bool Server::admit_per_ip(Session& s, const PeerAddr& client) {
  if (opt_.max_per_ip <= 0 || s.ip_counted) return true;
  uint32_t& held = per_ip_[client.key()];
  if (held >= static_cast<uint32_t>(opt_.max_per_ip)) {
    stats_.error(ErrorKind::ip_limit);
    return false;
  }
  ++held;
  s.client = client;
  s.ip_counted = true;
  return true;
}

void Server::release_session(lws* wsi) {
  auto it = sessions_.find(wsi);
  if (it == sessions_.end()) return;
  if (it->second.ws) ws_closed(wsi);
  if (it->second.bridge) bridge_release(wsi, it->second);
  if (it->second.counted) --stats_.connections_open;
  if (it->second.ip_counted) {
    auto ip = per_ip_.find(it->second.client.key());
    if (ip != per_ip_.end() && --ip->second == 0) per_ip_.erase(ip);
  }
  lws_set_opaque_user_data(wsi, nullptr);  // session() keeps it there
  sessions_.erase(it);
}

}  // namespace hlsmesh::sigd
