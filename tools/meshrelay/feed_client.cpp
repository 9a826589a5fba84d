#include "tools/meshrelay/feed_client.hpp"

#include <libwebsockets.h>

#include <algorithm>
#include <cstring>

#include "common/error.hpp"
#include "common/log.hpp"

namespace hlsmesh::meshrelay {

namespace {

constexpr std::size_t kMaxMessage = 1u << 20;  // a segment event with an embedded .torrent stays far below

const lws_protocols feed_protocols[] = {
    {"hlsmesh-relay-feed", lws_client::dispatch_to_owner<FeedClient>, 0, 65536, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

}  // namespace

FeedClient::FeedClient(std::string url, Handlers handlers) : url_(std::move(url)), handlers_(std::move(handlers)) {
  auto target = lws_client::parse(url_);
  if ((url_.rfind("ws://", 0) != 0 && url_.rfind("wss://", 0) != 0) || !target)
    throw Error(Exit::usage, "--feed " + url_ + ": expected sigd's event feed, ws://HOST:PORT/events or wss://…");
  target_ = std::move(*target);
  LwsContext context = lws_client::make_context(feed_protocols, this, target_.tls);
  if (!context) throw Error(Exit::software, "cannot create the libwebsockets context for --feed " + url_);
  service_.emplace(std::move(context), [this] { connect(); }, [this] { on_timer(); });
}

FeedClient::~FeedClient() { stop_ = true; }  // then service_ stops first: no reconnect is planned

void FeedClient::connect() {
  if (!lws_client::connect(service_->context(), target_, feed_protocols[0].name, &wsi_)) lost("cannot start connecting");
}

void FeedClient::lost(const std::string& why) {
  const bool was_open = open_;
  wsi_ = nullptr;
  open_ = false;
  if (stop_.load()) return;  // the relay is stopping: nothing to reconnect
  const int wait_s = backoff_.arm();
  log::warning("feed " + url_ + ": " + why + "; reconnecting in " + std::to_string(wait_s) +
                   " s (the playlist is polled at the usual pace meanwhile)",
               {{"feed", url_}});
  if (was_open && handlers_.on_lost) handlers_.on_lost();
}

void FeedClient::on_timer() {
  if (backoff_.due() && wsi_ == nullptr) connect();
}

void FeedClient::received(lws* wsi, const char* data, std::size_t len) {
  if (!oversized_) partial_.append(data, len);
  if (partial_.size() > kMaxMessage) {
    oversized_ = true;
    partial_.clear();
  }
  if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) != 0) return;
  if (oversized_) {
    if (handlers_.on_oversized) handlers_.on_oversized();
  } else if (handlers_.on_message) {
    handlers_.on_message(std::move(partial_));
  }
  partial_.clear();
  oversized_ = false;
}

int FeedClient::on_callback(lws* wsi, int reason, void* in, std::size_t len) {
  switch (static_cast<lws_callback_reasons>(reason)) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
      log::notice("feed " + url_ + " connected", {{"feed", url_}});
      backoff_.reset();
      open_ = true;
      partial_.clear();
      oversized_ = false;
      if (handlers_.on_connected) handlers_.on_connected();
      break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
      received(wsi, static_cast<const char*>(in), len);
      break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
      lost("cannot connect (" + lws_client::error_detail(in, len) +
           ") — check that sigd runs at this address and serves /events" + (target_.tls ? lws_client::tls_hint : ""));
      break;
    case LWS_CALLBACK_CLIENT_CLOSED:
      lost("connection closed");
      break;
    default:
      break;
  }
  return 0;
}

}  // namespace hlsmesh::meshrelay
