#pragma once
// A WebSocket connection to a WebTorrent tracker (sigd, bittorrent-tracker,
// wt-tracker): libwebsockets on a thread of its own. Text messages go out in
// order through send() from any thread; what arrives is handed to the
// handlers on that thread (the owner posts it to its loop). Reconnects after
// a failure or close with a backoff of 1, 2, 4 … 30 s, naming the tracker
// and the cause in the log.
#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "common/lws_client.hpp"

namespace hlsmesh::meshrelay {

class TrackerClient {
 public:
  struct Handlers {
    std::function<void()> on_connected;                  // (re)connected: announce again
    std::function<void(std::string message)> on_message;  // one JSON text message
  };
  // `url`: ws://HOST:PORT/PATH or wss://…; throws hlsmesh::Error(Exit::usage) when malformed.
  TrackerClient(std::string url, Handlers handlers);
  TrackerClient(const TrackerClient&) = delete;
  TrackerClient& operator=(const TrackerClient&) = delete;
  ~TrackerClient();

  // Queues one text message; dropped while disconnected (announces are
  // repeated on reconnection).
  void send(std::string text);
  const std::string& url() const { return url_; }
  bool connected() const { return connected_.load(); }

  // libwebsockets callback (public for the C trampoline).
  int on_callback(lws* wsi, int reason, void* in, std::size_t len);

 private:
  void on_timer();  // every second on the service thread
  void connect();
  void lost(const std::string& why);
  int write_one(lws* wsi);

  std::string url_;
  Handlers handlers_;
  lws_client::Target target_;
  lws* wsi_ = nullptr;  // lws thread only
  bool open_ = false;   // lws thread only
  std::string partial_;
  lws_client::Backoff backoff_;  // lws thread only
  std::mutex mutex_;
  std::deque<std::string> outgoing_;  // guarded by mutex_
  std::atomic<bool> connected_{false};
  std::atomic<bool> stop_{false};
  std::optional<lws_client::ServiceThread> service_;  // last: stops before the rest goes
};

}  // namespace hlsmesh::meshrelay
