#pragma once
// Just enough URL handling for probing: split, resolve a playlist's relative
// URIs (RFC 3986 §5.2), and classify hosts for the segment URL policy.
#include <optional>
#include <string>

namespace hlsmesh::tunnelcheck {

struct Url {
  std::string scheme;    // lower-case: "https"
  std::string userinfo;  // "user:pass" (never printed)
  std::string host;      // lower-case, without brackets for IPv6
  std::string port;      // "" when absent
  std::string path;      // "/live/playlist.m3u8" ("/" when absent)
  std::string query;     // without '?'

  std::string host_port() const { return port.empty() ? host : host + ":" + port; }
  std::string origin() const;  // "https://host[:port]"
};

std::optional<Url> parse_url(const std::string& text);

// Resolves `reference` (as written in a playlist) against the playlist URL.
std::string resolve_url(const std::string& base, const std::string& reference);

enum class HostKind { name, localhost, loopback_ip, private_ip, public_ip };
HostKind classify_host(const std::string& host);
bool is_ip_literal(const std::string& host);

// Does `host[:port]` equal one of the comma-separated --cdn-host entries?
// An entry without a port matches any port; "*.example.com" matches subdomains.
bool host_matches(const Url& url, const std::string& pattern);

}  // namespace hlsmesh::tunnelcheck
