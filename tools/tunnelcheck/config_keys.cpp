#include "config_keys.hpp"

#include <algorithm>
#include <map>

#include "common/text.hpp"
#include "go_rules.hpp"

namespace hlsmesh::tunnelcheck {
namespace {

enum class GoType { string, boolean, integer, uinteger, duration, string_list, int_list, access, ip_rules };

// OriginRequestConfig's fields (config/configuration.go).
const std::map<std::string, GoType> kOriginRequestFields = {{"connectTimeout", GoType::duration},
                                                            {"tlsTimeout", GoType::duration},
                                                            {"tcpKeepAlive", GoType::duration},
                                                            {"noHappyEyeballs", GoType::boolean},
                                                            {"keepAliveConnections", GoType::integer},
                                                            {"keepAliveTimeout", GoType::duration},
                                                            {"httpHostHeader", GoType::string},
                                                            {"originServerName", GoType::string},
                                                            {"matchSNItoHost", GoType::boolean},
                                                            {"caPool", GoType::string},
                                                            {"noTLSVerify", GoType::boolean},
                                                            {"disableChunkedEncoding", GoType::boolean},
                                                            {"bastionMode", GoType::boolean},
                                                            {"proxyAddress", GoType::string},
                                                            {"proxyPort", GoType::uinteger},
                                                            {"proxyType", GoType::string},
                                                            {"ipRules", GoType::ip_rules},
                                                            {"http2Origin", GoType::boolean},
                                                            {"access", GoType::access}};
const std::map<std::string, GoType> kAccessFields = {{"required", GoType::boolean},
                                                     {"teamName", GoType::string},
                                                     {"audTag", GoType::string_list},
                                                     {"environment", GoType::string}};
const std::map<std::string, GoType> kIpRuleFields = {
    {"prefix", GoType::string}, {"ports", GoType::int_list}, {"allow", GoType::boolean}};
const std::map<std::string, GoType> kWarpFields = {
    {"connectTimeout", GoType::duration}, {"maxActiveFlows", GoType::uinteger}, {"tcpKeepAlive", GoType::duration}};

// The altsrc flags of cmd/cloudflared (what a top-level key can set) and the
// configFileSettings accessor each goes through.
const std::map<std::string, GoType> kFlags = [] {
  std::map<std::string, GoType> m;
  for (const char* k :
       {"access-key-id", "api-ca-key", "api-email", "api-key", "api-url", "bucket-name", "cacert",
        "credentials-contents", "credentials-file", "edge-bind-address", "edge-ip-version", "hostname", "id", "label",
        "lb-pool", "local-ssh-port", "log-directory", "logfile", "loglevel", "management-hostname", "metrics",
        "origincert", "pidfile", "protocol", "proxy-dns-address", "quick-service", "region", "region-name",
        "s3-url-host", "secret-id", "service-op-ip", "session-token", "token", "token-file", "trace-output",
        "transport-loglevel", "unix-socket", "url", "http-host-header", "origin-server-name", "proxy-address",
        "origin-ca-pool", "host-key-path"})
    m[k] = GoType::string;
  for (const char* k :
       {"bastion", "hello-world", "http2-origin", "no-chunked-encoding", "no-tls-verify", "proxy-no-happy-eyeballs",
        "ssh-server", "socks5", "is-autoupdated", "management-diagnostics", "no-autoupdate", "no-prechecks",
        "post-quantum", "proxy-dns", "quic-disable-pmtu-discovery", "stdin-control", "ui", "use-reconnect-token"})
    m[k] = GoType::boolean;
  for (const char* k :
       {"proxy-keepalive-connections", "proxy-port", "compression-quality", "ha-connections", "heartbeat-count",
        "max-edge-addr-retries", "max-fetch-size", "proxy-dns-max-upstream-conns", "proxy-dns-port",
        "quic-connection-level-flow-control-limit", "quic-stream-level-flow-control-limit", "retries"})
    m[k] = GoType::integer;
  for (const char* k : {"edge", "features", "proxy-dns-bootstrap", "proxy-dns-upstream", "tag"})
    m[k] = GoType::string_list;
  for (const char* k : {"proxy-connect-timeout", "proxy-keepalive-timeout", "proxy-tcp-keepalive", "proxy-tls-timeout",
                        "autoupdate-freq", "dial-edge-timeout", "grace-period", "heartbeat-interval",
                        "metrics-update-freq", "proxy-connection-timeout", "proxy-expect-continue-timeout",
                        "rpc-timeout", "ssh-idle-timeout", "ssh-max-timeout", "write-stream-timeout"})
    m[k] = GoType::duration;
  return m;
}();

std::set<std::string> names_of(const std::map<std::string, GoType>& fields) {
  std::set<std::string> out;
  for (const auto& [k, _] : fields) out.insert(k);
  return out;
}

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
  // Suggest only close names; a one-letter key is close to everything short.
  size_t best_d = key.size() >= 4 ? 3 : key.size() >= 2 ? 2 : 1;
  for (const auto& k : known) {
    size_t d = edit_distance(hlsmesh::ascii_lower(key), hlsmesh::ascii_lower(k));
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  return best;
}

void ignored(YamlDecoder& d, const Entry& e, const std::string& why, const std::string& fix) {
  d.report().add(Severity::warning, "ignored-key", file_at(d.file(), yaml_line_of(e.key_node)),
                 "'" + e.key + "': " + why, fix);
}

// One field of a struct-typed block, decoded as its Go type.
void decode_field(YamlDecoder& d, const Entry& e, GoType type, const std::string& where, OriginRequest& out);

void decode_ip_rules(YamlDecoder& d, const Entry& e, const std::string& where, OriginRequest& out) {
  if (!e.value || e.value.IsNull()) return;
  if (!e.value.IsSequence()) {
    d.type_error(e.value, where + ".ipRules", "[]config.IngressIPRule", "write ipRules as a list of '- prefix: …'");
    return;
  }
  for (const auto& rule : e.value) {
    if (!d.struct_ok(rule, where + ".ipRules", "config.IngressIPRule")) continue;
    auto entries = d.entries(rule);
    check_keys(entries, names_of(kIpRuleFields), where + " ipRules", d.file(), true, d.report());
    std::optional<std::string> prefix;
    for (const auto& f : entries) {
      auto t = kIpRuleFields.find(f.key);
      if (t == kIpRuleFields.end()) continue;
      if (f.key == "prefix")
        prefix = d.string(f.value, where + ".ipRules.prefix");
      else
        decode_field(d, f, t->second, where + ".ipRules", out);
    }
    out.ip_rule_prefixes.emplace_back(prefix, yaml_line_of(rule));
  }
}

void decode_access(YamlDecoder& d, const Entry& e, const std::string& where, OriginRequest& out) {
  if (!d.struct_ok(e.value, where + ".access", "config.AccessConfig") || !e.value || e.value.IsNull()) return;
  out.access_present = true;
  out.access_line = yaml_line_of(e.key_node);
  auto entries = d.entries(e.value);
  check_keys(entries, names_of(kAccessFields), where + " access", d.file(), true, d.report());
  for (const auto& f : entries) {
    const std::string key = where + ".access." + f.key;
    if (f.key == "required") out.access_required = d.boolean(f.value, key).value_or(false);
    if (f.key == "teamName") out.team_name = d.string(f.value, key).value_or("");
    if (f.key == "audTag") out.aud_tags = d.string_list(f.value, key).value_or(std::vector<std::string>{}).size();
    if (f.key == "environment") d.string(f.value, key);
  }
}

void decode_field(YamlDecoder& d, const Entry& e, GoType type, const std::string& where, OriginRequest& out) {
  const std::string key = where + "." + e.key;
  switch (type) {
    case GoType::string: {
      auto v = d.string(e.value, key);
      if (e.key == "proxyType" && v && !v->empty() && *v != "socks")
        ignored(d, e,
                "cloudflared knows only proxyType 'socks' (origin_service.go compares with it); '" + *v +
                    "' is read and then ignored",
                "delete proxyType, or write proxyType: socks");
      break;
    }
    case GoType::boolean: {
      auto v = d.boolean(e.value, key);
      if (e.key == "bastionMode") out.bastion_mode = v;
      break;
    }
    case GoType::integer:
      d.integer(e.value, key, false);
      break;
    case GoType::uinteger:
      d.integer(e.value, key, true);
      break;
    case GoType::duration:
      d.duration(e.value, key);
      break;
    case GoType::string_list:
      d.string_list(e.value, key);
      break;
    case GoType::int_list:
      d.int_list(e.value, key);
      break;
    case GoType::access:
      decode_access(d, e, where, out);
      break;
    case GoType::ip_rules:
      decode_ip_rules(d, e, where, out);
      break;
  }
}

}  // namespace

const std::set<std::string> kRuleKeys = {"hostname", "path", "service", "originRequest"};

int yaml_line_of(const YAML::Node& node) { return node && node.Mark().line >= 0 ? node.Mark().line + 1 : 0; }

std::string file_at(const std::string& file, int line) { return line ? file + ":" + std::to_string(line) : file; }

void check_keys(const std::vector<Entry>& entries, const std::set<std::string>& known, const std::string& where,
                const std::string& file, bool strict, Report& report) {
  for (const auto& e : entries) {
    if (known.count(e.key)) continue;
    std::string guess = closest(e.key, known);
    if (!strict && guess.empty()) continue;
    report.add(Severity::warning, "unknown-key", file_at(file, yaml_line_of(e.key_node)),
               "unknown key '" + e.key + "' in " + where + (guess.empty() ? "" : " (did you mean '" + guess + "'?)") +
                   "; cloudflared ignores it at run time, so the setting has no effect",
               guess.empty()
                   ? "remove it, or check the spelling against the cloudflared docs (keys are case-sensitive camelCase)"
                   : "rename it to '" + guess + "'");
  }
}

OriginRequest decode_origin_request(YamlDecoder& d, const YAML::Node& node, const std::string& where) {
  OriginRequest out;
  if (!d.struct_ok(node, where, "config.OriginRequestConfig") || !node || node.IsNull()) return out;
  out.present = true;
  auto entries = d.entries(node);
  check_keys(entries, names_of(kOriginRequestFields), where, d.file(), true, d.report());
  for (const auto& e : entries)
    if (auto t = kOriginRequestFields.find(e.key); t != kOriginRequestFields.end())
      decode_field(d, e, t->second, where, out);
  return out;
}

void decode_warp_routing(YamlDecoder& d, const YAML::Node& node) {
  if (!d.struct_ok(node, "warp-routing", "config.WarpRoutingConfig")) return;
  auto entries = d.entries(node);
  OriginRequest unused;
  for (const auto& e : entries) {
    if (e.key == "enabled") {
      ignored(d, e,
              "warp-routing.enabled was removed from cloudflared (WarpRoutingConfig has no such field): it is "
              "ignored, and WARP routing is switched on for the tunnel in the dashboard or API",
              "delete 'enabled:' under warp-routing");
    } else if (auto t = kWarpFields.find(e.key); t != kWarpFields.end()) {
      decode_field(d, e, t->second, "warp-routing", unused);
    } else {
      check_keys({e}, names_of(kWarpFields), "warp-routing", d.file(), true, d.report());
    }
  }
}

namespace {

// configFileSettings' accessors: a plain type assertion on what yaml.v3
// put in interface{}, so a null or a quoted number is refused too. The Go
// type a value of flag type `type` fails to be, or nullptr when it is one.
const char* flag_type_mismatch(GoType type, const ScalarValue& v, const YAML::Node& value) {
  switch (type) {
    case GoType::boolean:
      return v.kind == Resolved::boolean && value.IsScalar() ? nullptr : "boolean";
    case GoType::integer:
      return v.kind == Resolved::integer && value.IsScalar() ? nullptr : "int";
    case GoType::string:
      return v.kind == Resolved::string && value.IsScalar() ? nullptr : "string";
    case GoType::string_list:
      return value.IsSequence() ? nullptr : "string slice";
    case GoType::duration:
      return v.kind == Resolved::string && go::parse_duration_seconds(v.text) ? nullptr : "duration";
    default:
      return nullptr;
  }
}

}  // namespace

void decode_top_level_setting(YamlDecoder& d, const Entry& e, bool has_ingress) {
  d.any(e.value, e.key);
  if (e.key == "log-format" || e.key == "output") {
    ignored(d, e,
            "cloudflared does not read the log format from config.yml (--output is a command-line flag only, not "
            "one the config file can set)",
            "delete it and pass --output json, or set TUNNEL_LOG_OUTPUT=json");
    return;
  }
  if (kOriginRequestFields.count(e.key) || e.key == "timeout" || e.key == "compression") {
    bool origin = kOriginRequestFields.count(e.key) > 0;
    ignored(d, e,
            "at the top level cloudflared keeps it in its flag map and never reads it" +
                std::string(origin ? " (it is an originRequest setting)" : " (cloudflared has no such setting)"),
            origin ? "move it under 'originRequest:'"
                   : "delete it (origin timeouts are connectTimeout, tlsTimeout and keepAliveTimeout under "
                     "'originRequest:')");
    return;
  }
  auto flag = kFlags.find(e.key);
  if (flag == kFlags.end()) {
    std::set<std::string> known = names_of(kFlags);
    known.insert({"tunnel", "ingress", "warp-routing", "originRequest"});
    if (has_ingress) known.erase("url");  // never advise a key cloudflared then refuses
    check_keys({e}, known, "the top level", d.file(), false, d.report());
    return;
  }
  ScalarValue v = resolve_scalar(e.value);
  const char* want = flag_type_mismatch(flag->second, v, e.value);
  if (!want) return;
  const std::string found = v.kind == Resolved::null ? "<nil>" : yaml_tag(e.value);
  d.report().add(Severity::critical, "config-type-error", file_at(d.file(), yaml_line_of(e.key_node)),
                 "cloudflared refuses to start: expected " + std::string(want) + " found " + found + " for " + e.key +
                     " (the config file sets the --" + e.key + " flag)",
                 std::string(want) == "string" && v.kind != Resolved::null
                     ? "quote the value: " + e.key + ": \"" + v.text + "\""
                 : v.kind == Resolved::null        ? "give it a value or delete the line"
                 : std::string(want) == "boolean"  ? "write " + e.key + ": true or false, without quotes"
                 : std::string(want) == "duration" ? "write a duration with a unit, e.g. " + e.key + ": 30s"
                                                   : "write a " + std::string(want) + " value for " + e.key);
}

}  // namespace hlsmesh::tunnelcheck
