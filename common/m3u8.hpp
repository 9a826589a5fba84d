#pragma once
// The one place that knows HLS playlist syntax (RFC 8216): a model of media
// and master playlists, a parser that keeps unknown tags and reports syntax
// problems with line numbers instead of giving up, and a writer.
// Semantic rules (the linter checklist) live in hls_check.hpp.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hlsmesh::m3u8 {

enum class Severity { error, warning, info };
const char* severity_name(Severity s);

// Whose rule a finding enforces: the HLS specification (RFC 8216, or its
// 2nd edition draft for LL-HLS) or hlsmesh's own deployment policy (a
// 60-segment window, unique URIs for CDN caching...). Other people's
// playlists are judged by the first only.
enum class Rule { rfc, policy };
// The specification's requirement level; a SHOULD is never more than a warning.
enum class Level { must, should, none };
const char* rule_name(Rule r);    // "rfc", "policy"
const char* level_name(Level l);  // "MUST", "SHOULD", ""

// A finding about a playlist: what, where (line, 0 if none) and the fix.
struct Diagnostic {
  Severity severity = Severity::error;
  std::string code;     // stable id, e.g. "target-duration-exceeded"
  size_t line = 0;      // 1-based line in the parsed text, 0 when not tied to a line
  std::string message;  // what is wrong, with the values involved
  std::string fix;      // what to do about it
  Rule rule = Rule::rfc;
  std::string section;  // "RFC 8216 §4.3.3.1", "8216bis §4.4.3.8"; "" for policy
  Level level = Level::must;
};

// One tag or URI line as written, in order, for the rules that need more
// than the model keeps (attribute lists, LL-HLS tags, version features).
struct Line {
  size_t number = 0;
  std::string tag;    // "#EXT-X-KEY"; "" for a URI line
  std::string value;  // text after the first ':' (or the URI)
};

struct ByteRange {
  uint64_t length = 0;
  std::optional<uint64_t> offset;
  bool operator==(const ByteRange&) const = default;
};

struct Map {  // EXT-X-MAP: the init section of fMP4 segments
  std::string uri;
  std::optional<ByteRange> byterange;
  bool operator==(const Map&) const = default;
};

struct Segment {
  std::string uri;
  double duration = 0;  // EXTINF seconds
  std::string title;    // EXTINF text after the comma
  bool discontinuity = false;
  std::optional<std::string> program_date_time;  // as written
  std::optional<Map> map;                        // the EXT-X-MAP in effect for this segment
  std::optional<ByteRange> byterange;
  bool gap = false;
  std::vector<std::string> extra_tags;  // unknown tags before the URI, verbatim (without '\n')
  size_t line = 0;                      // line of the URI in the parsed text
};

struct MediaPlaylist {
  std::optional<int> version;
  bool i_frames_only = false;  // EXT-X-I-FRAMES-ONLY
  std::optional<uint64_t> target_duration;
  std::optional<uint64_t> media_sequence;          // absent = 0
  std::optional<uint64_t> discontinuity_sequence;  // absent = 0
  std::string playlist_type;                       // "", "EVENT" or "VOD"
  bool independent_segments = false;
  bool endlist = false;
  std::vector<std::string> header_tags;    // unknown tags before the first segment
  std::vector<Segment> segments;
  std::vector<std::string> trailing_tags;  // unknown tags after the last URI

  uint64_t first_msn() const { return media_sequence.value_or(0); }
  uint64_t first_dsn() const { return discontinuity_sequence.value_or(0); }
  double total_duration() const;
  // The lowest EXT-X-VERSION the features used need (RFC 8216 §7).
  int required_version() const;
  // Discontinuity number of segment i (first DSN + DISCONTINUITY tags up to i).
  uint64_t discontinuity_number(size_t index) const;
};

struct Variant {  // EXT-X-STREAM-INF + URI
  std::string uri;
  uint64_t bandwidth = 0;
  bool bandwidth_missing = false;  // no valid BANDWIDTH was written (the parser reported it)
  std::optional<uint64_t> average_bandwidth;
  std::string codecs;
  std::string resolution;  // "WxH"
  std::optional<double> frame_rate;
  // Attributes other than the five above, in order, values as written.
  std::vector<std::pair<std::string, std::string>> other_attributes;
  std::vector<std::string> extra_tags;  // unknown tags between the previous URI and this one
  size_t line = 0;
};

struct MasterPlaylist {
  std::optional<int> version;
  bool independent_segments = false;
  std::vector<std::string> tags;  // EXT-X-MEDIA, EXT-X-SESSION-*, unknown tags: verbatim, in order
  std::vector<Variant> variants;
};

using Playlist = std::variant<MediaPlaylist, MasterPlaylist>;

struct ParseResult {
  Playlist playlist;
  std::vector<Diagnostic> diagnostics;  // syntax problems, with line numbers
  std::vector<Line> lines;              // every tag and URI line, in order
  // False when the text looks cut off (no final newline, a dangling EXTINF
  // without URI, no #EXTM3U): a writer was mid-way; read it again later.
  bool complete = true;
  bool is_master() const { return std::holds_alternative<MasterPlaylist>(playlist); }
  bool has_errors() const;
};

ParseResult parse(std::string_view text);

// Attribute lists (RFC 8216 §4.2): KEY=VALUE pairs, values quoted or not.
// Quoted values are returned without their quotes.
struct Attribute {
  std::string name;
  std::string value;
  bool quoted = false;
};
std::optional<std::vector<Attribute>> parse_attributes(std::string_view text);

// The same grammar, tolerant: whitespace outside quotes and unquoted values
// are read anyway and flagged, so the checker can say what is wrong.
struct AttributeScan {
  std::vector<Attribute> attributes;
  bool whitespace = false;  // a space or tab outside a quoted string (§4.2)
  std::string error;        // the first syntax error, "" when none
};
AttributeScan scan_attributes(std::string_view text);

// EXTINF duration as written by the writer: integers below version 3,
// otherwise decimal with 3 places ("2.000").
std::string format_duration(double seconds, int version);

std::string write(const MediaPlaylist& playlist);
std::string write(const MasterPlaylist& playlist);

// round-half-up as RFC 8216 §4.3.3.1 means by "rounded to the nearest integer".
uint64_t rounded_duration(double seconds);

}  // namespace hlsmesh::m3u8
