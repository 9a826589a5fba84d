// TLS connections that are not HTTP tracker requests. lws terminates TLS on
// every connection as a raw socket, so the request line is sigd's to read
// (http_routes.cpp answers tracker requests there, %00 and all); anything
// else goes, in plain text, through a socketpair to an lws HTTP/WebSocket
// connection, exactly as a plain-HTTP connection would. Each side's output
// waits in the bridge until the other side is writable.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "common/error.hpp"
#include "common/log.hpp"
#include "tools/sigd/server.hpp"

namespace hlsmesh::sigd {

namespace log = hlsmesh::log;

namespace {

constexpr size_t kChunk = 64 * 1024;

void close_soon(lws* wsi) { lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC); }

// Writes up to kChunk of `queue` on raw `wsi`; false if the write failed.
bool write_some(lws* wsi, std::string& queue) {
  const size_t n = std::min(queue.size(), kChunk);
  std::vector<unsigned char> buf(LWS_PRE + n);
  std::copy_n(queue.data(), n, reinterpret_cast<char*>(buf.data()) + LWS_PRE);
  if (lws_write(wsi, buf.data() + LWS_PRE, n, LWS_WRITE_RAW) < static_cast<int>(n)) return false;
  queue.erase(0, n);
  return true;
}

}  // namespace

bool Server::bridge_tls(lws* outer, Session& s, std::string&& first) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
    log::warning("socketpair for a TLS connection failed: " + hlsmesh::errno_text(errno) +
                 "; raise ulimit -n or lower --max-connections");
    return false;
  }
  // lws's end: HTTP and WebSocket as from the TLS client itself. It is not
  // counted again (the TLS connection is).
  lws_sock_file_fd_type u{};
  u.sockfd = sv[1];
  adopting_remote_ = s.remote;
  lws* inner = lws_adopt_descriptor_vhost(vhost_, static_cast<lws_adoption_type>(LWS_ADOPT_SOCKET | LWS_ADOPT_HTTP), u,
                                          nullptr, nullptr);
  if (!inner) {  // lws closed sv[1]
    ::close(sv[0]);
    return false;
  }
  Session& in = sessions_[inner];
  in.remote = s.remote;
  in.client = s.client;
  u.sockfd = sv[0];
  lws* pipe = lws_adopt_descriptor_vhost(vhost_, LWS_ADOPT_SOCKET, u, "sigd-tls-pipe", nullptr);
  if (!pipe) {
    close_soon(inner);
    return false;
  }
  auto bridge = std::make_shared<TlsBridge>();
  bridge->outer = outer;
  bridge->pipe = pipe;
  bridge->to_pipe = std::move(first);
  sessions_[pipe].bridge = bridge;
  s.bridge = std::move(bridge);
  lws_set_timeout(outer, NO_PENDING_TIMEOUT, 0);  // lws's connection keeps its own timeouts now
  lws_callback_on_writable(pipe);
  return true;
}

int Server::bridge_receive(lws* wsi, Session& s, const void* in, size_t len) {
  TlsBridge& b = *s.bridge;
  const bool from_client = wsi == b.outer;
  lws* to = from_client ? b.pipe : b.outer;
  if (!to) return -1;  // the other side is gone
  std::string& queue = from_client ? b.to_pipe : b.to_outer;
  if (queue.size() + len > opt_.send_queue) {  // the other side does not keep up
    stats_.error(ErrorKind::send_queue);
    return -1;
  }
  queue.append(static_cast<const char*>(in), len);
  lws_callback_on_writable(to);
  return 0;
}

int Server::bridge_writeable(lws* wsi, Session& s) {
  TlsBridge& b = *s.bridge;
  const bool to_client = wsi == b.outer;
  std::string& queue = to_client ? b.to_outer : b.to_pipe;
  if (!queue.empty() && !write_some(wsi, queue)) return -1;
  if (!queue.empty()) {
    lws_callback_on_writable(wsi);
    return 0;
  }
  // lws's side closed and everything it said has reached the client: done.
  return to_client && !b.pipe ? -1 : 0;
}

void Server::bridge_release(lws* wsi, Session& s) {
  TlsBridge& b = *s.bridge;
  if (wsi == b.outer) {
    b.outer = nullptr;
    if (b.pipe) close_soon(b.pipe);
  } else if (wsi == b.pipe) {
    b.pipe = nullptr;
    if (b.outer) lws_callback_on_writable(b.outer);  // flush what is left, then close
  }
}

}  // namespace hlsmesh::sigd
