#include "tools/sigd/core/forwarded.hpp"

#include <arpa/inet.h>

#include "common/error.hpp"
#include "common/text.hpp"

namespace hlsmesh::sigd {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<PeerAddr> parse_ip(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string s(text);
  PeerAddr a;
  if (inet_pton(AF_INET, s.c_str(), a.ip.data()) == 1) return a;
  uint8_t v6[16];
  if (inet_pton(AF_INET6, s.c_str(), v6) != 1) return std::nullopt;
  return PeerAddr::from_ipv6(v6);
}

std::optional<PeerAddr> forwarded_client(std::string_view cf_connecting_ip, std::string_view x_forwarded_for) {
  if (!trim(cf_connecting_ip).empty()) return parse_ip(cf_connecting_ip);
  auto comma = x_forwarded_for.rfind(',');
  return parse_ip(comma == std::string_view::npos ? x_forwarded_for : x_forwarded_for.substr(comma + 1));
}

std::string ip_text(const PeerAddr& a) {
  char buf[INET6_ADDRSTRLEN] = "";
  inet_ntop(a.v6 ? AF_INET6 : AF_INET, a.ip.data(), buf, sizeof buf);
  return buf;
}

std::string_view header_value(std::string_view head, std::string_view lower_name) {
  while (!head.empty()) {
    auto eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    head = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
    auto colon = line.find(':');
    if (colon != lower_name.size()) continue;
    if (hlsmesh::ascii_lower(line.substr(0, colon)) == lower_name) return trim(line.substr(colon + 1));
  }
  return {};
}

TrustedProxies::TrustedProxies(const std::vector<std::string>& ips) {
  for (const auto& ip : ips) {
    auto a = parse_ip(ip);
    if (!a)
      throw hlsmesh::Error(hlsmesh::Exit::usage,
                           "--trusted-proxy " + ip +
                               ": not an IP address; give the address the proxy connects from (cloudflared on this "
                               "machine: 127.0.0.1 or ::1)");
    ips_.push_back(*a);
  }
}

bool TrustedProxies::contains(const PeerAddr& a) const {
  for (const auto& p : ips_)
    if (p.same_ip(a)) return true;
  return false;
}

}  // namespace hlsmesh::sigd
