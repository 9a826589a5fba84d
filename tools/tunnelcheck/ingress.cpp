// cloudflared's ingress rules: loading config.yml as config.ReadConfigFile
// and ingress.ParseIngress do, and first-match routing of a URL (Rule.Matches).
// Validation is in ingress_checks.cpp, typed decoding in config_keys.cpp.
#include "ingress.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "common/text.hpp"
#include "config_keys.hpp"
#include "config_literal.hpp"
#include "config_yaml.hpp"
#include "url.hpp"

namespace hlsmesh::tunnelcheck {

bool IngressRule::matches_host(const std::string& host) const {
  if (hostname.empty() || hostname == "*" || hostname == host) return true;
  if (hostname.rfind("*.", 0) == 0) return host.ends_with(hostname.substr(1));
  return false;
}

bool IngressRule::matches(const std::string& host, const std::string& request_path) const {
  if (!matches_host(host)) return false;
  if (path.empty()) return true;
  return path_regex && RE2::PartialMatch(request_path, *path_regex);
}

std::string IngressRule::describe() const {
  std::string d = "rule #" + std::to_string(index + 1) + " (";
  d += hostname.empty() ? "any hostname" : "hostname " + hostname;
  if (!path.empty()) d += ", path " + path;
  return d + " → " + service + ")";
}

bool same_service(const std::string& a, const std::string& b) {
  auto norm = [](std::string s) {
    s = hlsmesh::ascii_lower(s);
    while (s.ends_with("/")) s.pop_back();
    return s;
  };
  return norm(a) == norm(b);
}

namespace {

std::optional<YAML::Node> parse_file(const std::string& file, Report& report) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    report.add(Severity::unknown, "config-unreadable", file, "cannot read " + file,
               "pass the cloudflared config.yml path (default locations: ~/.cloudflared, /etc/cloudflared)");
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    return YAML::Load(text.str());
  } catch (const YAML::Exception& e) {
    bool templated = text.str().find("{{") != std::string::npos;
    report.add(Severity::critical, "config-yaml-error", file_at(file, e.mark.line >= 0 ? e.mark.line + 1 : 0),
               "config.yml is not valid YAML: " + e.msg +
                   (templated ? " (the file holds {{ … }}: it is a template, which cloudflared reads literally)" : ""),
               templated ? "render the template first (helm template, or your templating tool) and check the output"
                         : "fix the YAML syntax (indentation, a ':' after each key)");
    return std::nullopt;
  }
}

// yaml-cpp builds an anchor that contains its own alias as a cyclic graph,
// and expands nested aliases without limit; yaml.v3 refuses both ("anchor
// value contains itself", "excessive aliasing"). Checked once here, so the
// recursive walks after it always end.
std::string alias_problem(const YAML::Node& node, std::vector<YAML::Node>& stack, size_t& visits) {
  if (++visits > 100000) return "yaml: document contains excessive aliasing";
  if (!node.IsMap() && !node.IsSequence()) return {};
  for (const auto& up : stack)
    if (up.is(node)) return "yaml: anchor value contains itself";
  stack.push_back(node);
  std::string why;
  if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end() && why.empty(); ++it) {
      why = alias_problem(it->first, stack, visits);
      if (why.empty()) why = alias_problem(it->second, stack, visits);
    }
  } else {
    for (auto it = node.begin(); it != node.end() && why.empty(); ++it) why = alias_problem(*it, stack, visits);
  }
  stack.pop_back();
  return why;
}

IngressRule decode_rule(YamlDecoder& d, const YAML::Node& n, size_t i, const OriginRequest& top) {
  IngressRule r;
  r.index = i;
  r.line = yaml_line_of(n);
  const std::string where = "ingress rule #" + std::to_string(i + 1);
  if (!d.struct_ok(n, where, "config.UnvalidatedIngressRule")) return r;
  auto entries = d.entries(n);
  check_keys(entries, kRuleKeys, "rule #" + std::to_string(i + 1), d.file(), true, d.report());
  OriginRequest own;
  for (const auto& e : entries) {
    if (e.key == "hostname") r.hostname = d.string(e.value, where + " hostname").value_or("");
    if (e.key == "path") r.path = d.string(e.value, where + " path").value_or("");
    if (e.key == "service") r.service = d.string(e.value, where + " service").value_or("");
    if (e.key == "originRequest") own = decode_origin_request(d, e.value, where + " originRequest");
  }
  r.bastion = own.bastion_mode.value_or(top.bastion_mode.value_or(false));
  r.ip_rule_prefixes = own.ip_rule_prefixes;  // socks-proxy reads the rule's own ipRules only
  r.access_required = own.access_present && own.access_required;
  r.access_team = !own.team_name.empty();
  r.access_aud_tags = own.aud_tags;
  return r;
}

