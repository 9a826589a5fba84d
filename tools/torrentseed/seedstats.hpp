#pragma once
// The `seedstats` event and the summary logged at exit.
#include <string>

#include "common/event_io.hpp"
#include "tools/torrentseed/mode.hpp"

namespace hlsmesh::torrentseed {

hlsmesh::Json make_seedstats(const Mode& mode, const TorrentTable& torrents, const SegmentWindow& window,
                             const hlsmesh::EventReaderStats& input);

std::string make_summary(const Mode& mode, const TorrentTable& torrents, const hlsmesh::EventReaderStats& input);

}  // namespace hlsmesh::torrentseed
