#include "common/events.hpp"

#include <array>

namespace hlsmesh::events {

namespace {

constexpr std::array kFields{
    Field{"segment", "stream", "string", "hlswatch"},
    Field{"segment", "rendition", "string", "hlswatch"},
    Field{"segment", "msn", "integer", "hlswatch"},
    Field{"segment", "path", "string", "hlswatch"},
    Field{"segment", "uri", "string", "hlswatch"},
    Field{"segment", "bytes", "integer", "hlswatch"},
    Field{"segment", "duration", "number", "hlswatch"},
    Field{"segment", "discontinuity", "boolean", "hlswatch"},
    Field{"segment", "pdt", "string", "hlswatch"},
    Field{"segment", "map", "string", "hlswatch"},
    Field{"segment", "target_duration", "integer", "hlswatch"},
    Field{"segment", "time", "string", "hlswatch"},
    Field{"segment", "playlist_msn", "integer", "m3u8roll"},
    Field{"segment", "playlist_error", "string", "m3u8roll"},
    Field{"segment", "source_path", "string", "torrentseed"},

    Field{"init", "stream", "string", "hlswatch"},
    Field{"init", "rendition", "string", "hlswatch"},
    Field{"init", "path", "string", "hlswatch"},
    Field{"init", "uri", "string", "hlswatch"},
    Field{"init", "bytes", "integer", "hlswatch"},
    Field{"init", "time", "string", "hlswatch"},

    Field{"master", "stream", "string", "hlswatch"},
    Field{"master", "renditions", "array", "hlswatch"},
    Field{"master", "time", "string", "hlswatch"},

    Field{"end", "stream", "string", "hlswatch"},
    Field{"end", "rendition", "string", "hlswatch"},
    Field{"end", "time", "string", "hlswatch"},

    Field{"playlist", "path", "string", "m3u8roll"},
    Field{"playlist", "stream", "string", "m3u8roll"},
    Field{"playlist", "rendition", "string", "m3u8roll"},
    Field{"playlist", "msn", "integer", "m3u8roll"},
    Field{"playlist", "segments", "integer", "m3u8roll"},
    Field{"playlist", "target_duration", "integer", "m3u8roll"},
    Field{"playlist", "duration", "number", "m3u8roll"},
    Field{"playlist", "endlist", "boolean", "m3u8roll"},
    Field{"playlist", "master", "boolean", "m3u8roll"},
    Field{"playlist", "renditions", "integer", "m3u8roll"},

    Field{"expire", "playlist_msn", "integer", "m3u8roll"},
    Field{"expire", "expire_after", "number", "m3u8roll"},
    Field{"expire", "reason", "string", "m3u8roll"},

    Field{"delivery", "stream", "string", "sigd"},
    Field{"delivery", "rendition", "string", "sigd"},
    Field{"delivery", "window_s", "integer", "sigd"},
    Field{"delivery", "viewers", "integer", "sigd"},
    Field{"delivery", "reports", "integer", "sigd"},
    Field{"delivery", "bytes", "object", "sigd"},
    Field{"delivery", "p2p_share", "number", "sigd"},
    Field{"delivery", "bytes_per_s", "object", "sigd"},
    Field{"delivery", "relays", "integer", "sigd"},
    Field{"delivery", "relay_peers", "integer", "sigd"},
    Field{"delivery", "stalls", "integer", "sigd"},
    Field{"delivery", "stall_ratio", "number", "sigd"},
    Field{"delivery", "latency_p50_s", "number", "sigd"},
    Field{"delivery", "latency_p95_s", "number", "sigd"},
    Field{"delivery", "peers_per_viewer", "number", "sigd"},

    Field{"relay", "time", "string", "meshrelay"},
    Field{"relay", "peers", "integer", "meshrelay"},
    Field{"relay", "peers_served", "integer", "meshrelay"},
    Field{"relay", "bytes_served", "integer", "meshrelay"},
    Field{"relay", "bytes_by_peer", "object", "meshrelay"},
    Field{"relay", "streams", "array", "meshrelay"},
    Field{"relay", "window_bytes", "integer", "meshrelay"},
    Field{"relay", "window_segments", "integer", "meshrelay"},
    Field{"relay", "dropped", "object", "meshrelay"},
    Field{"relay", "fetched_segments", "integer", "meshrelay"},
    Field{"relay", "fetched_bytes", "integer", "meshrelay"},
    Field{"relay", "playlist_requests", "integer", "meshrelay"},
    Field{"relay", "fetch_errors", "integer", "meshrelay"},
    Field{"relay", "own_offers", "object", "meshrelay"},
    Field{"relay", "feed", "object", "meshrelay"},

    Field{"*", "key", "string", "r2push"},
    Field{"*", "url", "string", "r2push"},
    Field{"*", "etag", "string", "r2push"},
    Field{"*", "upload_ms", "integer", "r2push"},
    Field{"*", "error", "object", "r2push"},
    Field{"*", "infohash", "string", "torrentseed"},
    Field{"*", "magnet", "string", "torrentseed"},
    Field{"*", "torrent", "string", "torrentseed"},
};

const Json* member(const Json& event, std::string_view field) {
  if (!event.is_object()) return nullptr;
  auto it = event.find(field);
  return it == event.end() ? nullptr : &*it;
}

}  // namespace

std::span<const Field> fields() { return kFields; }

const Field* find_field(std::string_view event, std::string_view name) {
  for (const auto& f : kFields)
    if (f.name == name && (f.event == event || f.event == "*")) return &f;
  return nullptr;
}

std::string name(const Json& event) { return string_field(event, "event").value_or(""); }

std::optional<std::string> string_field(const Json& event, std::string_view field) {
  const Json* v = member(event, field);
  if (!v || !v->is_string()) return std::nullopt;
  return v->get<std::string>();
}

std::optional<int64_t> integer_field(const Json& event, std::string_view field) {
  const Json* v = member(event, field);
  if (!v || !v->is_number_integer()) return std::nullopt;
  return v->get<int64_t>();
}

std::optional<double> number_field(const Json& event, std::string_view field) {
  const Json* v = member(event, field);
  if (!v || !v->is_number()) return std::nullopt;
  return v->get<double>();
}

std::optional<bool> bool_field(const Json& event, std::string_view field) {
  const Json* v = member(event, field);
  if (!v || !v->is_boolean()) return std::nullopt;
  return v->get<bool>();
}

std::string text_field(const Json& event, std::string_view field) {
  const Json* v = member(event, field);
  if (!v || v->is_null()) return {};
  return v->is_string() ? v->get<std::string>() : v->dump();
}

Json make(std::string_view name) { return Json{{"event", std::string(name)}}; }

}  // namespace hlsmesh::events
