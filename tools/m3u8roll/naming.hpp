#pragma once
// Names and URIs: output-path templates and CDN URL resolution.
#include <string>
#include <string_view>

namespace hlsmesh::m3u8roll {

// Names used when an event carries no `stream` / `rendition`.
inline constexpr std::string_view default_stream = "live";
inline constexpr std::string_view default_rendition = "0";

// Replaces {rendition} and {stream}; the names are made path-safe first
// (anything but [A-Za-z0-9._-] becomes '_', and no "..").
std::string expand_template(std::string_view pattern, std::string_view stream, std::string_view rendition);

}  // namespace hlsmesh::m3u8roll
