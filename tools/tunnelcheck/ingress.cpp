// cloudflared's ingress rules: loading config.yml, validating services and
// paths in cloudflared's order and words, shadowed and unanchored rules,
// first-match routing of a URL. Unknown keys are checked in config_keys.cpp.
#include "ingress.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "common/text.hpp"
#include "config_keys.hpp"
#include "url.hpp"

namespace tunnelcheck {
namespace {

bool is_http_like(const std::string& service) {
  auto u = parse_url(service);
  if (u) return u->scheme == "http" || u->scheme == "https" || u->scheme == "ws" || u->scheme == "wss";
  return service.rfind("unix:", 0) == 0 || service.rfind("unix+tls:", 0) == 0;
}

// Service validation in cloudflared's order and words; "" when valid.
std::string validate_service(const std::string& s) {
  if (s.rfind("unix:", 0) == 0 || s.rfind("unix+tls:", 0) == 0) return {};
  if (s.rfind("http_status:", 0) == 0) {
    std::string code = s.substr(12);
    if (code.empty() ||
        !std::all_of(code.begin(), code.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) ||
        code.size() > 4)
      return "invalid HTTP status code: strconv.Atoi: parsing \"" + code + "\": invalid syntax";
    int n = std::stoi(code);
    if (n < 100 || n > 999) return "invalid HTTP status code: " + std::to_string(n);
    return {};
  }
  if (s == "hello_world" || s == "hello-world" || s == "socks-proxy" || s == "bastion") return {};
  size_t sep = s.find("://");
  auto u = parse_url(s);
  if (sep == std::string::npos || !u || u->host.empty())
    return s + " is an invalid address, please make sure it has a scheme and a hostname";
  if (s.find_first_of("/?", sep + 3) != std::string::npos)
    return s +
           " is an invalid address, ingress rules don't support proxying to a different path on the origin "
           "service. The path will be the same as the eyeball request's path";
  return {};
}

bool host_covers(const std::string& a, const std::string& b) {
  if (a.empty() || a == "*") return true;
  if (a == b) return true;
  if (a.rfind("*.", 0) == 0) return b.size() > a.size() - 1 && b.ends_with(a.substr(1));
  return false;
}

bool is_regex_meta(char c) { return std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos; }

// Paths a human wrote as a prefix: strip anchors, unescape "\.", and give up
// on anything with real regex syntax.
std::optional<std::string> literal_of(const std::string& path) {
  std::string p = path;
  if (!p.empty() && p.front() == '^') p.erase(0, 1);
  if (!p.empty() && p.back() == '$' && (p.size() < 2 || p[p.size() - 2] != '\\')) p.pop_back();
  std::string out;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\' && i + 1 < p.size() && is_regex_meta(p[i + 1])) {
      out += p[++i];
    } else if (p[i] == '.' || p[i] == '*' || p[i] == '+' || p[i] == '?') {
      if (p[i] == '*' && i + 1 == p.size() && i > 0 && p[i - 1] == '.') {  // trailing ".*" = "anything after"
        out.pop_back();
        continue;
      }
      return std::nullopt;
    } else if (is_regex_meta(p[i])) {
      return std::nullopt;
    } else {
      out += p[i];
    }
  }
  return out;
}

void check_path(const IngressRule& r, const std::string& file, Report& report) {
  if (!r.path_regex) return;
  auto lit = literal_of(r.path);
  if (!lit) {
    if (r.path.front() != '^')
      report.add(Severity::warning, "path-unanchored", file_at(file, r.line),
                 "rule #" + std::to_string(r.index + 1) + " path '" + r.path +
                     "' is an unanchored regex: cloudflared matches it anywhere in the request path",
                 "anchor it: path: ^" + r.path);
    return;
  }
  std::string core = *lit;
  std::string body = !core.empty() && core.front() == '/' ? core.substr(1) : core;
  std::vector<std::string> candidates = {"/x" + body, "/x/" + body, core + (core.ends_with("/") ? "" : "x")};
  std::vector<std::string> overmatch;
  for (const auto& c : candidates) {
    if (c == core) continue;
    if (RE2::PartialMatch(c, *r.path_regex) && std::find(overmatch.begin(), overmatch.end(), c) == overmatch.end())
      overmatch.push_back(c);
  }
  if (overmatch.empty()) return;
  std::string examples;
  for (const auto& c : overmatch) examples += (examples.empty() ? "" : ", ") + c;
  std::string anchored = "^" + (core.front() == '/' ? core : "/" + core);
  if (!anchored.ends_with("/")) anchored += "(/|$)";
  report.add(Severity::warning, "path-unanchored", file_at(file, r.line),
             "rule #" + std::to_string(r.index + 1) + " path '" + r.path +
                 "' is an unanchored regex (cloudflared uses MatchString): it also matches " + examples,
             "anchor it: path: " + anchored);
}

