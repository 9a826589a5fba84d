#include "tools/meshrelay/tracker_client.hpp"

#include <libwebsockets.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "common/log.hpp"

namespace hlsmesh::meshrelay {

namespace {

const lws_protocols tracker_protocols[] = {
    {"hlsmesh-relay-tracker", lws_client::dispatch_to_owner<TrackerClient>, 0, 65536, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

}  // namespace

TrackerClient::TrackerClient(std::string url, Handlers handlers) : url_(std::move(url)), handlers_(std::move(handlers)) {
  if (url_.rfind("ws://", 0) != 0 && url_.rfind("wss://", 0) != 0) {
    throw Error(Exit::usage, "--tracker " + url_ + ": expected a ws:// or wss:// WebTorrent tracker URL");
  }
  auto target = lws_client::parse(url_);
  if (!target)
    throw Error(Exit::usage, "--tracker " + url_ + ": expected ws://HOST:PORT/PATH, e.g. ws://127.0.0.1:8000/announce");
  target_ = std::move(*target);
  LwsContext context = lws_client::make_context(tracker_protocols, this, target_.tls);
  if (!context) throw Error(Exit::software, "cannot create the libwebsockets context for --tracker " + url_);
  service_.emplace(std::move(context), [this] { connect(); }, [this] { on_timer(); });
}

TrackerClient::~TrackerClient() { stop_ = true; }  // then service_ stops first: no reconnect is planned

void TrackerClient::send(std::string text) {
  if (!connected_.load()) return;
  {
    std::lock_guard lock(mutex_);
    outgoing_.push_back(std::move(text));
  }
  service_->wake();  // the service thread writes it on EVENT_WAIT_CANCELLED
}

void TrackerClient::connect() {
  if (!lws_client::connect(service_->context(), target_, tracker_protocols[0].name, &wsi_)) lost("cannot start connecting");
}

void TrackerClient::lost(const std::string& why) {
  wsi_ = nullptr;
  open_ = false;
  connected_ = false;
  {
    std::lock_guard lock(mutex_);
    outgoing_.clear();
  }
  if (stop_.load()) return;  // the relay is stopping: nothing to reconnect
  const int wait_s = backoff_.arm();
  log::warning("tracker " + url_ + ": " + why + "; reconnecting in " + std::to_string(wait_s) + " s",
               {{"tracker", url_}});
}

void TrackerClient::on_timer() {
  if (backoff_.due() && wsi_ == nullptr) connect();
}

int TrackerClient::write_one(lws* wsi) {
  std::string text;
  bool more = false;
  {
    std::lock_guard lock(mutex_);
    if (outgoing_.empty()) return 0;
    text = std::move(outgoing_.front());
    outgoing_.pop_front();
    more = !outgoing_.empty();
  }
  std::vector<unsigned char> frame(LWS_PRE + text.size());
  std::memcpy(frame.data() + LWS_PRE, text.data(), text.size());
  if (lws_write(wsi, frame.data() + LWS_PRE, text.size(), LWS_WRITE_TEXT) < static_cast<int>(text.size())) return -1;
  if (more) lws_callback_on_writable(wsi);
  return 0;
}

int TrackerClient::on_callback(lws* wsi, int reason, void* in, std::size_t len) {
  switch (static_cast<lws_callback_reasons>(reason)) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
      log::notice("tracker " + url_ + " connected", {{"tracker", url_}});
      open_ = true;
      connected_ = true;
      backoff_.reset();
      partial_.clear();
      if (handlers_.on_connected) handlers_.on_connected();
      break;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
      if (open_ && wsi_ != nullptr) lws_callback_on_writable(wsi_);
      break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
      return write_one(wsi);
    case LWS_CALLBACK_CLIENT_RECEIVE:
      partial_.append(static_cast<const char*>(in), len);
      if (partial_.size() > (1u << 20)) return -1;  // no tracker message is that large
      if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
        if (handlers_.on_message) handlers_.on_message(std::exchange(partial_, {}));
        partial_.clear();
      }
      break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
      lost("cannot connect (" + lws_client::error_detail(in, len) + ") — check that the tracker runs at this address");
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
