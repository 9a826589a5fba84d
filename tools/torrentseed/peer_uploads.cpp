#include "tools/torrentseed/peer_uploads.hpp"

#include <libtorrent/peer_connection_handle.hpp>
#include <libtorrent/peer_info.hpp>

#include <algorithm>
#include <vector>

namespace hlsmesh::torrentseed {

namespace {

class PeerWatch final : public lt::peer_plugin {
 public:
  PeerWatch(const lt::peer_connection_handle& connection, PeerUploads& uploads)
      : connection_(connection), uploads_(uploads), address_(connection.remote().address().to_string()) {}

  void tick() override { report(false); }
  void on_disconnect(const lt::error_code&) override { report(true); }

 private:
  void report(bool closing) {
    lt::peer_info info;
    connection_.get_peer_info(info);
    if (closing) {
      uploads_.closed(this, address_, info.client, info.total_upload);
    } else {
      uploads_.update(this, address_, info.client, info.total_upload);
    }
  }
  lt::peer_connection_handle connection_;
  PeerUploads& uploads_;
  std::string address_;
};

class TorrentWatch final : public lt::torrent_plugin {
 public:
  explicit TorrentWatch(PeerUploads& uploads) : uploads_(uploads) {}
  std::shared_ptr<lt::peer_plugin> new_connection(const lt::peer_connection_handle& connection) override {
    return std::make_shared<PeerWatch>(connection, uploads_);
  }

 private:
  PeerUploads& uploads_;
};

class SessionWatch final : public lt::plugin {
 public:
  explicit SessionWatch(PeerUploads& uploads) : uploads_(uploads) {}
  std::shared_ptr<lt::torrent_plugin> new_torrent(const lt::torrent_handle&, lt::client_data_t) override {
    return std::make_shared<TorrentWatch>(uploads_);
  }

 private:
  PeerUploads& uploads_;
};

}  // namespace

std::shared_ptr<lt::plugin> PeerUploads::plugin() { return std::make_shared<SessionWatch>(*this); }

void PeerUploads::update(const void* connection, const std::string& address, const std::string& client,
                         std::int64_t uploaded) {
  std::lock_guard lock(mutex_);
  if (uploaded <= 0) return;
  auto it = by_address_.find(address);
  if (it == by_address_.end()) {
    if (by_address_.size() >= max_addresses) return;
    it = by_address_.emplace(address, Totals{}).first;
  }
  if (!client.empty()) it->second.client = client;
  live_[connection] = Live{address, uploaded};
}

void PeerUploads::closed(const void* connection, const std::string& address, const std::string& client,
                         std::int64_t uploaded) {
  std::lock_guard lock(mutex_);
  live_.erase(connection);
  if (uploaded <= 0) return;
  auto it = by_address_.find(address);
  if (it == by_address_.end()) {
    if (by_address_.size() >= max_addresses) return;
    it = by_address_.emplace(address, Totals{}).first;
  }
  if (!client.empty()) it->second.client = client;
  it->second.closed += uploaded;
}

std::size_t PeerUploads::peers_seen() const {
  std::lock_guard lock(mutex_);
  return by_address_.size();
}

nlohmann::json PeerUploads::top(std::size_t limit) const {
  std::vector<std::pair<std::string, std::pair<std::string, std::int64_t>>> rows;
  {
    std::lock_guard lock(mutex_);
    std::map<std::string, std::int64_t> live_sum;
    for (const auto& [connection, live] : live_) live_sum[live.address] += live.uploaded;
    for (const auto& [address, totals] : by_address_) {
      rows.push_back({address, {totals.client, totals.closed + live_sum[address]}});
    }
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.second > b.second.second; });
  if (rows.size() > limit) rows.resize(limit);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [address, row] : rows) {
    list.push_back({{"peer", address}, {"client", row.first}, {"uploaded", row.second}});
  }
  return list;
}

}  // namespace hlsmesh::torrentseed
