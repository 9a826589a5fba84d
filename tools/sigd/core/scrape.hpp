#pragma once
// Which swarms a scrape answers, the same for the WebSocket and the HTTP
// tracker: the hashes asked for, each once (a repeated key would make a
// duplicate JSON key), or for a full scrape the first `limit` live swarms,
// walking no further than that.
#include <cstddef>
#include <vector>

#include "tools/sigd/core/ws_protocol.hpp"

namespace hlsmesh::sigd {

class AllowList;
class Registry;

struct ScrapeSelection {
  std::vector<ScrapeFile> files;
  size_t swarms_visited = 0;  // of a full scrape: how far the walk went
};

// Hashes off the allow-list are left out; unknown hashes count zeros.
ScrapeSelection select_scrape(const ScrapeRequest& request, const Registry& registry, const AllowList& allow,
                              size_t limit);

}  // namespace hlsmesh::sigd
