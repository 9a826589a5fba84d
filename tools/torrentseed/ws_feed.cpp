#include "tools/torrentseed/ws_feed.hpp"

#include <fcntl.h>
#include <libwebsockets.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "common/error.hpp"
#include "common/log.hpp"

namespace hlsmesh::torrentseed {

namespace log = hlsmesh::log;
using hlsmesh::Error;
using hlsmesh::Exit;

// The timer node lws keeps in its list, with a way back to the client.
struct FeedTimer {
  lws_sorted_usec_list_t sul;
  FeedClient* client;
};

namespace {

int feed_callback(lws* wsi, lws_callback_reasons reason, void* /*user*/, void* in, size_t len) {
  auto* client = static_cast<FeedClient*>(lws_context_user(lws_get_context(wsi)));
  if (client == nullptr) return 0;
  return client->on_callback(wsi, static_cast<int>(reason), in, len);
}

void feed_timer(lws_sorted_usec_list_t* sul) {
  // sul is the first member of FeedTimer.
  auto* timer = reinterpret_cast<FeedTimer*>(sul);
  timer->client->on_timer();
}

const lws_protocols feed_protocols[] = {
    {"hlsmesh-feed", feed_callback, 0, 65536, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

}  // namespace

FeedClient::FeedClient(const std::string& url) : url_(url) {
  std::vector<char> buffer(url.begin(), url.end());
  buffer.push_back('\0');
  const char* scheme = nullptr;
  const char* host = nullptr;
  const char* path = nullptr;
  if (lws_parse_uri(buffer.data(), &scheme, &host, &port_, &path) != 0 || host == nullptr || *host == '\0') {
    throw Error(Exit::usage, "--feed " + url + ": expected ws://HOST:PORT/PATH, e.g. ws://127.0.0.1:8000/events");
  }
  tls_ = std::strcmp(scheme, "wss") == 0;
  if (tls_ && port_ == 80) port_ = 443;
  host_ = host;
  path_ = std::string("/") + (path ? path : "");
  // Host carries the port unless it is the scheme's default (RFC 9110 7.2):
  // virtual hosts and proxies in front of sigd route by it.
  // (Built by appends: GCC 12's -Wrestrict misfires on "[" + std::string.)
  const bool ipv6 = host_.find(':') != std::string::npos;
  if (ipv6) host_header_ += '[';
  host_header_ += host_;
  if (ipv6) host_header_ += ']';
  if (port_ != (tls_ ? 443 : 80)) host_header_.append(":").append(std::to_string(port_));

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(Exit::software, "pipe() failed: " + hlsmesh::errno_text(errno));
  read_end_.reset(fds[0]);
  write_end_.reset(fds[1]);

  lws_set_log_level(LLL_ERR, [](int, const char* line) { log::debug(std::string("libwebsockets: ") + line); });
  lws_context_creation_info info{};
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = feed_protocols;
  info.user = this;
  info.gid = -1;
  info.uid = -1;
  if (tls_) {
    info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    // OpenSSL's own variable for a private CA, as in tunnelcheck. Debian's lws
    // honours it through the OS default paths anyway; one built without
    // LWS_SSL_CLIENT_USE_OS_CA_CERTS would read only its own CA directory.
    const char* ca_file = std::getenv("SSL_CERT_FILE");
    if (ca_file != nullptr && *ca_file != '\0') info.client_ssl_ca_filepath = ca_file;
  }
  context_.reset(lws_create_context(&info));
  if (!context_) throw Error(Exit::software, "cannot create the libwebsockets context for --feed " + url);

  timer_ = std::make_unique<FeedTimer>();
  timer_->client = this;
  thread_ = std::thread([this] {
    connect();
    lws_sul_schedule(context_.get(), 0, &timer_->sul, feed_timer, LWS_US_PER_SEC);
    while (!stop_.load()) {
      if (lws_service(context_.get(), 0) < 0) break;
    }
  });
}

FeedClient::~FeedClient() {
  stop_ = true;
  read_end_.reset();  // a write() blocked on a full pipe fails now (EPIPE)
  lws_cancel_service(context_.get());
  if (thread_.joinable()) thread_.join();
  context_.reset();  // after the service thread is gone
}

void FeedClient::connect() {
  lws_client_connect_info info{};
  info.context = context_.get();
  info.address = host_.c_str();
  info.port = port_;
  info.ssl_connection = tls_ ? LCCSCF_USE_SSL : 0;
  info.path = path_.c_str();
  info.host = host_header_.c_str();
  info.origin = host_.c_str();
  info.protocol = nullptr;  // no subprotocol: sigd's feed takes plain WebSocket
  info.local_protocol_name = feed_protocols[0].name;
  info.pwsi = &wsi_;
  if (lws_client_connect_via_info(&info) == nullptr) {
    wsi_ = nullptr;
    retry_in_s_ = 2;
  }
}

void FeedClient::on_timer() {
  if (stop_.load()) return;
  if (wsi_ == nullptr && retry_in_s_ > 0 && --retry_in_s_ == 0) connect();
  lws_sul_schedule(context_.get(), 0, &timer_->sul, feed_timer, LWS_US_PER_SEC);
}

void FeedClient::forward(const std::string& message) {
  std::string line = message;
  // A raw newline in JSON can only be whitespace between tokens.
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  line += '\n';
  std::size_t done = 0;
  while (done < line.size() && !stop_.load()) {
    ssize_t n = ::write(write_end_.get(), line.data() + done, line.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      return;  // the loop went away
    }
  }
}

int FeedClient::on_callback(lws* wsi, int reason, void* in, std::size_t len) {
  switch (static_cast<lws_callback_reasons>(reason)) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
      log::info("feed " + url_ + " connected" + (connected_once_ ? " again" : ""));
      connected_once_ = true;
      partial_.clear();
      break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
      partial_.append(static_cast<const char*>(in), len);
      if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
        forward(partial_);
        partial_.clear();
      }
      break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
      log::warning("feed " + url_ + ": cannot connect (" +
                   (in ? std::string(static_cast<const char*>(in), len ? len : std::strlen(static_cast<const char*>(in)))
                       : std::string("no detail")) +
                   "); retrying in 2 s — check that sigd runs and serves /events" +
                   (tls_ ? std::string(", and that its certificate is valid for this host (a private CA: "
                                       "SSL_CERT_FILE=/path/ca.pem)")
                         : std::string()));
      wsi_ = nullptr;
      retry_in_s_ = 2;
      break;
    case LWS_CALLBACK_CLIENT_CLOSED:
      log::warning("feed " + url_ + " closed; reconnecting in 2 s");
      wsi_ = nullptr;
      retry_in_s_ = 2;
      break;
    default:
      break;
  }
  return 0;
}

}  // namespace hlsmesh::torrentseed
