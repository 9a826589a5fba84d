#pragma once
// One libtorrent session tuned for many short-lived seeds (see
// reference/libtorrent.md): nothing auto-managed, no queueing limits, a large
// alert queue, and alerts delivered to the event loop through an eventfd.
#include <libtorrent/alert.hpp>
#include <libtorrent/session.hpp>

#include <memory>
#include <string>
#include <vector>

#include "common/fd.hpp"
#include "tools/torrentseed/peer_uploads.hpp"

namespace hlsmesh::torrentseed {

struct SessionConfig {
  std::string listen_interfaces;  // libtorrent syntax: "0.0.0.0:6881,[::]:6881"
  bool lsd = true;
  bool dht = false;
  int alert_queue_size = 10000;
  bool downloading = false;  // follow mode: also reconnect to peers quickly
};

class TorrentSession {
 public:
  explicit TorrentSession(const SessionConfig& config);
  TorrentSession(const TorrentSession&) = delete;
  TorrentSession& operator=(const TorrentSession&) = delete;
  ~TorrentSession();

  lt::session& get() { return *session_; }
  const PeerUploads& peer_uploads() const { return peer_uploads_; }

  // Readable when alerts are waiting: poll it, then call pop_alerts().
  int notify_fd() const { return notify_.get(); }

  // Clears the eventfd and returns the pending alerts; the pointers stay
  // valid until the next call.
  std::vector<lt::alert*>& pop_alerts();

 private:
  hlsmesh::UniqueFd notify_;
  PeerUploads peer_uploads_;  // before session_: its plugin is used until the session is gone
  std::unique_ptr<lt::session> session_;
  std::vector<lt::alert*> alerts_;
};

}  // namespace hlsmesh::torrentseed
