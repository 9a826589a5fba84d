#pragma once
// The keys cloudflared's config.yml knows and the Go type each decodes into
// (config/configuration.go: Configuration, OriginRequestConfig, AccessConfig,
// IngressIPRule, WarpRoutingConfig; the altsrc flags of cmd/cloudflared for
// the top level), and the decoding of those sections with yaml.v3's rules.
// Keys cloudflared reads but never uses, or silently ignores, are reported.
#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config_yaml.hpp"
#include "report.hpp"

namespace hlsmesh::tunnelcheck {

extern const std::set<std::string> kRuleKeys;

// What the loader keeps of an originRequest block.
struct OriginRequest {
  bool present = false;
  std::optional<bool> bastion_mode;
  bool access_present = false;
  bool access_required = false;
  std::string team_name;
  size_t aud_tags = 0;
  int access_line = 0;
  std::vector<std::pair<std::optional<std::string>, int>> ip_rule_prefixes;  // prefix, line
};

// Decodes an originRequest block (top level or per rule) into `out`.
OriginRequest decode_origin_request(YamlDecoder& d, const YAML::Node& node, const std::string& where);

// The warp-routing block (WarpRoutingConfig).
void decode_warp_routing(YamlDecoder& d, const YAML::Node& node);

// A top-level key outside Configuration's fields: cloudflared keeps it in its
// flag map and applies it only if it names an altsrc flag, whose type it then
// checks (configFileSettings.Bool/Int/Duration/String/StringSlice).
void decode_top_level_setting(YamlDecoder& d, const Entry& e, bool has_ingress);

// Reports unknown keys of a mapping, with the closest known one as the fix.
// `strict`: every unknown key (cloudflared's validate warns, then ignores
// them at run time); otherwise only near-misses of a known key.
void check_keys(const std::vector<Entry>& entries, const std::set<std::string>& known, const std::string& where,
                const std::string& file, bool strict, Report& report);

// 1-based line of a node in its file (0 when unknown), and "file:line".
int yaml_line_of(const YAML::Node& node);
std::string file_at(const std::string& file, int line);

}  // namespace hlsmesh::tunnelcheck
