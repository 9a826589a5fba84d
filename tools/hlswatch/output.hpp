#pragma once
// Turns tracker results into the events of DESIGN.md's contract.
#include <string>

#include "common/event_io.hpp"
#include "tools/hlswatch/discovery.hpp"
#include "tools/hlswatch/tracker.hpp"

namespace hlsmesh::hlswatch {

hlsmesh::Json segment_event(const ReadySegment& s, const std::string& stream, const std::string& rendition);
hlsmesh::Json init_event(const ReadyInit& i, const std::string& stream, const std::string& rendition);
hlsmesh::Json end_event(const SourceEnded& e, const std::string& stream, const std::string& rendition);
hlsmesh::Json master_event(const std::vector<MasterVariant>& variants, const std::string& stream);

// Writes every item as its event (flushed per line).
void write_items(hlsmesh::EventWriter& writer, const std::vector<TrackerItem>& items, const std::string& stream,
                 const std::string& rendition);

}  // namespace hlsmesh::hlswatch
