// m3u8 writer and model helpers.
#include <cmath>
#include <cstdio>

#include "common/m3u8.hpp"

namespace hlsmesh::m3u8 {

uint64_t rounded_duration(double seconds) {
  if (!(seconds > 0)) return 0;
  const double r = std::floor(seconds + 0.5);
  // Saturate: converting a double beyond uint64_t is undefined behaviour (EXTINF:1e60).
  return r >= 18446744073709551616.0 ? UINT64_MAX : static_cast<uint64_t>(r);
}

namespace {
// Durations are written with millisecond precision; "integral" is judged on that.
bool is_integral_ms(double seconds) {
  if (std::fabs(seconds) > 1e12) return true;  // beyond llround's range; nonsense reported elsewhere
  auto ms = static_cast<long long>(std::llround(seconds * 1000.0));
  return ms % 1000 == 0;
}

std::string format_byterange(const ByteRange& r) {
  std::string s = std::to_string(r.length);
  if (r.offset) s += "@" + std::to_string(*r.offset);
  return s;
}
}  // namespace

double MediaPlaylist::total_duration() const {
  double sum = 0;
  for (const auto& s : segments) sum += s.duration;
  return sum;
}

int MediaPlaylist::required_version() const {
  int v = 1;
  for (const auto& s : segments) {
    if (!is_integral_ms(s.duration)) v = std::max(v, 3);
    if (s.byterange) v = std::max(v, 4);
    if (s.map) v = std::max(v, 6);  // EXT-X-MAP without I-FRAMES-ONLY (RFC 8216 §7)
    if (s.map && s.map->byterange) v = std::max(v, 6);
  }
  return v;
}

uint64_t MediaPlaylist::discontinuity_number(size_t index) const {
  uint64_t n = first_dsn();
  for (size_t i = 0; i <= index && i < segments.size(); ++i)
    if (segments[i].discontinuity) ++n;
  return n;
}

std::string format_duration(double seconds, int version) {
  char buf[330];  // "%.3f" of the largest double is 313 characters: never cut a value short
  if (version < 3) {
    std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(rounded_duration(seconds)));
  } else {
    std::snprintf(buf, sizeof buf, "%.3f", seconds);
  }
  return buf;
}

std::string write(const MediaPlaylist& pl) {
  int version = std::max(pl.version.value_or(1), pl.required_version());
  std::string out;
  out.reserve(96 + pl.segments.size() * 96);
  out += "#EXTM3U\n";
  if (version > 1) out += "#EXT-X-VERSION:" + std::to_string(version) + "\n";
  if (pl.target_duration) out += "#EXT-X-TARGETDURATION:" + std::to_string(*pl.target_duration) + "\n";
  out += "#EXT-X-MEDIA-SEQUENCE:" + std::to_string(pl.first_msn()) + "\n";
  if (pl.discontinuity_sequence) out += "#EXT-X-DISCONTINUITY-SEQUENCE:" + std::to_string(*pl.discontinuity_sequence) + "\n";
  if (!pl.playlist_type.empty()) out += "#EXT-X-PLAYLIST-TYPE:" + pl.playlist_type + "\n";
  if (pl.independent_segments) out += "#EXT-X-INDEPENDENT-SEGMENTS\n";
  for (const auto& t : pl.header_tags) out += t + "\n";
  const Map* previous_map = nullptr;
  for (const auto& s : pl.segments) {
    for (const auto& t : s.extra_tags) out += t + "\n";
    if (s.discontinuity) out += "#EXT-X-DISCONTINUITY\n";
    if (s.map && (!previous_map || !(*previous_map == *s.map) || s.discontinuity)) {
      out += "#EXT-X-MAP:URI=\"" + s.map->uri + "\"";
      if (s.map->byterange) out += ",BYTERANGE=\"" + format_byterange(*s.map->byterange) + "\"";
      out += "\n";
    }
    previous_map = s.map ? &*s.map : nullptr;
    if (s.program_date_time) out += "#EXT-X-PROGRAM-DATE-TIME:" + *s.program_date_time + "\n";
    out += "#EXTINF:" + format_duration(s.duration, version) + "," + s.title + "\n";
    if (s.byterange) out += "#EXT-X-BYTERANGE:" + format_byterange(*s.byterange) + "\n";
    if (s.gap) out += "#EXT-X-GAP\n";
    out += s.uri + "\n";
  }
  for (const auto& t : pl.trailing_tags) out += t + "\n";
  if (pl.endlist) out += "#EXT-X-ENDLIST\n";
  return out;
}

std::string write(const MasterPlaylist& pl) {
  std::string out = "#EXTM3U\n";
  if (pl.version && *pl.version > 1) out += "#EXT-X-VERSION:" + std::to_string(*pl.version) + "\n";
  if (pl.independent_segments) out += "#EXT-X-INDEPENDENT-SEGMENTS\n";
  for (const auto& t : pl.tags) out += t + "\n";
  for (const auto& v : pl.variants) {
    for (const auto& t : v.extra_tags) out += t + "\n";
    out += "#EXT-X-STREAM-INF:BANDWIDTH=" + std::to_string(v.bandwidth);
    if (v.average_bandwidth) out += ",AVERAGE-BANDWIDTH=" + std::to_string(*v.average_bandwidth);
    if (!v.codecs.empty()) out += ",CODECS=\"" + v.codecs + "\"";
    if (!v.resolution.empty()) out += ",RESOLUTION=" + v.resolution;
    if (v.frame_rate) {
      char buf[330];
      std::snprintf(buf, sizeof buf, "%.3f", *v.frame_rate);
      out += std::string(",FRAME-RATE=") + buf;
    }
    for (const auto& [name, value] : v.other_attributes) out += "," + name + "=" + value;
    out += "\n" + v.uri + "\n";
  }
  return out;
}

}  // namespace hlsmesh::m3u8
