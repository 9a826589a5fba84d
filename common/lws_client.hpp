#pragma once
// The client side of libwebsockets as torrentseed's feed and meshrelay's
// tracker connection use it: a ws:// or wss:// URL taken apart, a client
// context (TLS that honours SSL_CERT_FILE) and the connect call.
// Header-only like lws_context.hpp: common itself does not link lws.
#include <libwebsockets.h>

#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "common/lws_context.hpp"

namespace hlsmesh::lws_client {

struct Target {
  std::string host;  // to connect to (and verify the certificate against)
  int port = 80;
  std::string path;  // "/..."
  bool tls = false;  // wss://
  // Host: carries the port unless it is the scheme's default (RFC 9110 7.2):
  // virtual hosts and proxies in front of sigd route by it.
  std::string host_header;
};

// `url` taken apart by lws_parse_uri; nullopt when it names no host.
inline std::optional<Target> parse(const std::string& url) {
  std::vector<char> buffer(url.begin(), url.end());
  buffer.push_back('\0');
  const char* scheme = nullptr;
  const char* host = nullptr;
  const char* path = nullptr;
  Target t;
  if (lws_parse_uri(buffer.data(), &scheme, &host, &t.port, &path) != 0 || host == nullptr || *host == '\0')
    return std::nullopt;
  t.tls = std::strcmp(scheme, "wss") == 0;
  if (t.tls && t.port == 80) t.port = 443;
  t.host = host;
  t.path = std::string("/") + (path ? path : "");
  // Built by appends: GCC 12's -Wrestrict misfires on "[" + std::string.
  const bool ipv6 = t.host.find(':') != std::string::npos;
  if (ipv6) t.host_header += '[';
  t.host_header += t.host;
  if (ipv6) t.host_header += ']';
  if (t.port != (t.tls ? 443 : 80)) t.host_header.append(":").append(std::to_string(t.port));
  return t;
}

// A context that only connects out, with `user` as its lws_context_user;
// `timeout_secs` 0 keeps lws's own network timeout. Null when lws cannot
// create one.
inline LwsContext make_context(const lws_protocols* protocols, void* user, bool tls, unsigned timeout_secs = 0) {
  lws_context_creation_info info{};
  if (timeout_secs > 0) info.timeout_secs = timeout_secs;
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = protocols;
  info.user = user;
  info.gid = -1;
  info.uid = -1;
  if (tls) {
    info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    // OpenSSL's own variable for a private CA, as in tunnelcheck. Debian's lws
    // honours it through the OS default paths anyway; one built without
    // LWS_SSL_CLIENT_USE_OS_CA_CERTS would read only its own CA directory.
    const char* ca_file = std::getenv("SSL_CERT_FILE");
    if (ca_file != nullptr && *ca_file != '\0') info.client_ssl_ca_filepath = ca_file;
  }
  return LwsContext(lws_create_context(&info));
}

// Starts connecting to `t` with the context's protocol `protocol_name` and no
// subprotocol; false when lws refuses at once (*pwsi is then null).
inline bool connect(lws_context* context, const Target& t, const char* protocol_name, lws** pwsi) {
  lws_client_connect_info info{};
  info.context = context;
  info.address = t.host.c_str();
  info.port = t.port;
  info.ssl_connection = t.tls ? LCCSCF_USE_SSL : 0;
  info.path = t.path.c_str();
  info.host = t.host_header.c_str();
  info.origin = t.host.c_str();
  info.protocol = nullptr;
  info.local_protocol_name = protocol_name;
  info.pwsi = pwsi;
  return lws_client_connect_via_info(&info) != nullptr;
}

}  // namespace hlsmesh::lws_client
