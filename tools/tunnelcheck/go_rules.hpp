#pragma once
// The Go standard library decisions cloudflared's config loader relies on,
// restated for tunnelcheck: net/url.Parse (service URLs), time.ParseDuration
// (originRequest durations), strconv.Atoi (http_status:), net.SplitHostPort
// (hostname-with-port) and the regexp syntax difference that matters here.
// Only the decisions (accepted or refused, with Go's error text) are kept.
#include <optional>
#include <string>
#include <variant>

namespace hlsmesh::tunnelcheck::go {

// What url.Parse yields for the parts validateIngress looks at.
struct ParsedUrl {
  std::string scheme;  // lower case
  std::string host;    // host[:port] as written (u.Host)
  std::string hostname;
  std::string path;  // u.Path ("" when none)
  std::string opaque;
};

// url.Parse: the parsed URL, or Go's error text ("parse \"…\": invalid
// character \"{\" in host name").
std::variant<ParsedUrl, std::string> parse_url(const std::string& raw);

// time.ParseDuration: nullopt when Go refuses the text.
std::optional<double> parse_duration_seconds(const std::string& text);

// strconv.Atoi: the value, or Go's error text.
std::variant<long long, std::string> atoi(const std::string& text);

// net.SplitHostPort succeeds (so validateHostname says "Hostname cannot
// contain a port"); port receives what Go takes as the port.
bool split_host_port(const std::string& hostport, std::string* port);

// Go's regexp accepts (?<name>re) since Go 1.22; the RE2 in Debian bookworm
// only (?P<name>re). Rewrites the first form into the second, leaving escapes,
// classes and lookbehind (refused by both) alone.
std::string to_re2_syntax(const std::string& go_regex);

}  // namespace hlsmesh::tunnelcheck::go
