#pragma once
// cloudflared's ingress model (cloudflare/cloudflared ingress/ingress.go,
// rule.go): rules checked top to bottom, first match wins; hostname exact or
// "*." suffix; path an unanchored RE2 regex on the path without query; the
// request's port stripped. Validation reports errors as cloudflared words them,
// plus warnings it does not give.
#include <re2/re2.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "report.hpp"

namespace hlsmesh::tunnelcheck {

struct IngressRule {
  size_t index = 0;  // 0-based, as `cloudflared tunnel ingress rule` prints it since 2023.10
  std::string hostname;
  std::string path;
  std::string service;
  int line = 0;          // 1-based line in config.yml (0 if unknown)
  bool bastion = false;  // bastionMode from the rule or the top level: service not validated
  std::vector<std::pair<std::optional<std::string>, int>> ip_rule_prefixes;  // for socks-proxy
  bool access_required = false, access_team = false;
  size_t access_aud_tags = 0;
  std::shared_ptr<RE2> path_regex;  // null when no path or invalid
  bool catch_all() const { return (hostname.empty() || hostname == "*") && path.empty(); }
  bool matches_host(const std::string& host) const;
  bool matches(const std::string& host, const std::string& path) const;
  std::string describe() const;  // "rule #2 (hostname tv.example.com, path ^/live/)"
};

struct IngressConfig {
  std::string file;
  std::vector<IngressRule> rules;
};

// Loads config.yml the way cloudflared does (config.ReadConfigFile, then
// ingress.ParseIngress) and validates it; every problem goes into `report`
// with `file` as subject. Returns nullopt when the YAML cannot be read at all.
std::optional<IngressConfig> load_ingress(const std::string& file, Report& report);

// validateIngress and validateHostname's checks, and the warnings cloudflared
// does not give (ingress_checks.cpp). Compiles each rule's path regex.
void validate_rules(IngressConfig& cfg, Report& report);

// First-match routing; nullopt only when there are no rules.
const IngressRule* route(const IngressConfig& config, const std::string& url);

// cloudflared's default config locations, first existing one, or "".
std::string find_default_config();

// "http://localhost:3000/" and "http://localhost:3000" name the same service.
bool same_service(const std::string& a, const std::string& b);

}  // namespace hlsmesh::tunnelcheck
