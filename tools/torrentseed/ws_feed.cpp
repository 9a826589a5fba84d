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

namespace {

const lws_protocols feed_protocols[] = {
    {"hlsmesh-feed", lws_client::dispatch_to_owner<FeedClient>, 0, 65536, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

}  // namespace

FeedClient::FeedClient(const std::string& url) : url_(url) {
  auto target = lws_client::parse(url);
  if (!target)
    throw Error(Exit::usage, "--feed " + url + ": expected ws://HOST:PORT/PATH, e.g. ws://127.0.0.1:8000/events");
  target_ = std::move(*target);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(Exit::software, "pipe() failed: " + hlsmesh::errno_text(errno));
  read_end_.reset(fds[0]);
  write_end_.reset(fds[1]);

  lws_set_log_level(LLL_ERR, [](int, const char* line) { log::debug(std::string("libwebsockets: ") + line); });
  hlsmesh::LwsContext context = lws_client::make_context(feed_protocols, this, target_.tls);
  if (!context) throw Error(Exit::software, "cannot create the libwebsockets context for --feed " + url);
  service_.emplace(std::move(context), [this] { connect(); }, [this] { on_timer(); });
}

FeedClient::~FeedClient() {
  stop_ = true;
  read_end_.reset();  // a write() blocked on a full pipe fails now (EPIPE)
  service_.reset();   // before write_end_ and the rest go
}

void FeedClient::connect() {
  // No subprotocol: sigd's feed takes plain WebSocket.
  if (!lws_client::connect(service_->context(), target_, feed_protocols[0].name, &wsi_)) {
    wsi_ = nullptr;
    retry_in_s_ = 2;
  }
}

void FeedClient::on_timer() {
  if (wsi_ == nullptr && retry_in_s_ > 0 && --retry_in_s_ == 0) connect();
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
      log::warning("feed " + url_ + ": cannot connect (" + lws_client::error_detail(in, len) +
                   "); retrying in 2 s — check that sigd runs and serves /events" +
                   (target_.tls ? lws_client::tls_hint : ""));
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
