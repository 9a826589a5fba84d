#pragma once
// --www: the rules for serving static files (no I/O loop here): where a URL
// path maps on disk (never outside the root, never a listing), MIME types,
// cache policy (playlists no-cache, segments immutable) and Range parsing.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hlsmesh::sigd {

// `root_real` is realpath(--www). Returns the real path of a regular file to
// serve for `url_path` (already %-decoded), or nullopt (404). Directories map
// to their index.html; symlinks are followed only while they stay inside root;
// a path with a component starting with '.' (asked for or resolved) is never served.
std::optional<std::string> resolve_static_path(const std::string& root_real, std::string_view url_path);

std::string_view mime_type_for(std::string_view path);
std::string_view cache_control_for(std::string_view path);

struct ByteRange {
  uint64_t first = 0, last = 0;  // inclusive
};
enum class RangeResult { none, ok, unsatisfiable };
// One "bytes=" range (first-last, first-, -suffix). Multiple ranges or other
// units: none (serve the whole file, as RFC 9110 allows).
RangeResult parse_range(std::string_view header, uint64_t size, ByteRange& out);

}  // namespace hlsmesh::sigd
