#include "tools/hlswatch/output.hpp"

#include <chrono>

#include "common/events.hpp"
#include "common/log.hpp"
#include "common/time_util.hpp"

namespace hlsmesh::hlswatch {

namespace {
std::string now_text() { return hlsmesh::format_iso8601_ms(std::chrono::system_clock::now()); }

// Every event about one rendition starts with its stream and rendition.
hlsmesh::Json rendition_event(std::string_view name, const std::string& stream, const std::string& rendition) {
  hlsmesh::Json e = events::make(name);
  e["stream"] = stream;
  e["rendition"] = rendition;
  return e;
}
}  // namespace

hlsmesh::Json segment_event(const ReadySegment& s, const std::string& stream, const std::string& rendition) {
  hlsmesh::Json e = rendition_event("segment", stream, rendition);
  e["msn"] = s.msn;
  e["path"] = s.path;
  e["uri"] = s.uri;
  e["bytes"] = s.bytes;
  e["duration"] = s.duration;
  e["discontinuity"] = s.discontinuity;
  if (s.pdt) e["pdt"] = *s.pdt;
  if (s.map) e["map"] = *s.map;
  e["target_duration"] = s.target_duration;
  e["time"] = now_text();
  return e;
}

hlsmesh::Json init_event(const ReadyInit& i, const std::string& stream, const std::string& rendition) {
  hlsmesh::Json e = rendition_event("init", stream, rendition);
  e["path"] = i.path;
  e["uri"] = i.uri;
  e["bytes"] = i.bytes;
  e["time"] = now_text();
  return e;
}

hlsmesh::Json end_event(const SourceEnded&, const std::string& stream, const std::string& rendition) {
  hlsmesh::Json e = rendition_event("end", stream, rendition);
  e["time"] = now_text();
  return e;
}

hlsmesh::Json master_event(const std::vector<MasterVariant>& variants, const std::string& stream) {
  hlsmesh::Json e = events::make("master");
  e["stream"] = stream;
  e["renditions"] = master_renditions_json(variants);
  e["time"] = now_text();
  return e;
}

void write_items(hlsmesh::EventWriter& writer, const std::vector<TrackerItem>& items, const std::string& stream,
                 const std::string& rendition) {
  for (const auto& item : items) {
    if (const auto* s = std::get_if<ReadySegment>(&item)) {
      writer.write(segment_event(*s, stream, rendition));
    } else if (const auto* i = std::get_if<ReadyInit>(&item)) {
      writer.write(init_event(*i, stream, rendition));
    } else if (const auto* e = std::get_if<SourceEnded>(&item)) {
      hlsmesh::log::notice(stream + "/" + rendition + ": source ended (" + e->reason + ")");
      writer.write(end_event(*e, stream, rendition));
    }
  }
}

}  // namespace hlsmesh::hlswatch
