#pragma once
// Wall-clock and monotonic time helpers; ISO 8601 with milliseconds as HLS
// PROGRAM-DATE-TIME and the event contract use it.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hlsmesh {

using SystemTime = std::chrono::system_clock::time_point;

// "2026-11-23T16:17:00.123Z"
std::string format_iso8601_ms(SystemTime t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM|±HHMM)"; nullopt if malformed
// or without a time zone (RFC 8216 requires one).
std::optional<SystemTime> parse_iso8601(std::string_view text);

// Monotonic milliseconds, for durations and timeouts.
int64_t monotonic_ms();
// Monotonic microseconds.
int64_t monotonic_us();

}  // namespace hlsmesh
