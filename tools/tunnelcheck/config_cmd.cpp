// `tunnelcheck config` and `tunnelcheck route`: cloudflared ingress checks.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <set>

#include "commands.hpp"
#include "common/fd.hpp"
#include "common/http_client.hpp"
#include "common/time_util.hpp"
#include "ingress.hpp"
#include "url.hpp"

namespace hlsmesh::tunnelcheck {
namespace {

std::string config_path(const Options& o, Report& report) {
  if (!o.config_file.empty()) return o.config_file;
  std::string found = find_default_config();
  if (found.empty())
    report.add(Severity::unknown, "config-not-found", "config.yml",
               "no config file given and none found in ~/.cloudflared, ~/.cloudflare-warp, ~/cloudflare-warp, "
               "/etc/cloudflared or /usr/local/etc/cloudflared",
               "pass the file: tunnelcheck config /etc/cloudflared/config.yml");
  return found;
}

// Non-blocking connect bounded by timeout_ms: "" when something accepts,
// otherwise why not.
std::string try_connect(const std::string& host, const std::string& port, long timeout_ms) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) return std::string("cannot resolve ") + host + ": " + gai_strerror(rc);
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
  std::string why = "no address for " + host;
  const int64_t end = hlsmesh::monotonic_ms() + timeout_ms;
  for (addrinfo* ai = list.get(); ai; ai = ai->ai_next) {
    hlsmesh::UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol));
    if (!fd) continue;
    if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0) return {};
    if (errno != EINPROGRESS) {
      why = std::strerror(errno);
      continue;
    }
    pollfd p{fd.get(), POLLOUT, 0};
    long left = static_cast<long>(end - hlsmesh::monotonic_ms());
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) {
      why = "no answer within " + std::to_string(timeout_ms) + " ms";
      continue;
    }
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err == 0) return {};
    why = std::strerror(err);
  }
  return why;
}

void probe_origins(const IngressConfig& cfg, const Deadline& deadline, Report& report) {
  std::set<std::string> done;
  for (const auto& r : cfg.rules) {
    auto u = parse_url(r.service);
    if (!u || r.service.rfind("http_status:", 0) == 0) continue;
    std::string port = u->port;
    if (port.empty()) {
      if (u->scheme == "http" || u->scheme == "ws")
        port = "80";
      else if (u->scheme == "https" || u->scheme == "wss")
        port = "443";
      else if (u->scheme == "ssh")
        port = "22";
      else if (u->scheme == "rdp")
        port = "3389";
      else
        continue;
    }
    std::string target = u->host + ":" + port;
    if (!done.insert(target).second) continue;
    long budget = std::min<long>(3000, deadline.remaining_ms());
    std::string why = budget > 0 ? try_connect(u->host, port, budget) : "the --timeout ran out first";
    std::string subject = cfg.file + " rule #" + std::to_string(r.index + 1);
    if (why.empty()) {
      report.add(Severity::ok, "origin-listening", subject, r.service + " accepts connections");
    } else {
      report.add(Severity::critical, "origin-not-listening", subject,
                 r.service + " does not accept connections (" + why +
                     "): cloudflared would answer 502 'Unable to reach the origin service' for this route",
                 "start the service on " + target + ", or fix the port/scheme in the rule");
    }
  }
}

}  // namespace

void run_config(const Options& o, const Deadline& deadline, Report& report) {
  std::string file = config_path(o, report);
  if (file.empty()) return;
  auto cfg = load_ingress(file, report);
  if (!cfg) return;
  report.metric("tunnelcheck_ingress_rules", static_cast<double>(cfg->rules.size()), {}, "Ingress rules in config.yml");
  for (const auto& req : o.require) {
    size_t eq = req.find('=');
    if (eq == std::string::npos || req.find("://") > eq) {
      report.add(Severity::unknown, "bad-require", "--require " + hlsmesh::http::redact_url(req),
                 "expected URL=SERVICE, e.g. https://tv.example.com/live/playlist.m3u8=http://localhost:3000",
                 "fix the --require argument");
      continue;
    }
    std::string url = req.substr(0, eq), service = req.substr(eq + 1);
    const IngressRule* rule = route(*cfg, url);
    std::string subject = "--require " + hlsmesh::http::redact_url(url);
    if (!rule) continue;  // no rules: already reported
    if (same_service(rule->service, service)) {
      report.add(Severity::ok, "require-ok", subject, "routes to " + service + " via " + rule->describe());
    } else {
      auto u = parse_url(url);
      std::string host = u ? u->host : "HOST";
      std::string first_dir = u ? u->path.substr(0, u->path.find('/', 1) + 1) : "/";
      if (first_dir.empty() || first_dir == "/") first_dir = u ? u->path : "/";
      report.add(Severity::critical, "require-mismatch", subject,
                 "routes to " + rule->service + " via " + rule->describe() + ", not to " + service +
                     (rule->catch_all() ? ": no rule matches this URL, so the catch-all answers" : ""),
                 "add a rule above " +
                     std::string(rule->catch_all() ? "the catch-all" : "rule #" + std::to_string(rule->index + 1)) +
                     ": '- hostname: " + host + "', 'path: ^" + first_dir + "', 'service: " + service + "'");
    }
  }
  if (o.probe_origins) probe_origins(*cfg, deadline, report);
  if (report.status() == Severity::ok)
    report.add(Severity::ok, "config-valid", file, std::to_string(cfg->rules.size()) + " ingress rules, valid");
}

void run_route(const Options& o, Report& report) {
  std::string file = config_path(o, report);
  if (file.empty()) return;
  auto cfg = load_ingress(file, report);
  if (!cfg || cfg->rules.empty()) return;
  const IngressRule* rule = route(*cfg, o.route_url);
  if (!rule) return;
  // The same shape as `cloudflared tunnel ingress rule URL` (0-based since
  // 2023.10); only in text output, so json/nagios/prom stay machine-readable.
  if (o.format == "text") {
    std::cout << "Using rules from " << file << "\nMatched rule #" << rule->index << '\n';
    if (!rule->hostname.empty()) std::cout << "\thostname: " << rule->hostname << '\n';
    if (!rule->path.empty()) std::cout << "\tpath: " << rule->path << '\n';
    std::cout << "\tservice: " << rule->service << '\n';
  }
  std::string subject = hlsmesh::http::redact_url(o.route_url);
  if (rule->catch_all() && cfg->rules.size() > 1) {
    report.add(Severity::warning, "route-catch-all", subject,
               "no rule matches; the catch-all " + rule->describe() + " answers",
               "add a hostname/path rule for this URL above the catch-all");
  } else {
    report.add(Severity::ok, "route-matched", subject,
               "matches " + rule->describe() + " (`cloudflared tunnel ingress rule` numbers it #" +
                   std::to_string(rule->index) + ", 0-based)");
  }
}

}  // namespace hlsmesh::tunnelcheck
