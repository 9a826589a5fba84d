#include "tools/hlswatch/output.hpp"

#include <chrono>

#include "common/log.hpp"
#include "common/time_util.hpp"

namespace hlsmesh::hlswatch {

namespace {
std::string now_text() { return hlsmesh::format_iso8601_ms(std::chrono::system_clock::now()); }
}  // namespace

hlsmesh::Json segment_event(const ReadySegment& s, const std::string& stream, const std::string& rendition) {
  hlsmesh::Json e = {{"event", "segment"}, {"stream", stream},     {"rendition", rendition},
                     {"msn", s.msn},       {"path", s.path},       {"uri", s.uri},
                     {"bytes", s.bytes},   {"duration", s.duration}, {"discontinuity", s.discontinuity}};
  if (s.pdt) e["pdt"] = *s.pdt;
  if (s.map) e["map"] = *s.map;
  e["target_duration"] = s.target_duration;
  e["time"] = now_text();
  return e;
}

hlsmesh::Json init_event(const ReadyInit& i, const std::string& stream, const std::string& rendition) {
  return {{"event", "init"}, {"stream", stream}, {"rendition", rendition}, {"path", i.path},
          {"uri", i.uri},    {"bytes", i.bytes}, {"time", now_text()}};
}

hlsmesh::Json end_event(const SourceEnded&, const std::string& stream, const std::string& rendition) {
  return {{"event", "end"}, {"stream", stream}, {"rendition", rendition}, {"time", now_text()}};
}

hlsmesh::Json master_event(const std::vector<MasterVariant>& variants, const std::string& stream) {
  return {{"event", "master"}, {"stream", stream}, {"renditions", master_renditions_json(variants)},
          {"time", now_text()}};
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
