#pragma once
// The Content-Type of each HLS file kind, one table for every program that
// uploads, serves or checks them (players and Safari go by these).
#include <string_view>

namespace hlsmesh::media_types {

// The Content-Type of an HLS playlist, media segment, init section or audio
// rendition by its file extension (no dot, any case); "" for anything else.
std::string_view hls(std::string_view extension);

// The extension of the last path segment of `path` ("" when none), as written.
std::string_view extension_of(std::string_view path);

}  // namespace hlsmesh::media_types
