#include "go_rules.hpp"

#include <cctype>
#include <charconv>
#include <limits>
#include <string_view>

#include "common/text.hpp"

namespace hlsmesh::tunnelcheck::go {
namespace {

bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// validOptionalPort: "" or ":" followed by digits only.
bool valid_optional_port(std::string_view port) {
  if (port.empty()) return true;
  if (port.front() != ':') return false;
  for (char c : port.substr(1))
    if (!is_digit(c)) return false;
  return true;
}

// shouldEscape(c, encodeHost) for ASCII: what url.Parse refuses in a host.
bool host_byte_refused(unsigned char c) {
  if (c >= 0x80 || std::isalnum(c)) return false;
  return std::string_view("!$&'()*+,;=:[]<>\"-_.~").find(static_cast<char>(c)) == std::string_view::npos;
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// parseHost: the error text, or "" when the host is acceptable.
std::string check_host(std::string_view host) {
  std::string_view name = host;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.rfind(']');
    if (close == std::string_view::npos) return "missing ']' in host";
    if (!valid_optional_port(host.substr(close + 1)))
      return "invalid port " + quoted(host.substr(close + 1)) + " after host";
    name = host.substr(1, close - 1);
  } else if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    if (!valid_optional_port(host.substr(colon))) return "invalid port " + quoted(host.substr(colon)) + " after host";
  }
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (c == '%') {
      if (i + 2 >= name.size() || !std::isxdigit(static_cast<unsigned char>(name[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(name[i + 2])))
        return "invalid URL escape " + quoted(name.substr(i, 3));
      i += 2;
    } else if (host_byte_refused(c)) {
      return "invalid character " + quoted(std::string(1, static_cast<char>(c))) + " in host name";
    }
  }
  return {};
}

std::string hostname_of(std::string_view host) {
  size_t colon = host.rfind(':');
  if (colon != std::string_view::npos && valid_optional_port(host.substr(colon))) host = host.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return std::string(host);
}

}  // namespace

std::variant<ParsedUrl, std::string> parse_url(const std::string& raw) {
  auto fail = [&](const std::string& why) { return "parse " + quoted(raw) + ": " + why; };
  for (unsigned char c : raw)
    if (c < 0x20 || c == 0x7f) return fail("net/url: invalid control character in URL");
  std::string_view rest(raw);
  rest = rest.substr(0, rest.find('#'));
  ParsedUrl u;
  for (size_t i = 0; i < rest.size(); ++i) {  // getScheme
    char c = rest[i];
    if (is_alpha(c)) continue;
    if (is_digit(c) || c == '+' || c == '-' || c == '.') {
      if (i == 0) break;
      continue;
    }
    if (c == ':') {
      if (i == 0) return fail("missing protocol scheme");
      u.scheme = hlsmesh::ascii_lower(rest.substr(0, i));
      rest = rest.substr(i + 1);
    }
    break;
  }
  rest = rest.substr(0, rest.find('?'));
  if (!rest.starts_with("/")) {
    if (!u.scheme.empty()) {
      u.opaque = std::string(rest);
      return u;
    }
    if (rest.substr(0, rest.find('/')).find(':') != std::string_view::npos)
      return fail("first path segment in URL cannot contain colon");
  }
  if (rest.starts_with("//") && (!u.scheme.empty() || !rest.starts_with("///"))) {
    rest.remove_prefix(2);
    size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    size_t at = authority.rfind('@');
    std::string_view host = at == std::string_view::npos ? authority : authority.substr(at + 1);
    if (std::string why = check_host(host); !why.empty()) return fail(why);
    u.host = std::string(host);
    u.hostname = hostname_of(host);
  }
  u.path = std::string(rest);
  return u;
}

std::optional<double> parse_duration_seconds(const std::string& text) {
  std::string_view s(text);
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0.0;
  if (s.empty()) return std::nullopt;
  double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && is_digit(s[i])) ++i;
    bool pre = i > 0;
    size_t end = i;
    if (end < s.size() && s[end] == '.') {
      ++end;
      size_t frac = end;
      while (end < s.size() && is_digit(s[end])) ++end;
      if (!pre && end == frac) return std::nullopt;
    } else if (!pre) {
      return std::nullopt;
    }
    double number = std::stod(std::string(s.substr(0, end)));
    s.remove_prefix(end);
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !is_digit(s[u])) ++u;
    std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    double scale = unit == "ns"                                             ? 1e-9
                   : unit == "us" || unit == "\u00b5s" || unit == "\u03bcs" ? 1e-6
                   : unit == "ms"                                           ? 1e-3
                   : unit == "s"                                            ? 1.0
                   : unit == "m"                                            ? 60.0
                   : unit == "h"                                            ? 3600.0
                                                                            : -1.0;
    if (scale < 0) return std::nullopt;  // missing or unknown unit
    total += number * scale;
  }
  return negative ? -total : total;
}

std::variant<long long, std::string> atoi(const std::string& text) {
  std::string_view s(text);
  auto syntax = "strconv.Atoi: parsing " + quoted(text) + ": invalid syntax";
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return syntax;
  for (char c : s)
    if (!is_digit(c)) return syntax;
  long long value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size())
    return "strconv.Atoi: parsing " + quoted(text) + ": value out of range";
  return negative ? -value : value;
}

bool split_host_port(const std::string& hostport, std::string* port) {
  size_t colon = hostport.rfind(':');
  if (colon == std::string::npos) return false;  // "missing port in address"
  std::string host;
  if (!hostport.empty() && hostport.front() == '[') {
    size_t close = hostport.find(']');
    if (close == std::string::npos || close + 1 != colon) return false;
    host = hostport.substr(1, close - 1);
  } else {
    host = hostport.substr(0, colon);
    if (host.find(':') != std::string::npos) return false;  // "too many colons"
  }
  if (hostport.find('[', 1) != std::string::npos || hostport.find(']', colon) != std::string::npos) return false;
  if (port) *port = hostport.substr(colon + 1);
  return true;
}

std::string to_re2_syntax(const std::string& re) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < re.size(); ++i) {
    char c = re[i];
    if (c == '\\' && i + 1 < re.size()) {
      out += c;
      out += re[++i];
      continue;
    }
    if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
      if (i + 1 < re.size() && re[i + 1] == ']') out += re[++i];  // "[]...]": ']' first is literal
    } else if (c == '(' && re.compare(i, 3, "(?<") == 0 && i + 3 < re.size() && re[i + 3] != '=' && re[i + 3] != '!') {
      out += "(?P<";
      i += 2;
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace hlsmesh::tunnelcheck::go
