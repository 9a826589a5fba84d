#pragma once
// URL text the programs build: percent-encoding and joining a name or a
// relative URI onto a base URL. Parsing a URL into parts stays with libcurl
// (CURLU) where a program needs it.
#include <string>
#include <string_view>

namespace hlsmesh::url {

// Percent-encodes every byte but RFC 3986's unreserved characters
// (A-Z a-z 0-9 - _ . ~), and '/' too with `keep_slash` (object keys, paths).
std::string encode(std::string_view text, bool keep_slash = false);

// Whether `uri` starts with an RFC 3986 scheme followed by "://".
bool has_scheme(std::string_view uri);

// `relative` under `base`: "http://cdn/live/" + "./a.ts" → "http://cdn/live/a.ts"
// (one '/' between them; a leading "./" or '/' of `relative` dropped). A URI
// with a scheme is returned as it is. Nothing is encoded here.
std::string join(std::string_view base, std::string_view relative);

}  // namespace hlsmesh::url
