#include "config_yaml.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <regex>
#include <set>

#include "config_keys.hpp"
#include "go_rules.hpp"

namespace hlsmesh::tunnelcheck {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// strconv.ParseInt(s, 0, 64) after yaml.v3 removed the underscores.
std::optional<double> go_int(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.erase(0, 1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.erase(0, 2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O' || s[1] == 'b' || s[1] == 'B')) {
    base = s[1] == 'b' || s[1] == 'B' ? 2 : 8;
    s.erase(0, 2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s.erase(0, 1);
  }
  if (s.empty()) return std::nullopt;
  unsigned long long v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return negative ? -static_cast<double>(v) : static_cast<double>(v);
}

// The field's own name for fix texts: "rule #1 originRequest.noTLSVerify" -> "noTLSVerify".
std::string leaf(const std::string& key) {
  size_t cut = key.find_last_of(". ");
  return cut == std::string::npos ? key : key.substr(cut + 1);
}

std::string shown(const YAML::Node& v) {
  if (!v.IsScalar()) return "";
  std::string t = v.Scalar();
  return " `" + (t.size() > 10 ? t.substr(0, 7) + "..." : t) + "`";
}

}  // namespace

ScalarValue resolve_scalar(const YAML::Node& node) {
  ScalarValue r;
  if (!node || node.IsNull()) {
    r.kind = Resolved::null;
    return r;
  }
  if (!node.IsScalar()) return r;  // maps and lists: callers look at the node
  r.text = node.Scalar();
  const std::string& tag = node.Tag();
  r.quoted = tag == "!" || tag == "tag:yaml.org,2002:str";
  if (r.quoted || (tag != "?" && tag.rfind("tag:yaml.org,2002:", 0) != 0)) return r;  // strings, custom tags
  const std::string& t = r.text;
  static const std::set<std::string> yes = {"true", "True", "TRUE"}, no = {"false", "False", "FALSE"},
                                     nul = {"", "~", "null", "Null", "NULL"};
  if (yes.count(t) || no.count(t)) {
    r.kind = Resolved::boolean;
    r.flag = yes.count(t) > 0;
  } else if (nul.count(t)) {
    r.kind = Resolved::null;
  } else if (t == ".nan" || t == ".NaN" || t == ".NAN" || t.find(".inf") != std::string::npos ||
             t.find(".Inf") != std::string::npos || t.find(".INF") != std::string::npos) {
    static const std::regex inf(R"([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))");
    if (std::regex_match(t, inf)) r.kind = Resolved::floating;
  } else if (!t.empty() && (is_digit(t[0]) || t[0] == '+' || t[0] == '-' || t[0] == '.')) {
    static const std::regex yaml_float(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
    std::string plain = t;
    plain.erase(std::remove(plain.begin(), plain.end(), '_'), plain.end());
    if (t[0] != '.' && go_int(t)) {
      r.kind = Resolved::integer;
      r.number = *go_int(t);
    } else if (std::regex_match(plain, yaml_float)) {
      r.kind = Resolved::floating;
      r.number = std::stod(plain);
    }
  }
  return r;
}

std::string yaml_tag(const YAML::Node& node) {
  if (!node || node.IsNull()) return "!!null";
  if (node.IsMap()) return "!!map";
  if (node.IsSequence()) return "!!seq";
  switch (resolve_scalar(node).kind) {
    case Resolved::boolean:
      return "!!bool";
    case Resolved::integer:
      return "!!int";
    case Resolved::floating:
      return "!!float";
    default:
      return "!!str";
  }
}

void YamlDecoder::type_error(const YAML::Node& v, const std::string& key, const std::string& go_type,
                             const std::string& fix) {
  const int line = yaml_line_of(v);
  report_.add(Severity::critical, "config-type-error", file_at(file_, line),
              key + ": cloudflared refuses to start: yaml: unmarshal errors: line " + std::to_string(line) +
                  ": cannot unmarshal " + yaml_tag(v) + shown(v) + " into " + go_type,
              fix);
}

void YamlDecoder::merge_into(const YAML::Node& source, std::vector<Entry>& out, int depth) {
  if (depth > 16) return;  // an alias cycle; yaml-cpp cannot build one, but stay safe
  for (Entry e : entries(source)) {
    if (std::any_of(out.begin(), out.end(), [&](const Entry& o) { return o.key == e.key; })) continue;
    e.merged = true;
    out.push_back(std::move(e));
  }
}

std::vector<Entry> YamlDecoder::entries(const YAML::Node& map) {
  std::vector<Entry> out;
  if (!map || !map.IsMap()) return out;
  std::vector<YAML::Node> merges;
  std::vector<std::pair<std::string, int>> seen;
  for (const auto& kv : map) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
    int line = yaml_line_of(kv.first);
    auto dup = std::find_if(seen.begin(), seen.end(), [&](const auto& s) { return s.first == key; });
    if (kv.first.IsScalar() && dup != seen.end()) {
      report_.add(Severity::critical, "duplicate-key", file_at(file_, line),
                  "cloudflared refuses to start: yaml: unmarshal errors: line " + std::to_string(line) +
                      ": mapping key \"" + key + "\" already defined at line " + std::to_string(dup->second) +
                      " (yaml.v3 refuses duplicate keys; other YAML tools silently keep one of them)",
                  "keep one '" + key + ":' and merge what the two say");
      continue;
    }
    seen.emplace_back(key, line);
    if (kv.first.IsScalar() && key == "<<" && kv.first.Tag() != "tag:yaml.org,2002:str") {
      merges.push_back(kv.second);
      continue;
    }
    out.push_back({key, kv.first, kv.second, false});
  }
  for (const auto& m : merges) {
    bool ok =
        m.IsMap() || (m.IsSequence() && std::all_of(m.begin(), m.end(), [](const YAML::Node& n) { return n.IsMap(); }));
    if (!ok) {
      report_.add(Severity::critical, "config-merge-error", file_at(file_, yaml_line_of(m)),
                  "cloudflared refuses to start: yaml: map merge requires map or sequence of maps as the value",
                  "point '<<:' at an anchored mapping, e.g. '<<: *defaults' with '&defaults' on a mapping");
      continue;
    }
    if (m.IsMap())
      merge_into(m, out, 0);
    else
      for (const auto& one : m) merge_into(one, out, 0);
  }
  return out;
}

std::optional<std::string> YamlDecoder::string(const YAML::Node& v, const std::string& key) {
  if (!v || v.IsNull()) return std::nullopt;
  if (!v.IsScalar()) {
    bool braces = v.IsMap() && v.size() == 1 && v.begin()->first.IsMap();
    type_error(v, key, "string",
               braces ? "this is a template ({{ … }}) that YAML read as a mapping: render the file first (helm "
                        "template, envsubst) and deploy the result, or quote the value if it is meant literally"
                      : "write a single text value");
    return std::nullopt;
  }
  return v.Scalar();
}

std::optional<bool> YamlDecoder::boolean(const YAML::Node& v, const std::string& key) {
  ScalarValue s = resolve_scalar(v);
  if (v && v.IsScalar()) {
    if (s.kind == Resolved::boolean) return s.flag;
    static const std::set<std::string> yes = {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON"},
                                       no = {"n", "N", "no", "No", "NO", "off", "Off", "OFF"};
    if (s.kind == Resolved::string && (yes.count(s.text) || no.count(s.text))) return yes.count(s.text) > 0;
  } else if (s.kind == Resolved::null) {
    return std::nullopt;
  }
  type_error(v, key, "bool",
             s.quoted
                 ? "write " + leaf(key) + ": " + s.text + " without quotes: a quoted value is a string, not a boolean"
                 : "write " + leaf(key) + ": true or " + leaf(key) + ": false");
  return std::nullopt;
}

std::optional<long long> YamlDecoder::integer(const YAML::Node& v, const std::string& key, bool is_unsigned) {
  ScalarValue s = resolve_scalar(v);
  if (s.kind == Resolved::null) return std::nullopt;
  bool number = v.IsScalar() && (s.kind == Resolved::integer || s.kind == Resolved::floating) &&
                !std::isnan(s.number) && std::abs(s.number) < 9.2e18;
  if (number && (!is_unsigned || s.number >= 0)) return static_cast<long long>(s.number);
  type_error(v, key, is_unsigned ? "uint" : "int",
             s.quoted ? "write the number without quotes: " + leaf(key) + ": " + s.text
                      : "write a whole number" + std::string(is_unsigned ? " (0 or more)" : "") + ", e.g. " +
                            leaf(key) + ": 100");
  return std::nullopt;
}

std::optional<double> YamlDecoder::duration(const YAML::Node& v, const std::string& key) {
  ScalarValue s = resolve_scalar(v);
  if (s.kind == Resolved::null) return std::nullopt;
  if (v.IsScalar() && s.kind == Resolved::string)
    if (auto d = go::parse_duration_seconds(s.text)) return d;
  bool bare = s.kind == Resolved::integer || s.kind == Resolved::floating || go::parse_duration_seconds(s.text + "s");
  type_error(v, key, "time.Duration",
             bare ? "give the unit: " + leaf(key) + ": " + s.text +
                        "s (yaml.v3 reads a duration only from text with a "
                        "unit: ns, us, ms, s, m, h)"
                  : "write a Go duration with a unit, e.g. " + leaf(key) + ": 30s or 1m30s");
  return std::nullopt;
}

std::optional<std::vector<std::string>> YamlDecoder::string_list(const YAML::Node& v, const std::string& key) {
  if (!v || v.IsNull()) return std::nullopt;
  if (!v.IsSequence()) {
    type_error(v, key, "[]string", "write a list: " + leaf(key) + ": [\"" + (v.IsScalar() ? v.Scalar() : "…") + "\"]");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& e : v)
    if (auto s = string(e, key)) out.push_back(*s);
  return out;
}

std::optional<std::vector<long long>> YamlDecoder::int_list(const YAML::Node& v, const std::string& key) {
  if (!v || v.IsNull()) return std::nullopt;
  if (!v.IsSequence()) {
    type_error(v, key, "[]int", "write a list of numbers: " + leaf(key) + ": [80, 443]");
    return std::nullopt;
  }
  std::vector<long long> out;
  for (const auto& e : v)
    if (auto n = integer(e, key, false)) out.push_back(*n);
  return out;
}

bool YamlDecoder::struct_ok(const YAML::Node& v, const std::string& key, const std::string& go_type) {
  if (!v || v.IsNull() || v.IsMap()) return true;
  type_error(v, key, go_type, "write " + key + " as a mapping of its settings (indented 'name: value' lines)");
  return false;
}

void YamlDecoder::any(const YAML::Node& v, const std::string& key) {
  if (v.IsSequence())
    for (const auto& e : v) any(e, key);
  if (!v.IsMap()) return;
  for (const auto& kv : v) {
    if (kv.first.IsMap() || kv.first.IsSequence()) {
      report_.add(Severity::critical, "config-type-error", file_at(file_, yaml_line_of(kv.first)),
                  key + ": cloudflared refuses to start: yaml: invalid map key (a mapping used as a key; " +
                      "usually a {{ … }} template YAML read as a mapping)",
                  "render the template first (helm template, envsubst), or quote the value");
      return;
    }
  }
  for (const Entry& e : entries(v)) any(e.value, key);
}

}  // namespace hlsmesh::tunnelcheck
