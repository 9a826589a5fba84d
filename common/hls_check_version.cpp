// EXT-X-VERSION against the features a playlist uses (RFC 8216 §7, 8216bis
// §8), and variable references against EXT-X-DEFINE (8216bis §4.3).
#include <cmath>
#include <set>

#include "common/hls_check_detail.hpp"
#include "common/m3u8_values.hpp"

namespace hlsmesh::m3u8::detail {
namespace {

struct Feature {
  int version = 1;
  std::string what;
  size_t line = 0;
};

bool non_integer_extinf(const Line& l) {
  auto d = values::parse_double(std::string_view(l.value).substr(0, l.value.find(',')));
  return d && *d != std::floor(*d);
}

void key_features(const Line& l, std::vector<Feature>& f) {
  const std::string tag = l.tag.substr(1);
  if (has_attribute(l, "IV")) f.push_back({2, tag + " IV", l.number});
  if (has_attribute(l, "KEYFORMAT")) f.push_back({5, tag + " KEYFORMAT", l.number});
  if (has_attribute(l, "KEYFORMATVERSIONS")) f.push_back({5, tag + " KEYFORMATVERSIONS", l.number});
}

// The highest-version feature of each kind, in the order of the §7 table.
std::vector<Feature> features(const std::vector<Line>& lines) {
  bool i_frames = false;
  for (const auto& l : lines) i_frames = i_frames || l.tag == "#EXT-X-I-FRAMES-ONLY";
  std::vector<Feature> f;
  for (const auto& l : lines) {
    if (l.tag == "#EXTINF" && non_integer_extinf(l))
      f.push_back({3, "a non-integer EXTINF duration (" + l.value.substr(0, l.value.find(',')) + ")", l.number});
    else if (l.tag == "#EXT-X-KEY")  // §7 names EXT-X-KEY only, not EXT-X-SESSION-KEY
      key_features(l, f);
    else if (l.tag == "#EXT-X-BYTERANGE" || l.tag == "#EXT-X-I-FRAMES-ONLY")
      f.push_back({4, l.tag.substr(1), l.number});
    else if (l.tag == "#EXT-X-MAP")
      f.push_back({i_frames ? 5 : 6, i_frames ? "EXT-X-MAP in an I-frame playlist" : "EXT-X-MAP", l.number});
    else if (l.tag == "#EXT-X-MEDIA" && attribute(l, "INSTREAM-ID").starts_with("SERVICE"))
      f.push_back({7, "EXT-X-MEDIA INSTREAM-ID=SERVICEn", l.number});
    else if (l.tag == "#EXT-X-DEFINE")
      f.push_back({8, "EXT-X-DEFINE", l.number});
    else if (l.tag == "#EXT-X-SKIP")
      f.push_back({9, "EXT-X-SKIP", l.number});
  }
  return f;
}

}  // namespace

void check_version(const std::vector<Line>& lines, const std::optional<int>& declared_version, Out& out) {
  const int declared = declared_version.value_or(1);
  Feature top;
  for (auto& f : features(lines))
    if (f.version > top.version) top = std::move(f);
  if (declared < top.version) {
    out.must("version-too-low", top.line, top.version >= 8 ? "8216bis §8" : "RFC 8216 §7",
             (declared_version ? "EXT-X-VERSION is " + std::to_string(declared) : std::string("no EXT-X-VERSION (1)")) +
                 " but " + top.what + " needs version " + std::to_string(top.version) + " or higher",
             "write #EXT-X-VERSION:" + std::to_string(top.version));
  } else if (declared_version && declared > std::max(top.version, 3)) {
    // Up to 3 is what every muxer writes; flag only needless higher versions, naming a safe minimum.
    out.policy(Severity::info, "version-higher-than-needed", 0,
               "EXT-X-VERSION is " + std::to_string(declared) + " but the features used need only " +
                   std::to_string(top.version) + (top.what.empty() ? "" : " (" + top.what + ")"),
               "write the lowest version the features need: older players refuse versions they do not know");
  }
}

namespace {

// Variable names referenced as {$name} in a line.
std::vector<std::string> references(const std::string& text) {
  std::vector<std::string> names;
  for (size_t i = text.find("{$"); i != std::string::npos; i = text.find("{$", i + 2)) {
    size_t end = text.find('}', i + 2);
    if (end == std::string::npos) break;
    std::string name = text.substr(i + 2, end - i - 2);
    if (!name.empty() && name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
                             std::string::npos)
      names.push_back(std::move(name));
  }
  return names;
}

}  // namespace

void check_variables(const std::vector<Line>& lines, Out& out) {
  std::set<std::string> defined;
  for (const auto& l : lines) {
    if (l.tag != "#EXT-X-DEFINE") continue;
    int kinds = has_attribute(l, "NAME") + has_attribute(l, "IMPORT") + has_attribute(l, "QUERYPARAM");
    if (kinds != 1)
      out.must("bad-define", l.number, "8216bis §4.4.2.3",
               "EXT-X-DEFINE has " + std::to_string(kinds) + " of NAME, IMPORT and QUERYPARAM; it needs exactly one",
               "write NAME=\"x\",VALUE=\"y\" (or IMPORT / QUERYPARAM alone)");
    if (has_attribute(l, "NAME") && !has_attribute(l, "VALUE"))
      out.must("bad-define", l.number, "8216bis §4.4.2.3", "EXT-X-DEFINE NAME has no VALUE", "add VALUE=\"...\"");
    for (const char* a : {"NAME", "IMPORT", "QUERYPARAM"}) {
      std::string name = attribute(l, a);
      if (!name.empty() && !defined.insert(name).second)
        out.must("duplicate-define", l.number, "8216bis §4.4.2.3", "variable '" + name + "' is defined twice",
                 "define each variable once");
    }
  }
  for (const auto& l : lines)
    for (const auto& name : references(l.value))
      if (!defined.count(name))
        out.must("undefined-variable", l.number, "8216bis §4.3",
                 "{$" + name + "} refers to no EXT-X-DEFINE in this playlist",
                 "define it with #EXT-X-DEFINE:NAME=\"" + name + "\",VALUE=\"...\"");
}

}  // namespace hlsmesh::m3u8::detail
