#pragma once
// RFC 8216 §4.2 attribute values, for the playlist parser (m3u8_parse.cpp):
// decimal integers, decimal floating point, <n>[@<o>] byte ranges, and an
// EXT-X-STREAM-INF attribute list decoded into a Variant. Each says "not
// valid" instead of throwing: the parser reports a problem and goes on.
// (parse_attributes, the attribute-list grammar itself, is in m3u8.hpp.)
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/m3u8.hpp"

namespace hlsmesh::m3u8::values {

std::optional<uint64_t> parse_uint(std::string_view text);
std::optional<double> parse_double(std::string_view text);  // finite only
std::optional<ByteRange> parse_byterange(std::string_view text);

// BANDWIDTH, AVERAGE-BANDWIDTH, CODECS, RESOLUTION, FRAME-RATE into `variant`,
// the rest kept verbatim; false when there is no valid BANDWIDTH.
bool decode_stream_inf(const std::vector<Attribute>& attributes, Variant& variant);

}  // namespace hlsmesh::m3u8::values
