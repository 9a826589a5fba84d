#include "url.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "common/text.hpp"

namespace hlsmesh::tunnelcheck {
namespace {

// RFC 3986 §5.2.4 remove_dot_segments.
std::string remove_dots(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  bool trailing_slash = false;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    std::string part = path.substr(i, j == std::string::npos ? std::string::npos : j - i);
    trailing_slash = false;
    if (part == "..") {
      if (out.size() > 1) out.pop_back();
      trailing_slash = true;
    } else if (part == ".") {
      trailing_slash = true;
    } else {
      out.push_back(part);
    }
    if (j == std::string::npos) break;
    i = j + 1;
  }
  std::string r;
  for (size_t k = 0; k < out.size(); ++k) {
    if (k) r += '/';
    r += out[k];
  }
  if (trailing_slash) r += '/';
  return r.empty() ? "/" : r;
}

}  // namespace

std::string Url::origin() const {
  return scheme + "://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
         (port.empty() ? "" : ":" + port);
}

std::optional<Url> parse_url(const std::string& text) {
  Url u;
  size_t colon = text.find("://");
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  u.scheme = hlsmesh::ascii_lower(text.substr(0, colon));
  size_t auth_start = colon + 3;
  size_t path_start = text.find_first_of("/?#", auth_start);
  std::string authority =
      text.substr(auth_start, path_start == std::string::npos ? std::string::npos : path_start - auth_start);
  size_t at = authority.rfind('@');
  if (at != std::string::npos) {
    u.userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
  }
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') u.port = authority.substr(close + 2);
  } else {
    size_t pc = authority.rfind(':');
    if (pc != std::string::npos) {
      u.host = authority.substr(0, pc);
      u.port = authority.substr(pc + 1);
    } else {
      u.host = authority;
    }
  }
  u.host = hlsmesh::ascii_lower(u.host);
  if (u.host.empty()) return std::nullopt;
  if (!std::all_of(u.port.begin(), u.port.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return std::nullopt;
  if (path_start != std::string::npos) {
    std::string rest = text.substr(path_start);
    rest = rest.substr(0, rest.find('#'));
    size_t q = rest.find('?');
    u.path = rest.substr(0, q);
    if (q != std::string::npos) u.query = rest.substr(q + 1);
  }
  if (u.path.empty()) u.path = "/";
  return u;
}

std::string resolve_url(const std::string& base, const std::string& reference) {
  if (reference.find("://") != std::string::npos) {
    size_t c = reference.find("://");
    bool scheme_ok = std::all_of(reference.begin(), reference.begin() + static_cast<long>(c), [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '-' || ch == '.';
    });
    if (scheme_ok) return reference;
  }
  auto b = parse_url(base);
  if (!b) return reference;
  std::string authority = b->scheme + "://" + (b->userinfo.empty() ? "" : b->userinfo + "@") +
                          (b->host.find(':') != std::string::npos ? "[" + b->host + "]" : b->host) +
                          (b->port.empty() ? "" : ":" + b->port);
  if (reference.rfind("//", 0) == 0) return b->scheme + ":" + reference;
  if (reference.empty()) return base;
  if (reference[0] == '?') return authority + b->path + reference;
  std::string ref_path = reference, ref_query;
  size_t q = reference.find('?');
  if (q != std::string::npos) {
    ref_path = reference.substr(0, q);
    ref_query = reference.substr(q);
  }
  std::string path;
  if (!ref_path.empty() && ref_path[0] == '/') {
    path = remove_dots(ref_path);
  } else {
    std::string dir = b->path.substr(0, b->path.rfind('/') + 1);
    path = remove_dots(dir + ref_path);
  }
  return authority + path + ref_query;
}

bool is_ip_literal(const std::string& host) {
  in_addr a4{};
  in6_addr a6{};
  return inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

HostKind classify_host(const std::string& host) {
  std::string h = hlsmesh::ascii_lower(host);
  if (h == "localhost" || (h.size() > 10 && h.ends_with(".localhost"))) return HostKind::localhost;
  in_addr a4{};
  if (inet_pton(AF_INET, h.c_str(), &a4) == 1) {
    uint32_t ip = ntohl(a4.s_addr);
    uint8_t a = static_cast<uint8_t>(ip >> 24), b = static_cast<uint8_t>(ip >> 16);
    if (a == 127) return HostKind::loopback_ip;
    if (a == 10 || (a == 172 && b >= 16 && b < 32) || (a == 192 && b == 168) || (a == 169 && b == 254) ||
        (a == 100 && b >= 64 && b < 128) || a == 0)
      return HostKind::private_ip;
    return HostKind::public_ip;
  }
  in6_addr a6{};
  if (inet_pton(AF_INET6, h.c_str(), &a6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&a6)) return HostKind::loopback_ip;
    if (IN6_IS_ADDR_LINKLOCAL(&a6) || (a6.s6_addr[0] & 0xfe) == 0xfc || IN6_IS_ADDR_UNSPECIFIED(&a6))
      return HostKind::private_ip;
    return HostKind::public_ip;
  }
  return HostKind::name;
}

bool host_matches(const Url& url, const std::string& pattern_in) {
  std::string pattern = hlsmesh::ascii_lower(pattern_in);
  if (pattern.find("://") != std::string::npos) {
    auto p = parse_url(pattern);
    if (!p) return false;
    pattern = p->host_port();
  }
  std::string host = pattern, port;
  size_t c = pattern.rfind(':');
  if (c != std::string::npos && pattern.find(':') == c) {
    host = pattern.substr(0, c);
    port = pattern.substr(c + 1);
  }
  if (!port.empty() && port != url.port) return false;
  if (host.rfind("*.", 0) == 0) return url.host.size() > host.size() - 1 && url.host.ends_with(host.substr(1));
  return host == url.host;
}

}  // namespace hlsmesh::tunnelcheck
