#pragma once
// Object keys and object metadata: key templates, AWS key encoding, the
// public URL of a key, Content-Type by extension, Cache-Control by kind.
#include <string>

#include "common/event_io.hpp"

namespace hlsmesh::r2push {

// Expands a key template for an event. Placeholders: {prefix} (of --to),
// {rendition}, {stream}, {name} (the file name of `path`), {stem}, {ext},
// {msn}, {event}, and {hash}: `hash`, the digest of the bytes
// uploaded (content_hash()). Empty placeholders vanish with their '/'
// ("{prefix}/{rendition}/{name}" without a rendition is "PREFIX/NAME").
// Throws Error(config) on an unknown placeholder, or on {hash} without a
// hash (only the uploader has the bytes); returns "" when the key is
// empty.
std::string expand_key(const std::string& key_template, const std::string& prefix, const Json& event,
                       const std::string& hash = {});

// Checks a template once at start-up (unknown placeholders, no {name}).
void validate_key_template(const std::string& key_template);

// The template names objects by their bytes ({hash}).
bool uses_content_hash(const std::string& key_template);

// Hex digits of {hash}: 64 bits of SHA-256 (docs/r2push.md says why).
constexpr size_t content_hash_chars = 16;

// {hash} of a file's bytes, from their SHA-256 in hex (which a PUT computes
// anyway for x-amz-content-sha256): its first content_hash_chars digits.
std::string content_hash(const std::string& sha256_hex);

// Why `key` cannot name an object ("" when it can): empty, starting with '/',
// an empty, "." or ".." segment, or a NUL byte. Keys come from events
// (rendition, name, an expire event's own key): with file:// such a key would
// publish or unlink outside DIR, and curl folds "/../" out of an S3 URL path,
// so the request would hit another key (or bucket).
std::string key_problem(const std::string& key);

// A key as it goes into a URL path: AWS encoding, '/' kept.
std::string encode_key(const std::string& key);

// Content-Type by extension (.ts, .m4s, .mp4, .m3u8, .aac, .vtt, ...);
// application/octet-stream for anything unknown.
std::string content_type_for(const std::string& name);

// Playlists are rewritten in place and get short caching; segments never change.
bool is_playlist(const std::string& name);

}  // namespace hlsmesh::r2push
