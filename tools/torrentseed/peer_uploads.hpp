#pragma once
// Per-peer upload totals, exact even for connections that last less than a
// second (a fast peer fetches a 2 MiB segment and leaves): a libtorrent
// plugin reads each connection's total_upload every second and once more
// when it closes, on libtorrent's network thread; the event loop reads the
// totals under a mutex. No blocking calls into the session.
#include <libtorrent/extensions.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace hlsmesh::torrentseed {

class PeerUploads {
 public:
  // The plugin to pass to lt::session::add_extension().
  std::shared_ptr<lt::plugin> plugin();

  // Bytes of payload sent to each peer address over the whole run, biggest
  // first, at most `limit` entries: [{"peer","client","uploaded"}].
  nlohmann::json top(std::size_t limit) const;
  std::size_t peers_seen() const;

  // Called on libtorrent's thread by the plugin.
  void update(const void* connection, const std::string& address, const std::string& client, std::int64_t uploaded);
  void closed(const void* connection, const std::string& address, const std::string& client, std::int64_t uploaded);

 private:
  struct Totals {
    std::string client;
    std::int64_t closed = 0;  // sum over finished connections
  };
  struct Live {
    std::string address;
    std::int64_t uploaded = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Totals> by_address_;
  std::map<const void*, Live> live_;
  static constexpr std::size_t max_addresses = 10000;  // bounded memory
};

}  // namespace hlsmesh::torrentseed
