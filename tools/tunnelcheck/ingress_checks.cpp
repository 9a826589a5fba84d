// validateIngress and validateHostname (cloudflared ingress/ingress.go) in
// cloudflared's words, with the fix each needs, then the warnings cloudflared
// does not give: hostnames that can never match, rules an earlier one
// shadows or duplicates, unanchored or glob-like paths, WebSocket routes to
// non-HTTP services.
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "common/text.hpp"
#include "config_keys.hpp"
#include "config_literal.hpp"
#include "go_rules.hpp"
#include "ingress.hpp"
#include "url.hpp"

namespace hlsmesh::tunnelcheck {
namespace {

struct Problem {
  std::string code, message, fix;
};

std::string first_placeholder(const std::string& text) {
  auto all = placeholders(text);
  return all.empty() ? std::string() : all.front();
}

// The prefix cloudflared's ipaccess.NewRuleByCIDR accepts (net.ParseCIDR).
bool valid_cidr(const std::string& prefix) {
  size_t slash = prefix.find('/');
  if (slash == std::string::npos || slash + 1 == prefix.size()) return false;
  std::string addr = prefix.substr(0, slash), bits = prefix.substr(slash + 1);
  if (!std::all_of(bits.begin(), bits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return false;
  unsigned char buf[16];
  int max = inet_pton(AF_INET, addr.c_str(), buf) == 1 ? 32 : inet_pton(AF_INET6, addr.c_str(), buf) == 1 ? 128 : -1;
  return max > 0 && bits.size() <= 3 && std::stoi(bits) <= max;
}

// validateIngress's service decision, in its order: unix sockets,
// http_status (strconv.Atoi), hello_world, socks-proxy (ipaccess rules),
// bastion or bastionMode (not validated), then url.Parse.
std::optional<Problem> check_service(const IngressRule& r) {
  const std::string& s = r.service;
  if (s.rfind("unix:", 0) == 0 || s.rfind("unix+tls:", 0) == 0) return std::nullopt;
  if (s.rfind("http_status:", 0) == 0) {
    auto code = go::atoi(s.substr(12));
    if (auto* why = std::get_if<std::string>(&code))
      return Problem{"invalid-service", "invalid HTTP status code: " + *why, "write e.g. http_status:404"};
    long long n = std::get<long long>(code);
    if (n < 100 || n > 999)
      return Problem{"invalid-service", "invalid HTTP status code: " + std::to_string(n), "use a code from 100 to 999"};
    return std::nullopt;
  }
  if (s == "hello_world" || s == "hello-world") return std::nullopt;
  if (s == "socks-proxy") {
    for (const auto& [prefix, line] : r.ip_rule_prefixes) {
      if (!prefix || prefix->empty())
        return Problem{"invalid-service", "unable to create ip rule for socks-proxy: no prefix provided",
                       "give each ipRules entry a prefix, e.g. prefix: 10.0.0.0/8"};
      if (!valid_cidr(*prefix))
        return Problem{"invalid-service", "unable to create ip rule for socks-proxy: unable to parse cidr: " + *prefix,
                       "write the prefix as a CIDR, e.g. 10.0.0.0/8"};
    }
    return std::nullopt;
  }
  if (s == "bastion" || r.bastion) return std::nullopt;
  const std::string var = first_placeholder(s);
  const std::string fix_var = var.empty() ? "" : var + " is not expanded by cloudflared: " + render_advice(var);
  auto parsed = go::parse_url(s);
  if (auto* why = std::get_if<std::string>(&parsed))
    return Problem{"invalid-service", *why, var.empty() ? "write a URL such as http://localhost:3000" : fix_var};
  const auto& u = std::get<go::ParsedUrl>(parsed);
  if (u.scheme.empty() || u.hostname.empty())
    return Problem{
        s.empty() ? "service-missing" : "invalid-service",
        s + " is an invalid address, please make sure it has a scheme and a hostname",
        !var.empty() ? fix_var : "write a URL with scheme and host, e.g. http://localhost:3000, or http_status:404"};
  if (!u.path.empty())
    return Problem{"invalid-service",
                   s + " is an invalid address, ingress rules don't support proxying to a different path on the "
                       "origin service. The path will be the same as the eyeball request's path",
                   "drop the path from the service (" + u.scheme + "://" + u.host + "); route by 'path:' instead"};
  return std::nullopt;
}

// validateHostname's port and wildcard checks (net.SplitHostPort, "*" only first).
std::optional<Problem> check_hostname(const std::string& host) {
  const std::string var = first_placeholder(host);
  std::string port;
  if (go::split_host_port(host, &port)) {
    if (!var.empty())
      return Problem{"hostname-with-port",
                     "Hostname cannot contain a port: hostname '" + host + "' is the unexpanded variable " + var +
                         ", which cloudflared reads literally (the ':' in it reads as a port separator)",
                     render_advice(var)};
    return Problem{"hostname-with-port", "Hostname cannot contain a port",
                   "remove ':" + port + "' from hostname " + host + "; the port belongs in the service URL"};
  }
  if (host.rfind('*') != std::string::npos && host.rfind('*') > 0)
    return Problem{"bad-wildcard",
                   "Hostname patterns can have at most one wildcard character (\"*\") and it can only be used for "
                   "subdomains, e.g. \"*.example.com\"",
                   var.empty() ? "write the wildcard only as the first label: *.example.com" : render_advice(var)};
  return std::nullopt;
}

// Hostnames cloudflared accepts but no request can match (matchHost).
std::optional<Problem> never_matching_host(const std::string& host) {
  if (host.empty() || host == "*") return std::nullopt;
  if (std::string var = first_placeholder(host); !var.empty())
    return Problem{"unexpanded-variable",
                   "hostname '" + host + "' can never match: cloudflared reads " + var +
                       " literally (it expands no variables or templates)",
                   render_advice(var)};
  if (host[0] == '*' && host.rfind("*.", 0) != 0)
    return Problem{"hostname-never-matches",
                   "hostname '" + host +
                       "' can never match: cloudflared's only wildcard is a leading '*.' (matchHost), "
                       "so '" +
                       host + "' is compared as the literal text",
                   "write '*." + host.substr(1) + "' for its subdomains (and a rule for '" + host.substr(1) +
                       "' itself if the bare domain is meant)"};
  if (host[0] == '*' && std::any_of(host.begin(), host.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    return Problem{"hostname-never-matches",
                   "hostname '" + host +
                       "' can never match: a wildcard is compared as written (matchHost) and "
                       "request hostnames arrive in lower case",
                   "write it in lower case: " + hlsmesh::ascii_lower(host)};
  if (host.find('/') != std::string::npos)
    return Problem{"hostname-never-matches",
                   "hostname '" + host + "' can never match: a request hostname never contains '/' (scheme or path)",
                   "write only the host name in 'hostname:' and route by 'path:'"};
  return std::nullopt;
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

// "/api/*" written as a glob: in a regex the '*' repeats the '/', so it
// matches every path containing "/api" ("/apix", "/x/api").
bool check_glob_path(const IngressRule& r, const std::string& file, Report& report) {
  static const RE2 glob(R"(\^?(/[^*?+()\[\]{}|\\$^.]*?)/?\*\$?)");
  std::string prefix;
  if (!RE2::FullMatch(r.path, glob, &prefix) || prefix.empty() || prefix == "/") return false;
  report.add(Severity::warning, "path-glob", file_at(file, r.line),
             "rule #" + std::to_string(r.index + 1) + " path '" + r.path +
                 "' is a regex, not a glob: '*' repeats the character before it and cloudflared matches anywhere "
                 "in the path (Regexp.MatchString), so it also matches " +
                 prefix + "x and /x" + prefix,
             "path: ^" + prefix + "(/|$)");
  return true;
}

void check_path(const IngressRule& r, const std::string& file, Report& report) {
  if (!r.path_regex || check_glob_path(r, file, report)) return;
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

bool is_http_like(const std::string& service) {
  if (service.rfind("unix:", 0) == 0 || service.rfind("unix+tls:", 0) == 0) return true;
  auto parsed = go::parse_url(service);
  const auto* u = std::get_if<go::ParsedUrl>(&parsed);
  return u && (u->scheme == "http" || u->scheme == "https" || u->scheme == "ws" || u->scheme == "wss");
}

void add(Report& report, Severity sev, const Problem& p, const std::string& where) {
  report.add(sev, p.code, where, p.message, p.fix);
}

// Rule-by-rule, as validateIngress: service, access, validateHostname, regex.
void validate_rule(IngressRule& r, size_t n, const std::string& file, Report& report) {
  const std::string where = file_at(file, r.line);
  const std::string num = std::to_string(r.index + 1);
  if (auto p = check_service(r)) {
    if (p->code == "service-missing") p->message = "Rule #" + num + ": " + p->message + " (the rule has no service)";
    add(report, Severity::critical, *p, where);
  }
  if (r.access_required && !r.access_team && r.access_aud_tags > 0)
    report.add(Severity::critical, "access-config", where,
               "access.TeamName cannot be blank when access.audTags are present",
               "add teamName: <your Zero Trust team name> under the rule's originRequest.access");
  if (auto p = check_hostname(r.hostname))
    add(report, Severity::critical, *p, where);
  else if (auto q = never_matching_host(r.hostname))
    add(report, Severity::warning, *q, where);
  const bool last = r.index + 1 == n;
  if (last && !r.catch_all())
    report.add(Severity::critical, "last-rule-not-catch-all", where,
               "The last ingress rule must match all URLs (i.e. it should not have a hostname or path filter)",
               "append a catch-all rule: '- service: http_status:404'");
  if (!last && r.catch_all())
    report.add(Severity::critical, "catch-all-not-last", where,
               "Rule #" + num + " is matching the hostname '" + r.hostname +
                   "', but this will match every hostname, meaning the rules which follow it will never be triggered.",
               "give rule #" + num + " a hostname or path, or move it to the end");
  if (r.path.empty()) return;
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<RE2>(go::to_re2_syntax(r.path), opts);
  if (!re->ok()) {
    report.add(Severity::critical, "invalid-path-regex", where,
               "Rule #" + num + " has an invalid regex: " + re->error(),
               r.path.front() == '*' ? "the path is a regex, not a glob: write e.g. \\.m3u8$ for '*.m3u8'"
                                     : "fix the 'path' regex (Go RE2 syntax: no lookaround or backreferences)");
    return;
  }
  r.path_regex = std::move(re);
}

void check_shadowed(const IngressConfig& cfg, Report& report) {
  const size_t n = cfg.rules.size();
  for (size_t j = 0; j < n; ++j) {
    const auto& rj = cfg.rules[j];
    if (j + 1 == n && rj.catch_all()) break;
    for (size_t i = 0; i < j; ++i) {
      const auto& ri = cfg.rules[i];
      if (ri.catch_all()) break;  // reported as an error
      if (!host_covers(ri.hostname, rj.hostname) || !(ri.path.empty() || ri.path == rj.path)) continue;
      const std::string sj = std::to_string(j + 1), si = std::to_string(i + 1);
      if (ri.hostname == rj.hostname && ri.path == rj.path && same_service(ri.service, rj.service)) {
        report.add(Severity::warning, "rule-duplicate", file_at(cfg.file, rj.line),
                   "rule #" + sj + " repeats rule #" + si + " exactly (" + ri.describe() + "); it is never used",
                   "delete rule #" + sj);
      } else {
        report.add(
            Severity::warning, "rule-shadowed", file_at(cfg.file, rj.line),
            "rule #" + sj + " can never match: " + ri.describe() +
                " comes first and covers every request it would get (first match wins)",
            ri.hostname == rj.hostname && ri.path == rj.path
                ? "keep one of rules #" + si + " and #" + sj + " (they match the same requests)"
                : "move rule #" + sj + " above rule #" + si + " (specific path rules before the hostname-only rule)");
      }
      break;
    }
  }
}

}  // namespace

void validate_rules(IngressConfig& cfg, Report& report) {
  for (auto& r : cfg.rules) validate_rule(r, cfg.rules.size(), cfg.file, report);
  check_shadowed(cfg, report);
  for (const auto& r : cfg.rules) {
    check_path(r, cfg.file, report);
    if (looks_like_websocket_route(r) && !r.service.empty() && !is_http_like(r.service))
      report.add(Severity::warning, "websocket-route-not-http", file_at(cfg.file, r.line),
                 "rule #" + std::to_string(r.index + 1) + " looks like a WebSocket route (" +
                     (r.path.empty() ? r.hostname : r.path) + ") but its service is " + r.service +
                     ": browsers' WebSocket upgrades only pass through http(s):// or ws(s):// services",
                 "point it at the tracker's HTTP listener, e.g. service: http://localhost:8000");
  }
}

}  // namespace hlsmesh::tunnelcheck
