#pragma once
// Who an HTTP tracker request speaks for when it comes through a reverse
// proxy sigd trusts (cloudflared on the same machine connects from
// 127.0.0.1): the client the proxy names, not the proxy. Without this every
// BitTorrent client behind the tunnel would be listed as 127.0.0.1.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/sigd/core/registry.hpp"

namespace hlsmesh::sigd {

// A numeric IPv4 or IPv6 address (no port, no brackets); nullopt otherwise.
// IPv4-mapped IPv6 becomes IPv4, as accepted sockets do.
std::optional<PeerAddr> parse_ip(std::string_view text);

// The client a trusted proxy names: CF-Connecting-IP (cloudflared), else the
// last X-Forwarded-For entry (the one the proxy itself appended; earlier
// ones come from the client and prove nothing). nullopt if neither holds an IP.
std::optional<PeerAddr> forwarded_client(std::string_view cf_connecting_ip, std::string_view x_forwarded_for);

// The address as text: dotted IPv4 or RFC 5952 IPv6 (no port).
std::string ip_text(const PeerAddr& a);

// The value of header `lower_name` (lower case, no colon) in a raw header
// block ("Name: value\r\n..."), trimmed; empty if absent.
std::string_view header_value(std::string_view head, std::string_view lower_name);

// The --trusted-proxy addresses.
class TrustedProxies {
 public:
  // Throws hlsmesh::Error(Exit::usage) naming an entry that is not an IP.
  explicit TrustedProxies(const std::vector<std::string>& ips);
  bool contains(const PeerAddr& a) const;
  bool empty() const { return ips_.empty(); }

 private:
  std::vector<PeerAddr> ips_;
};

}  // namespace hlsmesh::sigd
