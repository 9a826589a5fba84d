#pragma once
// The keys cloudflared's config.yml knows, section by section, and the check
// that reports the others: cloudflared ignores an unknown key at run time, so
// a misspelt one (`originrequest`, `noTLSverify`) silently has no effect.
#include <yaml-cpp/yaml.h>

#include <set>
#include <string>

#include "report.hpp"

namespace tunnelcheck {

extern const std::set<std::string> kTopLevelKeys;
extern const std::set<std::string> kRuleKeys;
extern const std::set<std::string> kWarpKeys;

// Reports unknown keys of a mapping, with the closest known one as the fix.
// `strict`: every unknown key (cloudflared's validate warns, then ignores
// them at run time); otherwise only near-misses of a known key.
void check_keys(const YAML::Node& map, const std::set<std::string>& known, const std::string& where,
                const std::string& file, bool strict, Report& report);

// An originRequest block (top level or per rule), with its access and ipRules.
void check_origin_request(const YAML::Node& node, const std::string& where, const std::string& file, Report& report);

// 1-based line of a node in its file (0 when unknown), and "file:line".
int yaml_line_of(const YAML::Node& node);
std::string file_at(const std::string& file, int line);

}  // namespace tunnelcheck
