#pragma once
// The follow mode's WebSocket event feed (sigd's /events): a libwebsockets
// client on its own thread that writes every message as one line into a pipe,
// so the event loop reads the feed exactly like stdin. Reconnects every 2 s
// after a failure or close, for as long as the program runs. wss:// trusts
// the system CAs, or the file SSL_CERT_FILE names (a private CA).
#include <atomic>
#include <optional>
#include <string>

#include "common/fd.hpp"
#include "common/lws_client.hpp"

namespace hlsmesh::torrentseed {

class FeedClient {
 public:
  // `url`: ws://HOST:PORT/PATH or wss://…; throws hlsmesh::Error(Exit::usage) when malformed.
  explicit FeedClient(const std::string& url);
  FeedClient(const FeedClient&) = delete;
  FeedClient& operator=(const FeedClient&) = delete;
  ~FeedClient();

  // Read end: JSON lines, one per feed message.
  int fd() const { return read_end_.get(); }

  // libwebsockets callback (public for the C trampoline).
  int on_callback(lws* wsi, int reason, void* in, std::size_t len);

 private:
  void on_timer();  // every second on the service thread
  void connect();
  void forward(const std::string& message);

  std::string url_;
  lws_client::Target target_;
  hlsmesh::UniqueFd read_end_;
  hlsmesh::UniqueFd write_end_;
  lws* wsi_ = nullptr;
  std::string partial_;  // fragments of the message being received
  int retry_in_s_ = 0;
  bool connected_once_ = false;
  std::atomic<bool> stop_{false};
  std::optional<lws_client::ServiceThread> service_;  // last: stops before the rest goes
};

}  // namespace hlsmesh::torrentseed
