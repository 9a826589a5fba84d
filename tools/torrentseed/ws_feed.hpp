#pragma once
// The follow mode's WebSocket event feed (sigd's /events): a libwebsockets
// client on its own thread that writes every message as one line into a pipe,
// so the event loop reads the feed exactly like stdin. Reconnects every 2 s
// after a failure or close, for as long as the program runs. wss:// trusts
// the system CAs, or the file SSL_CERT_FILE names (a private CA).
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "common/fd.hpp"
#include "common/lws_client.hpp"

namespace hlsmesh::torrentseed {

struct FeedTimer;  // lws timer node (ws_feed.cpp)

class FeedClient {
 public:
  // `url`: ws://HOST:PORT/PATH or wss://…; throws hlsmesh::Error(Exit::usage) when malformed.
  explicit FeedClient(const std::string& url);
  FeedClient(const FeedClient&) = delete;
  FeedClient& operator=(const FeedClient&) = delete;
  ~FeedClient();

  // Read end: JSON lines, one per feed message.
  int fd() const { return read_end_.get(); }

  // libwebsockets callbacks (public for the C trampolines).
  int on_callback(lws* wsi, int reason, void* in, std::size_t len);
  void on_timer();

 private:
  void connect();
  void forward(const std::string& message);

  std::string url_;
  lws_client::Target target_;
  hlsmesh::UniqueFd read_end_;
  hlsmesh::UniqueFd write_end_;
  hlsmesh::LwsContext context_;
  lws* wsi_ = nullptr;
  std::unique_ptr<FeedTimer> timer_;
  std::string partial_;  // fragments of the message being received
  int retry_in_s_ = 0;
  bool connected_once_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace hlsmesh::torrentseed
