// libFuzzer target: sigd's HTTP tracker query handling, from the raw
// (%-escaped) query string to the bencoded reply: parse_query, announce into
// a registry that lives across inputs (so later inputs meet earlier peers),
// scrape. `make -C tests/fuzz run-fuzz_http_query`. The first byte picks the
// remote address family and whether the allow-list is on.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tools/sigd/core/access.hpp"
#include "tools/sigd/core/http_tracker.hpp"
#include "tools/sigd/core/registry.hpp"
#include "tools/sigd/core/stats.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static hlsmesh::sigd::Registry registry(hlsmesh::sigd::RegistryLimits{.max_swarms = 64, .max_peers = 256});
  static hlsmesh::sigd::Stats stats;
  static int64_t now_ms = 0;
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string_view query(reinterpret_cast<const char*>(data + 1), size - 1);

  (void)hlsmesh::sigd::parse_query(query, 64);
  (void)hlsmesh::sigd::percent_decode(query);

  hlsmesh::sigd::PeerAddr remote;
  remote.v6 = mode & 1;
  remote.ip[0] = remote.v6 ? 0x20 : 127;
  remote.ip[remote.v6 ? 15 : 3] = static_cast<uint8_t>(mode >> 4);
  remote.port = 6881;
  hlsmesh::sigd::AllowList allow;  // off: every info hash may announce
  hlsmesh::sigd::HttpTrackerConfig config{.interval = 60, .numwant_default = 50, .numwant_max = 200, .max_scrape = 16};
  now_ms += 1000 * (mode & 0x0E);  // peers expire as inputs go by
  (void)hlsmesh::sigd::http_announce(query, remote, registry, stats, allow, config, now_ms);
  (void)hlsmesh::sigd::http_scrape(query, registry, stats, allow, config);
  registry.expire(now_ms - 120000, now_ms - 120000, [](const hlsmesh::sigd::Id20&, const hlsmesh::sigd::Peer&) {});
  return 0;
}
