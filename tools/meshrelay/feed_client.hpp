#pragma once
// A subscription to sigd's live event feed (ws://…/events, or wss://):
// libwebsockets on a thread of its own, receive only. Each message is one
// or more JSON lines, handed to on_message on that thread. Reconnects after
// a failure or close with a backoff of 1, 2, 4 … 30 s, naming the feed and
// the cause in the log, as the tracker connection does.
#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "common/lws_client.hpp"

namespace hlsmesh::meshrelay {

class FeedClient {
 public:
  struct Handlers {
    std::function<void()> on_connected;
    std::function<void()> on_lost;
    std::function<void(std::string message)> on_message;
    std::function<void()> on_oversized;  // a message over 1 MiB, skipped
  };
  // `url`: ws://HOST:PORT/PATH or wss://…; throws hlsmesh::Error(Exit::usage) when malformed.
  FeedClient(std::string url, Handlers handlers);
  FeedClient(const FeedClient&) = delete;
  FeedClient& operator=(const FeedClient&) = delete;
  ~FeedClient();

  const std::string& url() const { return url_; }

  // libwebsockets callback (public for the C trampoline).
  int on_callback(lws* wsi, int reason, void* in, std::size_t len);

 private:
  void on_timer();  // every second on the service thread
  void connect();
  void lost(const std::string& why);
  void received(lws* wsi, const char* data, std::size_t len);

  std::string url_;
  Handlers handlers_;
  lws_client::Target target_;
  lws* wsi_ = nullptr;  // lws thread only
  bool open_ = false;   // lws thread only
  std::string partial_;
  bool oversized_ = false;  // discarding the rest of a message too large
  lws_client::Backoff backoff_;  // lws thread only
  std::atomic<bool> stop_{false};
  std::optional<lws_client::ServiceThread> service_;  // last: stops before the rest goes
};

}  // namespace hlsmesh::meshrelay
