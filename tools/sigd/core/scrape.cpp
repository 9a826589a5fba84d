#include "tools/sigd/core/scrape.hpp"

#include <algorithm>

#include "tools/sigd/core/access.hpp"
#include "tools/sigd/core/registry.hpp"

namespace hlsmesh::sigd {

namespace {

ScrapeFile file_of(const Id20& ih, const Swarm* s) {
  ScrapeFile f;
  f.info_hash = ih;
  if (s) {
    f.complete = s->complete;
    f.incomplete = s->incomplete;
    f.downloaded = s->downloaded;
  }
  return f;
}

}  // namespace

ScrapeSelection select_scrape(const ScrapeRequest& req, const Registry& registry, const AllowList& allow,
                              size_t limit) {
  ScrapeSelection out;
  if (limit == 0) return out;
  if (req.full) {
    out.files.reserve(std::min(limit, registry.swarm_count()));
    registry.for_each_swarm([&](const Id20& ih, const Swarm& s) {
      ++out.swarms_visited;
      if (allow.allows(ih)) out.files.push_back(file_of(ih, &s));
      return out.files.size() < limit;
    });
    return out;
  }
  out.files.reserve(std::min(limit, req.info_hashes.size()));
  for (const auto& ih : req.info_hashes) {
    if (out.files.size() >= limit) break;
    if (!allow.allows(ih)) continue;
    // A scrape lists at most --max-scrape hashes, so a linear look-back is cheap.
    const bool repeated = std::any_of(out.files.begin(), out.files.end(),
                                      [&](const ScrapeFile& f) { return f.info_hash == ih; });
    if (!repeated) out.files.push_back(file_of(ih, registry.find(ih)));
  }
  return out;
}

}  // namespace hlsmesh::sigd
