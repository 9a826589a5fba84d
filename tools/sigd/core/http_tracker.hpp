#pragma once
// The HTTP BitTorrent tracker for native clients (libtorrent, aria2c,
// torrentseed): GET /announce and /scrape per BEP 3, 23 (compact), 7 (peers6)
// and 48, replies bencoded with libtorrent's encoder, failures with HTTP 200.
#include <cstdint>
#include <string>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "tools/sigd/core/registry.hpp"

namespace hlsmesh::sigd {

class AllowList;
struct Stats;

struct HttpTrackerConfig {
  int interval = 600;
  int numwant_default = 50;
  int numwant_max = 200;
  size_t max_scrape = 255;
};

// `query` is the raw (still %-escaped) query string after '?'.
std::string http_announce(std::string_view query, const PeerAddr& remote, Registry& registry, Stats& stats,
                          const AllowList& allow, const HttpTrackerConfig& config, int64_t now_ms);
std::string http_scrape(std::string_view query, const Registry& registry, Stats& stats, const AllowList& allow,
                        const HttpTrackerConfig& config);
std::string bencoded_failure(std::string_view reason);

// What the start of an HTTP request is, as far as it has arrived: a plain
// HTTP tracker GET (/announce? or /scrape?, no Upgrade header) that sigd
// answers itself, anything else (lws's), or not known yet.
enum class RequestKind : uint8_t { incomplete, tracker, other };
RequestKind classify_request(std::string_view head);

// Splits "a=1&b=%20" into %-decoded pairs (at most `limit`); nullopt on a
// malformed %-escape or too many pairs.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view query, size_t limit);
std::optional<std::string> percent_decode(std::string_view s);

}  // namespace hlsmesh::sigd
