#include "config_keys.hpp"

#include <algorithm>
#include <vector>

#include "common/text.hpp"

namespace tunnelcheck {

const std::set<std::string> kTopLevelKeys = {"tunnel",
                                             "credentials-file",
                                             "ingress",
                                             "originRequest",
                                             "warp-routing",
                                             "logfile",
                                             "loglevel",
                                             "log-directory",
                                             "transport-loglevel",
                                             "metrics",
                                             "protocol",
                                             "no-autoupdate",
                                             "autoupdate-freq",
                                             "url",
                                             "hello-world",
                                             "origincert",
                                             "edge-ip-version",
                                             "region",
                                             "retries",
                                             "grace-period",
                                             "management-diagnostics",
                                             "post-quantum",
                                             "edge-bind-address",
                                             "tag",
                                             "ha-connections",
                                             "proxy-dns",
                                             "proxy-dns-port",
                                             "proxy-dns-address",
                                             "proxy-dns-upstream",
                                             "pidfile",
                                             "no-tls-verify",
                                             "origin-ca-pool",
                                             "compression-quality",
                                             "heartbeat-interval",
                                             "heartbeat-count",
                                             "max-fetch-size",
                                             "icmpv4-src",
                                             "icmpv6-src",
                                             "lb-pool",
                                             "api-url",
                                             "unix-socket",
                                             "bastion",
                                             "socks5",
                                             "label",
                                             "name",
                                             "token",
                                             "credentials-contents",
                                             "dns-resolver-addrs",
                                             "max-active-flows",
                                             "edge",
                                             "service-op-ip",
                                             "features",
                                             "output"};
const std::set<std::string> kRuleKeys = {"hostname", "path", "service", "originRequest"};
const std::set<std::string> kWarpKeys = {"enabled", "connectTimeout", "maxActiveFlows", "tcpKeepAlive"};

namespace {

const std::set<std::string> kOriginRequestKeys = {"connectTimeout",
                                                  "tlsTimeout",
                                                  "tcpKeepAlive",
                                                  "noHappyEyeballs",
                                                  "keepAliveConnections",
                                                  "keepAliveTimeout",
                                                  "httpHostHeader",
                                                  "originServerName",
                                                  "matchSNItoHost",
                                                  "caPool",
                                                  "noTLSVerify",
                                                  "disableChunkedEncoding",
                                                  "bastionMode",
                                                  "proxyAddress",
                                                  "proxyPort",
                                                  "proxyType",
                                                  "ipRules",
                                                  "http2Origin",
                                                  "access"};
const std::set<std::string> kAccessKeys = {"required", "teamName", "audTag"};
const std::set<std::string> kIpRuleKeys = {"prefix", "ports", "allow"};

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest(const std::string& key, const std::set<std::string>& known) {
  std::string best;
  size_t best_d = 3;  // suggest only close names
  for (const auto& k : known) {
    size_t d = hlsmesh::ascii_lower(k) == hlsmesh::ascii_lower(key) ? 0 : edit_distance(hlsmesh::ascii_lower(key), hlsmesh::ascii_lower(k));
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  return best;
}

}  // namespace

int yaml_line_of(const YAML::Node& node) { return node.Mark().line >= 0 ? node.Mark().line + 1 : 0; }

std::string file_at(const std::string& file, int line) { return line ? file + ":" + std::to_string(line) : file; }

void check_keys(const YAML::Node& map, const std::set<std::string>& known, const std::string& where,
                const std::string& file, bool strict, Report& report) {
  if (!map.IsMap()) return;
  for (const auto& kv : map) {
    std::string key = kv.first.as<std::string>("");
    if (known.count(key)) continue;
    std::string guess = closest(key, known);
    if (!strict && guess.empty()) continue;
    report.add(Severity::warning, "unknown-key", file_at(file, yaml_line_of(kv.first)),
               "unknown key '" + key + "' in " + where + (guess.empty() ? "" : " (did you mean '" + guess + "'?)") +
                   "; cloudflared ignores it at run time, so the setting has no effect",
               guess.empty()
                   ? "remove it, or check the spelling against the cloudflared docs (keys are case-sensitive camelCase)"
                   : "rename it to '" + guess + "'");
  }
}

void check_origin_request(const YAML::Node& node, const std::string& where, const std::string& file, Report& report) {
  if (!node || !node.IsMap()) return;
  check_keys(node, kOriginRequestKeys, where, file, true, report);
  if (auto access = node["access"]) check_keys(access, kAccessKeys, where + " access", file, true, report);
  if (auto ip_rules = node["ipRules"]; ip_rules && ip_rules.IsSequence())
    for (const auto& r : ip_rules) check_keys(r, kIpRuleKeys, where + " ipRules", file, true, report);
}

}  // namespace tunnelcheck