// Configuration's own fields; every other top-level key is a flag setting.
void decode_top_level(YamlDecoder& d, const std::vector<Entry>& entries, bool has_ingress, OriginRequest& top) {
  for (const auto& e : entries) {
    if (e.key == "tunnel")
      d.string(e.value, "tunnel");
    else if (e.key == "originRequest")
      top = decode_origin_request(d, e.value, "the top-level originRequest");
    else if (e.key == "warp-routing")
      decode_warp_routing(d, e.value);
    else if (e.key != "ingress")
      decode_top_level_setting(d, e, has_ingress);
  }
  if (top.access_present && top.access_required)
    d.report().add(Severity::warning, "access-not-enforced", file_at(d.file(), top.access_line),
                   "access.required under the top-level originRequest is read but not enforced: cloudflared builds "
                   "the Access token check only from a rule's own originRequest.access (validateIngress)",
                   "move 'access:' into the originRequest of each rule that must require Cloudflare Access");
}

}  // namespace

std::optional<IngressConfig> load_ingress(const std::string& file, Report& report) {
  auto root = parse_file(file, report);
  if (!root) return std::nullopt;
  std::vector<YAML::Node> stack;
  size_t visits = 0;
  if (std::string why = alias_problem(*root, stack, visits); !why.empty()) {
    report.add(Severity::critical, "config-yaml-error", file, "cloudflared refuses to start: " + why,
               "write the repeated settings out, or anchor them where no alias refers back into them");
    return std::nullopt;
  }
  IngressConfig cfg;
  cfg.file = file;
  YamlDecoder d(file, report);
  if (!root->IsNull() && !root->IsMap()) {
    d.type_error(*root, "config.yml", "config.configFileSettings",
                 "write 'tunnel:', 'credentials-file:' and 'ingress:' at the top level");
    return std::nullopt;
  }
  auto entries = d.entries(*root);
  YAML::Node ingress;
  std::optional<YAML::Node> url;
  for (const auto& e : entries) {
    if (e.key == "ingress") ingress = e.value;
    if (e.key == "url") url = e.key_node;
  }
  const bool has_ingress = ingress && ingress.IsSequence() && ingress.size() > 0;
  OriginRequest top;
  decode_top_level(d, entries, has_ingress, top);
  report_placeholders(
      *root, file,
      [](const std::string& path) {
        static const std::regex judged(R"(ingress\[\d+\]\.(hostname|service))");
        return std::regex_match(path, judged);
      },
      report);
  if (has_ingress && url)
    report.add(Severity::critical, "url-with-ingress", file_at(file, yaml_line_of(*url)),
               "You can't set the --url flag (or $TUNNEL_URL) when using multiple-origin ingress rules: a top-level "
               "'url:' is that flag ('cloudflared tunnel ingress validate' refuses the file, and 'cloudflared tunnel' "
               "without 'run' starts a quick tunnel to the url instead)",
               "delete the 'url:' line; the ingress rules route every request");
  if (ingress && !ingress.IsNull() && !ingress.IsSequence())
    d.type_error(ingress, "ingress", "[]config.UnvalidatedIngressRule",
                 "write ingress as a list: each rule starts with '- hostname: …' or '- service: …'");
  if (!has_ingress) {
    report.add(Severity::critical, "no-ingress-rules", file, "The config file doesn't contain any ingress rules",
               "add an 'ingress:' list whose last rule is a catch-all, e.g. '- service: http_status:404'");
    return cfg;
  }
  for (size_t i = 0; i < ingress.size(); ++i) cfg.rules.push_back(decode_rule(d, ingress[i], i, top));
  validate_rules(cfg, report);
  return cfg;
}

const IngressRule* route(const IngressConfig& config, const std::string& url_text) {
  if (config.rules.empty()) return nullptr;
  auto u = parse_url(url_text);
  std::string host = u ? u->host : "";
  std::string path = u ? u->path : url_text;
  for (const auto& r : config.rules)
    if (r.matches(host, path)) return &r;
  return &config.rules.back();  // cloudflared: the last rule (the catch-all) gets the rest
}

std::string find_default_config() {
  std::vector<std::string> dirs;
  if (const char* home = std::getenv("HOME")) {
    dirs.push_back(std::string(home) + "/.cloudflared");
    dirs.push_back(std::string(home) + "/.cloudflare-warp");
    dirs.push_back(std::string(home) + "/cloudflare-warp");
  }
  dirs.push_back("/etc/cloudflared");
  dirs.push_back("/usr/local/etc/cloudflared");
  for (const auto& d : dirs)
    for (const char* name : {"config.yml", "config.yaml"}) {
      std::error_code ec;
      if (std::filesystem::exists(d + "/" + name, ec)) return d + "/" + name;
    }
  return {};
}

}  // namespace hlsmesh::tunnelcheck
