// Attribute lists (RFC 8216 §4.2) of every tag that has one, typed by the
// tag's definition; EXT-X-VERSION against the features used (§7, 8216bis §8);
// variable references against EXT-X-DEFINE (8216bis §4.3, §4.4.2.3).
#include <algorithm>
#include <cctype>
#include <set>
#include <unordered_map>

#include "common/hls_check_detail.hpp"
#include "common/m3u8_values.hpp"

namespace hlsmesh::m3u8::detail {
namespace {

enum class Type { integer, hex, decimal, signed_decimal, quoted, enumerated, resolution, quoted_or_none };

struct AttributeSpec {
  std::string_view name;
  Type type;
  bool required = false;
};

struct TagSpec {
  std::string_view section;
  std::vector<AttributeSpec> attributes;
};

constexpr Type I = Type::integer, H = Type::hex, F = Type::decimal, SF = Type::signed_decimal, Q = Type::quoted,
               E = Type::enumerated, R = Type::resolution;

const std::unordered_map<std::string_view, TagSpec>& specs() {
  static const std::vector<AttributeSpec> key = {
      {"METHOD", E, true}, {"URI", Q}, {"IV", H}, {"KEYFORMAT", Q}, {"KEYFORMATVERSIONS", Q}};
  static const std::unordered_map<std::string_view, TagSpec> table = {
      {"#EXT-X-KEY", {"RFC 8216 §4.3.2.4", key}},
      {"#EXT-X-SESSION-KEY", {"RFC 8216 §4.3.4.5", key}},
      {"#EXT-X-MAP", {"RFC 8216 §4.3.2.5", {{"URI", Q, true}, {"BYTERANGE", Q}}}},
      {"#EXT-X-DATERANGE",
       {"RFC 8216 §4.3.2.7",
        {{"ID", Q, true}, {"CLASS", Q}, {"START-DATE", Q, true}, {"END-DATE", Q}, {"DURATION", F},
         {"PLANNED-DURATION", F}, {"END-ON-NEXT", E}, {"SCTE35-CMD", H}, {"SCTE35-OUT", H}, {"SCTE35-IN", H}}}},
      {"#EXT-X-MEDIA",
       {"RFC 8216 §4.3.4.1",
        {{"TYPE", E, true}, {"URI", Q}, {"GROUP-ID", Q, true}, {"LANGUAGE", Q}, {"ASSOC-LANGUAGE", Q},
         {"NAME", Q, true}, {"DEFAULT", E}, {"AUTOSELECT", E}, {"FORCED", E}, {"INSTREAM-ID", Q},
         {"CHARACTERISTICS", Q}, {"CHANNELS", Q}, {"STABLE-RENDITION-ID", Q}}}},
      // BANDWIDTH is required too; the parser reports a missing one (missing-bandwidth).
      {"#EXT-X-STREAM-INF",
       {"RFC 8216 §4.3.4.2",
        {{"BANDWIDTH", I}, {"AVERAGE-BANDWIDTH", I}, {"CODECS", Q}, {"RESOLUTION", R}, {"FRAME-RATE", F},
         {"HDCP-LEVEL", E}, {"AUDIO", Q}, {"VIDEO", Q}, {"SUBTITLES", Q}, {"CLOSED-CAPTIONS", Type::quoted_or_none},
         {"SCORE", F}, {"SUPPLEMENTAL-CODECS", Q}, {"ALLOWED-CPC", Q}, {"VIDEO-RANGE", E},
         {"STABLE-VARIANT-ID", Q}, {"PATHWAY-ID", Q}, {"REQ-VIDEO-LAYOUT", Q}}}},
      {"#EXT-X-I-FRAME-STREAM-INF",
       {"RFC 8216 §4.3.4.3",
        {{"URI", Q, true}, {"BANDWIDTH", I, true}, {"AVERAGE-BANDWIDTH", I}, {"CODECS", Q}, {"RESOLUTION", R},
         {"HDCP-LEVEL", E}, {"VIDEO", Q}, {"SCORE", F}, {"VIDEO-RANGE", E}, {"STABLE-VARIANT-ID", Q},
         {"PATHWAY-ID", Q}}}},
      {"#EXT-X-SESSION-DATA", {"RFC 8216 §4.3.4.4", {{"DATA-ID", Q, true}, {"VALUE", Q}, {"URI", Q}, {"LANGUAGE", Q}}}},
      {"#EXT-X-START", {"RFC 8216 §4.3.5.2", {{"TIME-OFFSET", SF, true}, {"PRECISE", E}}}},
      {"#EXT-X-DEFINE", {"8216bis §4.4.2.3", {{"NAME", Q}, {"VALUE", Q}, {"IMPORT", Q}, {"QUERYPARAM", Q}}}},
      {"#EXT-X-PART-INF", {"8216bis §4.4.3.7", {{"PART-TARGET", F, true}}}},
      {"#EXT-X-SERVER-CONTROL",
       {"8216bis §4.4.3.8",
        {{"CAN-SKIP-UNTIL", F}, {"CAN-SKIP-DATERANGES", E}, {"HOLD-BACK", F}, {"PART-HOLD-BACK", F},
         {"CAN-BLOCK-RELOAD", E}}}},
      {"#EXT-X-PART",
       {"8216bis §4.4.4.9",
        {{"URI", Q, true}, {"DURATION", F, true}, {"INDEPENDENT", E}, {"BYTERANGE", Q}, {"GAP", E}}}},
      {"#EXT-X-SKIP", {"8216bis §4.4.5.2", {{"SKIPPED-SEGMENTS", I, true}, {"RECENTLY-REMOVED-DATERANGES", Q}}}},
      {"#EXT-X-PRELOAD-HINT",
       {"8216bis §4.4.5.3",
        {{"TYPE", E, true}, {"URI", Q, true}, {"BYTERANGE-START", I}, {"BYTERANGE-LENGTH", I}}}},
      {"#EXT-X-RENDITION-REPORT", {"8216bis §4.4.5.4", {{"URI", Q, true}, {"LAST-MSN", I}, {"LAST-PART", I}}}},
      {"#EXT-X-CONTENT-STEERING", {"8216bis §4.4.6.6", {{"SERVER-URI", Q, true}, {"PATHWAY-ID", Q}}}},
  };
  return table;
}

bool all_of(std::string_view s, int (*pred)(int)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) { return pred(static_cast<unsigned char>(c)) != 0; });
}

