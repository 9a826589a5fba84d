#pragma once
// Reading the fields m3u8roll uses from an event, the way it reads them: an
// empty string is no value, a negative number is no position.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/event_io.hpp"

namespace hlsmesh::m3u8roll {

// A stream or rendition name: `fallback` when missing, null or empty; a
// number used as a name reads as its JSON ("1").
std::string name_field(const Json& event, const char* field, std::string_view fallback);
// A non-empty string, else nullopt.
std::optional<std::string> string_field(const Json& event, const char* field);
// A non-negative integer, else nullopt.
std::optional<uint64_t> unsigned_field(const Json& event, const char* field);
// "segment msn 7 (seg7.ts)": the segment as log lines name it.
std::string describe(const Json& event);

}  // namespace hlsmesh::m3u8roll
