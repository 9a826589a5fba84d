#include "tools/torrentseed/session.hpp"

#include <libtorrent/alert_types.hpp>
#include <libtorrent/fingerprint.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "common/error.hpp"

namespace hlsmesh::torrentseed {

namespace {

lt::settings_pack make_settings(const SessionConfig& config) {
  using sp = lt::settings_pack;
  sp s;
  s.set_str(sp::listen_interfaces, config.listen_interfaces);
  s.set_str(sp::user_agent, "hlsmesh-torrentseed/" HLSMESH_VERSION);
  s.set_str(sp::peer_fingerprint, lt::generate_fingerprint("HM", 0, 1, 0, 0));
  s.set_bool(sp::enable_dht, config.dht);
  s.set_bool(sp::enable_lsd, config.lsd);
  s.set_bool(sp::enable_upnp, false);
  s.set_bool(sp::enable_natpmp, false);

  // Only errors, status (add/remove/finished/state updates) and storage:
  // peer/progress/block categories would flood the queue.
  s.set_int(sp::alert_mask, static_cast<int>(static_cast<std::uint32_t>(
                                lt::alert_category::error | lt::alert_category::status | lt::alert_category::storage)));
  s.set_int(sp::alert_queue_size, config.alert_queue_size);

  // Torrents are added neither auto-managed nor paused; these are a safety net
  // against the queueing limits that silently stop seeds (libtorrent#7457).
  s.set_int(sp::active_seeds, -1);
  s.set_int(sp::active_downloads, -1);
  s.set_int(sp::active_limit, -1);
  s.set_int(sp::active_tracker_limit, -1);
  s.set_int(sp::active_lsd_limit, -1);
  s.set_int(sp::active_dht_limit, -1);

  // A delivery seed: many viewers (often behind one NAT), everyone unchoked.
  s.set_int(sp::connections_limit, 2000);
  s.set_int(sp::unchoke_slots_limit, -1);
  s.set_bool(sp::allow_multiple_connections_per_ip, true);
  s.set_int(sp::max_peerlist_size, 200);
  s.set_bool(sp::announce_to_all_trackers, true);
  s.set_bool(sp::announce_to_all_tiers, true);
  // Removing a torrent sends event=stopped; don't let it hold up exit.
  s.set_int(sp::stop_tracker_timeout, 1);
  if (config.downloading) {
    // A relay fetches segments that live seconds: retry peers quickly.
    s.set_int(sp::min_reconnect_time, 1);
    s.set_int(sp::peer_connect_timeout, 5);
  }
  return s;
}

}  // namespace

TorrentSession::TorrentSession(const SessionConfig& config)
    : notify_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!notify_) {
    throw hlsmesh::Error(hlsmesh::Exit::software, "eventfd() failed: " + hlsmesh::errno_text(errno));
  }
  lt::session_params params(make_settings(config));
  params.extensions.push_back(peer_uploads_.plugin());
  session_ = std::make_unique<lt::session>(std::move(params));
  // Called on libtorrent's thread: only wake the loop, never call into libtorrent.
  int fd = notify_.get();
  session_->set_alert_notify([fd] {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(fd, &one, sizeof one);
  });
}

TorrentSession::~TorrentSession() {
  session_->set_alert_notify([] {});
  session_.reset();  // blocks until the network thread is done (tracker stops: ≤1 s)
}

std::vector<lt::alert*>& TorrentSession::pop_alerts() {
  std::uint64_t count = 0;
  [[maybe_unused]] auto n = ::read(notify_.get(), &count, sizeof count);
  session_->pop_alerts(&alerts_);
  return alerts_;
}

}  // namespace hlsmesh::torrentseed