bool is_decimal(std::string_view v) {
  size_t dot = v.find('.');
  if (dot == std::string_view::npos) return all_of(v, isdigit);
  return all_of(v.substr(0, dot), isdigit) && (dot + 1 == v.size() || all_of(v.substr(dot + 1), isdigit));
}

// What the value should have been, or "" when it is of its type.
std::string type_problem(const Attribute& a, Type t) {
  const std::string_view v = a.value;
  switch (t) {
    case Type::integer:
      return !a.quoted && all_of(v, isdigit) && v.size() <= 20 && values::parse_uint(v) ? "" : "a decimal-integer";
    case Type::hex:
      return !a.quoted && v.size() > 2 && (v.starts_with("0x") || v.starts_with("0X")) && all_of(v.substr(2), isxdigit)
                 ? ""
                 : "a hexadecimal-sequence (0x...)";
    case Type::decimal:
      return !a.quoted && is_decimal(v) ? "" : "an unsigned decimal-floating-point";
    case Type::signed_decimal:
      return !a.quoted && is_decimal(v.starts_with('-') ? v.substr(1) : v) ? "" : "a signed-decimal-floating-point";
    case Type::quoted:
      return a.quoted ? "" : "a quoted-string";
    case Type::enumerated:
      return !a.quoted && !v.empty() ? "" : "an unquoted enumerated-string";
    case Type::resolution: {
      size_t x = v.find('x');
      return !a.quoted && x != std::string_view::npos && all_of(v.substr(0, x), isdigit) &&
                     all_of(v.substr(x + 1), isdigit)
                 ? ""
                 : "a decimal-resolution (WxH)";
    }
    case Type::quoted_or_none:
      return a.quoted || v == "NONE" ? "" : "a quoted-string or NONE";
  }
  return "";
}

void check_one_list(const Line& l, const TagSpec& spec, Out& out) {
  const std::string tag = l.tag.substr(1);
  auto scan = scan_attributes(l.value);
  if (scan.whitespace)
    out.must("attribute-whitespace", l.number, "RFC 8216 §4.2",
             tag + "'s attribute list contains whitespace outside a quoted string",
             "write NAME=VALUE pairs separated by a bare comma, with no spaces");
  if (!scan.error.empty())
    out.must("bad-attributes", l.number, "RFC 8216 §4.2", tag + "'s attribute list does not parse: " + scan.error,
             "write NAME=VALUE pairs separated by commas, strings in double quotes");
  std::set<std::string> seen;
  for (const auto& a : scan.attributes) {
    if (!seen.insert(a.name).second)
      out.must("duplicate-attribute", l.number, "RFC 8216 §4.2", tag + " has " + a.name + " more than once",
               "write each attribute once");
    for (const auto& s : spec.attributes) {
      if (s.name != a.name) continue;
      std::string want = type_problem(a, s.type);
      if (!want.empty())
        out.must("attribute-type", l.number, std::string(spec.section),
                 tag + " " + a.name + "=" + (a.quoted ? "\"" + a.value + "\"" : a.value) + " is not " + want,
                 "write " + a.name + " as " + want);
    }
  }
  if (!scan.error.empty()) return;  // a list cut short: what is missing is unknown
  for (const auto& s : spec.attributes)
    if (s.required && !seen.count(std::string(s.name)))
      out.must("missing-attribute", l.number, std::string(spec.section),
               tag + " has no " + std::string(s.name) + " attribute (it is REQUIRED)",
               "add " + std::string(s.name) + "=...");
}

}  // namespace

void check_attribute_lists(const std::vector<Line>& lines, Out& out) {
  for (const auto& l : lines) {
    auto it = specs().find(l.tag);
    if (it != specs().end()) check_one_list(l, it->second, out);
  }
}

std::string attribute(const Line& l, std::string_view name) {
  for (const auto& a : scan_attributes(l.value).attributes)
    if (a.name == name) return a.value;
  return "";
}

bool has_attribute(const Line& l, std::string_view name) {
  for (const auto& a : scan_attributes(l.value).attributes)
    if (a.name == name) return true;
  return false;
}

}  // namespace hlsmesh::m3u8::detail
