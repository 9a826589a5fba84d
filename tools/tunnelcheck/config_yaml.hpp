#pragma once
// cloudflared decodes config.yml with gopkg.in/yaml.v3 into typed Go structs
// (config.ReadConfigFile); a value the decoder refuses stops cloudflared
// before any ingress rule is read. yaml-cpp parses the same YAML but decides
// less, so the decisions yaml.v3 makes are made here explicitly:
//  * duplicate mapping keys: yaml-cpp keeps both entries, yaml.v3 refuses the
//    file (decoder.mapping, "mapping key … already defined");
//  * merge keys `<<`: yaml-cpp keeps them as an ordinary key, yaml.v3 merges
//    the aliased map(s) under the keys written in place (decoder.merge);
//  * plain vs quoted scalars: yaml-cpp's Tag() is "?" for plain and "!" for
//    quoted or block scalars; only plain ones resolve to null, bool, int or
//    float (resolve.go), quoted ones are always strings (indicatedString);
//  * scalar → Go type: decoder.scalar's rules (a duration only from text
//    time.ParseDuration takes, a bool only from a YAML bool or a YAML 1.1
//    yes/no/on/off word, an int from an int or a float).
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "report.hpp"

namespace hlsmesh::tunnelcheck {

enum class Resolved { null, boolean, integer, floating, string };

// What yaml.v3's resolve() makes of a scalar node.
struct ScalarValue {
  Resolved kind = Resolved::string;
  std::string text;
  bool quoted = false;  // a quoted or block scalar, or tagged !!str
  bool flag = false;    // for boolean
  double number = 0;    // for integer and floating
};
ScalarValue resolve_scalar(const YAML::Node& node);

// yaml.v3's short tag for a node as its error messages print it ("!!int").
std::string yaml_tag(const YAML::Node& node);

struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
  bool merged = false;  // came in through `<<`
};

// Typed decoding with yaml.v3's rules. Every refusal is a CRITICAL finding
// (cloudflared does not start) worded like yaml.v3's own error, so a user can
// search for it, plus what to write instead.
class YamlDecoder {
 public:
  YamlDecoder(std::string file, Report& report) : file_(std::move(file)), report_(report) {}

  // The entries of a mapping as yaml.v3 sees them: duplicate keys reported,
  // merge keys applied (keys written in place win, then the merged maps in
  // order). Not a mapping or null: empty.
  std::vector<Entry> entries(const YAML::Node& map);

  // Each typed decode: nullopt for null (Go leaves the pointer nil) or after
  // reporting a type error. `key` names the field in messages.
  std::optional<std::string> string(const YAML::Node& v, const std::string& key);
  std::optional<bool> boolean(const YAML::Node& v, const std::string& key);
  std::optional<long long> integer(const YAML::Node& v, const std::string& key, bool is_unsigned);
  std::optional<double> duration(const YAML::Node& v, const std::string& key);
  std::optional<std::vector<std::string>> string_list(const YAML::Node& v, const std::string& key);
  std::optional<std::vector<long long>> int_list(const YAML::Node& v, const std::string& key);
  // A struct-typed field (go_type: "config.OriginRequestConfig"): map or null.
  bool struct_ok(const YAML::Node& v, const std::string& key, const std::string& go_type);
  // A value decoded into interface{} (top-level keys cloudflared keeps in its
  // flag map): yaml.v3 refuses a mapping key that is itself a map or list.
  void any(const YAML::Node& v, const std::string& key);

  void type_error(const YAML::Node& v, const std::string& key, const std::string& go_type, const std::string& fix);
  const std::string& file() const { return file_; }
  Report& report() { return report_; }

 private:
  void merge_into(const YAML::Node& source, std::vector<Entry>& out, int depth);
  std::string file_;
  Report& report_;
};

}  // namespace hlsmesh::tunnelcheck
