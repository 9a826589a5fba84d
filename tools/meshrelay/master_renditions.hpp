#pragma once
// The renditions of a master playlist as p2p-media-loader's hls.js
// integration sees them (MANIFEST_LOADED): every variant (a "main" stream,
// numbered by its place in the master), then every audio rendition with a
// URI of its own (EXT-X-MEDIA TYPE=AUDIO: a "secondary" stream, numbered
// by its place among hls.js' audio tracks). Both carry what the swarm id is
// derived from; an init segment (EXT-X-MAP) plays no part: p2p-media-loader
// loads it over HTTP and never shares it.
#include <string>
#include <vector>

#include "common/m3u8.hpp"
#include "tools/meshrelay/rendition_map.hpp"

namespace hlsmesh::meshrelay {

// `base`: the master's URL, to resolve the renditions' URIs against.
std::vector<Rendition> renditions_of(const m3u8::MasterPlaylist& master, const std::string& base);

// `relative` resolved against `base` (RFC 3986, by libcurl's URL API).
std::string resolve_url(const std::string& base, const std::string& relative);

}  // namespace hlsmesh::meshrelay
