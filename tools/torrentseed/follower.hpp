#pragma once
// Follow mode (volunteer relay): each `segment` event's torrent (embedded
// .torrent, magnet, or bare infohash) is downloaded into the store from peers
// (and the web seed unless --no-web-seed), then seeded; a `segment` event
// with the local `path` is emitted once the file is complete, in input order.
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tools/torrentseed/mode.hpp"

namespace torrentseed {

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

 private:
  struct Pending {
    std::string segment;  // for messages
    std::int64_t started_ms = 0;
    std::int64_t last_connect_ms = 0;
  };
  void follow(hlsmesh::Json& event);
  void connect_peers(const lt::torrent_handle& handle);
  void complete(const std::string& infohash, const lt::torrent_handle& handle);
  void give_up(const std::string& infohash, const std::string& why);

  std::vector<boost::asio::ip::tcp::endpoint> peers_;
  std::map<std::string, Pending> pending_;  // infohash -> download in flight
  std::uint64_t completed_ = 0;
  std::uint64_t followed_ = 0;
  std::uint64_t download_ms_total_ = 0;
};

}  // namespace torrentseed