bool looks_like_websocket_route(const IngressRule& r) {
  std::string p = hlsmesh::ascii_lower(r.path), h = hlsmesh::ascii_lower(r.hostname);
  return p.find("/ws") != std::string::npos || p.find("announce") != std::string::npos ||
         p.find("socket") != std::string::npos || p.find("tracker") != std::string::npos || h.rfind("ws.", 0) == 0 ||
         h.rfind("tracker.", 0) == 0;
}

}  // namespace

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

std::optional<IngressConfig> load_ingress(const std::string& file, Report& report) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    report.add(Severity::unknown, "config-unreadable", file, "cannot read " + file,
               "pass the cloudflared config.yml path (default locations: ~/.cloudflared, /etc/cloudflared)");
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    report.add(Severity::critical, "config-yaml-error", file_at(file, e.mark.line >= 0 ? e.mark.line + 1 : 0),
               "config.yml is not valid YAML: " + e.msg, "fix the YAML syntax (indentation, a ':' after each key)");
    return std::nullopt;
  }
  IngressConfig cfg;
  cfg.file = file;
  if (root && !root.IsNull() && !root.IsMap()) {
    report.add(Severity::critical, "config-not-a-map", file, "config.yml is not a YAML mapping of settings",
               "write 'tunnel:', 'credentials-file:' and 'ingress:' at the top level");
    return std::nullopt;
  }
  if (root && root.IsMap()) {
    check_keys(root, kTopLevelKeys, "the top level", file, false, report);
    check_origin_request(root["originRequest"], "the top-level originRequest", file, report);
    check_keys(root["warp-routing"], kWarpKeys, "warp-routing", file, true, report);
  }
  YAML::Node ingress = root && root.IsMap() ? root["ingress"] : YAML::Node();
  if (!ingress || !ingress.IsSequence() || ingress.size() == 0) {
    report.add(Severity::critical, "no-ingress-rules", file, "The config file doesn't contain any ingress rules",
               "add an 'ingress:' list whose last rule is a catch-all, e.g. '- service: http_status:404'");
    return cfg;
  }
  for (size_t i = 0; i < ingress.size(); ++i) {
    const YAML::Node& n = ingress[i];
    IngressRule r;
    r.index = i;
    r.line = yaml_line_of(n);
    if (!n.IsMap()) {
      report.add(Severity::critical, "rule-not-a-map", file_at(file, r.line),
                 "Rule #" + std::to_string(i + 1) + " is not a mapping of hostname/path/service",
                 "write each rule as '- hostname: …' with 'service: …' below it");
      cfg.rules.push_back(r);
      continue;
    }
    r.hostname = n["hostname"].as<std::string>("");
    r.path = n["path"].as<std::string>("");
    r.service = n["service"].as<std::string>("");
    check_keys(n, kRuleKeys, "rule #" + std::to_string(i + 1), file, true, report);
    check_origin_request(n["originRequest"], "rule #" + std::to_string(i + 1) + " originRequest", file, report);
    if (!r.path.empty()) {
      RE2::Options opts;
      opts.set_log_errors(false);
      auto re = std::make_shared<RE2>(r.path, opts);
      if (!re->ok()) {
        report.add(Severity::critical, "invalid-path-regex", file_at(file, r.line),
                   "Rule #" + std::to_string(i + 1) + " has an invalid regex: " + re->error(),
                   "fix the 'path' regex (Go RE2 syntax: no lookaround or backreferences)");
      } else {
        r.path_regex = std::move(re);
      }
    }
    cfg.rules.push_back(std::move(r));
  }

  const size_t n = cfg.rules.size();
  for (auto& r : cfg.rules) {
    const std::string where = file_at(file, r.line);
    const std::string num = std::to_string(r.index + 1);
    if (std::string problem = validate_service(r.service); !problem.empty()) {
      report.add(Severity::critical, r.service.empty() ? "service-missing" : "invalid-service", where,
                 r.service.empty() ? "Rule #" + num + ": " + problem + " (the rule has no service)" : problem,
                 r.service.find("://") != std::string::npos &&
                         validate_service(r.service).find("different path") != std::string::npos
                     ? "drop the path from the service (http://localhost:3000); route by 'path:' instead"
                     : "write a URL with scheme and host, e.g. http://localhost:3000, or http_status:404");
    }
    std::string host = r.hostname;
    bool has_port = false;
    if (!host.empty() && host.front() == '[') {
      has_port = host.find("]:") != std::string::npos;
    } else if (size_t c = host.rfind(':'); c != std::string::npos && host.find(':') == c) {
      has_port = true;
    }
    if (has_port) {
      report.add(Severity::critical, "hostname-with-port", where, "Hostname cannot contain a port",
                 "remove ':" + host.substr(host.rfind(':') + 1) + "' from hostname " + host +
                     "; the port belongs in the service URL");
    }
    if (host.rfind('*') != std::string::npos && host.rfind('*') > 0) {
      report.add(Severity::critical, "bad-wildcard", where,
                 "Hostname patterns can have at most one wildcard character (\"*\") and it can only be used for "
                 "subdomains, e.g. \"*.example.com\"",
                 "write the wildcard only as the first label: *.example.com");
    }
    const bool last = r.index + 1 == n;
    if (last && !r.catch_all()) {
      report.add(Severity::critical, "last-rule-not-catch-all", where,
                 "The last ingress rule must match all URLs (i.e. it should not have a hostname or path filter)",
                 "append a catch-all rule: '- service: http_status:404'");
    }
    if (!last && r.catch_all()) {
      report.add(
          Severity::critical, "catch-all-not-last", where,
          "Rule #" + num + " is matching the hostname '" + r.hostname +
              "', but this will match every hostname, meaning the rules which follow it will never be triggered.",
          "give rule #" + num + " a hostname or path, or move it to the end");
    }
  }

  // Warnings cloudflared does not give.
  for (size_t j = 0; j < n; ++j) {
    const auto& rj = cfg.rules[j];
    if (j + 1 == n && rj.catch_all()) break;
    for (size_t i = 0; i < j; ++i) {
      const auto& ri = cfg.rules[i];
      if (ri.catch_all()) break;  // reported above as an error
      if (host_covers(ri.hostname, rj.hostname) && (ri.path.empty() || ri.path == rj.path)) {
        report.add(Severity::warning, "rule-shadowed", file_at(file, rj.line),
                   "rule #" + std::to_string(j + 1) + " can never match: " + ri.describe() +
                       " comes first and covers every request it would get (first match wins)",
                   "move rule #" + std::to_string(j + 1) + " above rule #" + std::to_string(i + 1) +
                       " (specific path rules before the hostname-only rule)");
        break;
      }
    }
  }
  for (const auto& r : cfg.rules) {
    check_path(r, file, report);
    if (looks_like_websocket_route(r) && !r.service.empty() && !is_http_like(r.service)) {
      report.add(Severity::warning, "websocket-route-not-http", file_at(file, r.line),
                 "rule #" + std::to_string(r.index + 1) + " looks like a WebSocket route (" +
                     (r.path.empty() ? r.hostname : r.path) + ") but its service is " + r.service +
                     ": browsers' WebSocket upgrades only pass through http(s):// or ws(s):// services",
                 "point it at the tracker's HTTP listener, e.g. service: http://localhost:8000");
    }
  }
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

}  // namespace tunnelcheck
