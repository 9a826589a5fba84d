// RFC 8216 §4.2 attribute values and attribute lists (m3u8_values.hpp).
#include "common/m3u8_values.hpp"

#include <cctype>
#include <charconv>
#include <cmath>

namespace hlsmesh::m3u8 {

std::optional<std::vector<Attribute>> parse_attributes(std::string_view text) {
  std::vector<Attribute> attrs;
  size_t i = 0;
  while (i < text.size()) {
    size_t eq = text.find('=', i);
    if (eq == std::string_view::npos) return std::nullopt;
    Attribute a;
    a.name = std::string(text.substr(i, eq - i));
    if (a.name.empty()) return std::nullopt;
    for (char c : a.name)
      if (!(std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
        return std::nullopt;
    i = eq + 1;
    if (i < text.size() && text[i] == '"') {
      size_t close = text.find('"', i + 1);
      if (close == std::string_view::npos) return std::nullopt;
      a.value = std::string(text.substr(i + 1, close - i - 1));
      a.quoted = true;
      i = close + 1;
    } else {
      size_t comma = text.find(',', i);
      a.value = std::string(text.substr(i, comma == std::string_view::npos ? std::string_view::npos : comma - i));
      i = comma == std::string_view::npos ? text.size() : comma;
    }
    attrs.push_back(std::move(a));
    if (i < text.size()) {
      if (text[i] != ',') return std::nullopt;
      ++i;
    }
  }
  return attrs;
}

namespace {
bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_name_char(char c) {
  return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-';
}
// Skips blanks at i, noting that there were some.
void skip_blanks(std::string_view t, size_t& i, AttributeScan& scan) {
  while (i < t.size() && is_blank(t[i])) {
    scan.whitespace = true;
    ++i;
  }
}
// One NAME=VALUE at i; false (with scan.error set) when it does not parse.
bool scan_one(std::string_view t, size_t& i, AttributeScan& scan) {
  skip_blanks(t, i, scan);
  size_t eq = t.find('=', i);
  if (eq == std::string_view::npos) {
    scan.error = "'" + std::string(t.substr(i)) + "' has no '='";
    return false;
  }
  Attribute a;
  std::string_view name = t.substr(i, eq - i);
  while (!name.empty() && is_blank(name.back())) {
    scan.whitespace = true;
    name.remove_suffix(1);
  }
  for (char c : name)
    if (!is_name_char(c)) {
      scan.error = "attribute name '" + std::string(name) + "' is not A-Z, 0-9 and '-'";
      return false;
    }
  if (name.empty()) {
    scan.error = "an attribute has no name";
    return false;
  }
  a.name = std::string(name);
  i = eq + 1;
  skip_blanks(t, i, scan);
  if (i < t.size() && t[i] == '"') {
    size_t close = t.find('"', i + 1);
    if (close == std::string_view::npos) {
      scan.error = a.name + "'s quoted string has no closing quote";
      return false;
    }
    a.value = std::string(t.substr(i + 1, close - i - 1));
    a.quoted = true;
    i = close + 1;
  } else {
    size_t comma = t.find(',', i);
    std::string_view v = t.substr(i, comma == std::string_view::npos ? std::string_view::npos : comma - i);
    while (!v.empty() && is_blank(v.back())) {
      scan.whitespace = true;
      v.remove_suffix(1);
    }
    if (v.find_first_of(" \t\"") != std::string_view::npos) scan.whitespace = true;
    a.value = std::string(v);
    i = comma == std::string_view::npos ? t.size() : comma;
  }
  scan.attributes.push_back(std::move(a));
  skip_blanks(t, i, scan);
  if (i < t.size() && t[i] != ',') {
    scan.error = "unexpected '" + std::string(1, t[i]) + "' after " + scan.attributes.back().name;
    return false;
  }
  return true;
}
}  // namespace

AttributeScan scan_attributes(std::string_view text) {
  AttributeScan scan;
  size_t i = 0;
  while (i < text.size()) {
    if (!scan_one(text, i, scan)) return scan;
    if (i < text.size()) {
      ++i;  // the comma
      if (i == text.size()) scan.error = "the list ends with a comma";
    }
  }
  return scan;
}

namespace values {

std::optional<uint64_t> parse_uint(std::string_view s) {
  uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_double(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<ByteRange> parse_byterange(std::string_view s) {
  ByteRange r;
  size_t at = s.find('@');
  auto len = parse_uint(s.substr(0, at));
  if (!len) return std::nullopt;
  r.length = *len;
  if (at != std::string_view::npos) {
    auto off = parse_uint(s.substr(at + 1));
    if (!off) return std::nullopt;
    r.offset = *off;
  }
  return r;
}

bool decode_stream_inf(const std::vector<Attribute>& attrs, Variant& v) {
  bool have_bandwidth = false;
  for (const auto& a : attrs) {
    if (a.name == "BANDWIDTH") {
      auto b = parse_uint(a.value);
      if (b) {
        v.bandwidth = *b;
        have_bandwidth = true;
      }
    } else if (a.name == "AVERAGE-BANDWIDTH") {
      v.average_bandwidth = parse_uint(a.value);
    } else if (a.name == "CODECS") {
      v.codecs = a.value;
    } else if (a.name == "RESOLUTION") {
      v.resolution = a.value;
    } else if (a.name == "FRAME-RATE") {
      v.frame_rate = parse_double(a.value);
    } else {
      v.other_attributes.emplace_back(a.name, a.quoted ? "\"" + a.value + "\"" : a.value);
    }
  }
  return have_bandwidth;
}

}  // namespace values
}  // namespace hlsmesh::m3u8
