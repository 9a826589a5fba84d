#pragma once
// Follow mode (volunteer relay): each `segment` event's torrent (embedded
// .torrent, magnet, or bare infohash) is downloaded into the store from peers
// (and the web seed unless --no-web-seed), then seeded, and announced to the
// --tracker URLs as well as the torrent's own; a `segment` event with the
// local `path` is emitted once the file is complete, in input order. A
// segment that leaves the window (expire, --keep) before it is complete is
// given up at once: its event is dropped, never emitted without the file.
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tools/torrentseed/mode.hpp"
#include "tools/torrentseed/recent_set.hpp"

namespace hlsmesh::torrentseed {

class Follower final : public Mode {
 public:
  explicit Follower(Parts parts);
  const char* name() const override { return "follow"; }
  void on_event(hlsmesh::Json&& event) override;
  void on_alert(const lt::alert& alert) override;
  void on_added(const AddOutcome& outcome) override;
  void on_tick(std::int64_t now_ms) override;
  bool busy() const override { return !pending_.empty(); }
  void on_stop() override;
  void add_stats(hlsmesh::Json& stats) const override;

  // Infohashes remembered against feed replays: a few times --keep, and at
  // least sigd's default --feed-backlog several times over.
  static std::size_t recent_capacity(int keep);

 private:
  struct Pending {
    std::string segment;  // for messages
    std::int64_t started_ms = 0;
    std::int64_t last_connect_ms = 0;
    std::int64_t asked_status_ms = 0;  // finished, size unknown: when a state update was requested
  };
  void follow(hlsmesh::Json& event);
  void leave(const std::vector<WindowEntry>& entries);
  void connect_peers(const lt::torrent_handle& handle);
  void complete_finished();
  void complete(const std::string& infohash, const TorrentEntry& entry);
  void give_up(const std::string& infohash, const std::string& why);

  std::vector<boost::asio::ip::tcp::endpoint> peers_;
  std::map<std::string, Pending> pending_;  // infohash -> download in flight
  RecentSet recent_;                        // infohashes followed lately
  std::uint64_t completed_ = 0;
  std::uint64_t followed_ = 0;
  std::uint64_t abandoned_ = 0;  // left the window before they were complete
  std::uint64_t repeats_ = 0;    // segment events of an infohash already followed (feed replays)
  std::uint64_t download_ms_total_ = 0;
};

}  // namespace hlsmesh::torrentseed
