#include "tools/sigd/options.hpp"

#include "common/error.hpp"
#include "common/log.hpp"

namespace hlsmesh::sigd {

namespace {

// The tracker: where it listens and what it answers.
void add_tracker_options(CLI::App& app, Options& o) {
  app.add_option("--listen", o.listen, "Address and port for HTTP and WebSocket (host:port)")
      ->envname("SIGD_LISTEN")->capture_default_str();
  app.add_option("--ws-path", o.ws_paths, "WebTorrent tracker path (repeatable; default / and /announce)");
  app.add_option("--interval", o.interval,
                 "Announce interval sent to WebSocket clients, seconds; their peers expire after 2x")
      ->check(CLI::Range(1, 86400))->capture_default_str();
  app.add_option("--http-interval", o.http_interval,
                 "Announce interval for HTTP clients, seconds (0: 5 x --interval); their peers expire after 2x")
      ->check(CLI::Range(0, 86400));
  app.add_option("--max-offers", o.max_offers, "Offers relayed per announce")->check(CLI::Range(0, 100))->capture_default_str();
  app.add_option("--max-scrape", o.max_scrape, "Info hashes answered per scrape (bounds a full scrape too)")
      ->check(CLI::Range(1, 100000))->capture_default_str();
}

// The event feed and the tokens of who may publish or relay.
void add_feed_options(CLI::App& app, Options& o) {
  app.add_flag("--events-stdin", o.events_stdin, "Read pipeline events on stdin and relay them to /events subscribers");
  app.add_option("--publish-token", o.publish_token, "Enable /publish for a remote publisher presenting this token (off when unset; prefer the env, "
                 "which ps does not show)")
      ->envname("SIGD_PUBLISH_TOKEN");
  app.add_option("--relay-token", o.relay_token,
                 "A WebTorrent peer announcing with relay_token set to this (meshrelay --relay-token) is a relay: "
                 "every announcing viewer's offers go to the swarm's relays first. Never logged")
      ->envname("SIGD_RELAY_TOKEN");
  app.add_option("--feed-backlog", o.feed_backlog, "Segment events replayed to a new /events subscriber")
      ->check(CLI::Range(0, 100000))->capture_default_str();
}

// Static files at / and the CORS header of HTTP responses.
void add_http_options(CLI::App& app, Options& o) {
  app.add_option("--www", o.www, "Serve static files from this directory at /")->envname("SIGD_WWW");
  app.add_option("--cors-origin", o.cors_origin, "Access-Control-Allow-Origin for HTTP responses")->capture_default_str();
}

// Limits per client: connections, proxies, HTTP request rates.
void add_client_limits(CLI::App& app, Options& o) {
  app.add_option("--max-connections", o.max_connections, "Open connections accepted at once")
      ->check(CLI::Range(1, 10000000))->capture_default_str();
  app.add_option("--max-per-ip", o.max_per_ip,
                 "Open connections per client IP (0: no limit); through a --trusted-proxy, WebSocket viewers per "
                 "forwarded client")
      ->check(CLI::Range(0, 10000000))
      ->envname("SIGD_MAX_PER_IP");
  app.add_option("--trusted-proxy", o.trusted_proxies,
                 "Reverse proxy IP (repeatable or comma-separated; cloudflared here: 127.0.0.1): its HTTP tracker "
                 "requests and WebSocket upgrades speak for the client named by CF-Connecting-IP, else the last "
                 "X-Forwarded-For entry")
      ->delimiter(',')
      ->envname("SIGD_TRUSTED_PROXY");
  app.add_option("--http-rate", o.http_rate,
                 "HTTP announces and scrapes per second per client IP, sustained (0: no limit)")
      ->check(CLI::Range(0.0, 1e9))
      ->envname("SIGD_HTTP_RATE")
      ->capture_default_str();
  app.add_option("--http-burst", o.http_burst, "Burst of HTTP announces and scrapes allowed above --http-rate")
      ->check(CLI::Range(1, 100000000))
      ->envname("SIGD_HTTP_BURST")
      ->capture_default_str();
}

// Limits per WebSocket connection, and on what the tracker holds.
void add_message_limits(CLI::App& app, Options& o) {
  app.add_option("--msg-rate", o.msg_rate, "Sustained WebSocket messages per second per connection")
      ->check(CLI::Range(0.01, 1e9))->capture_default_str();
  app.add_option("--msg-burst", o.msg_burst, "Burst of messages allowed above --msg-rate")
      ->check(CLI::Range(1, 100000000))->capture_default_str();
  app.add_option("--max-bad-messages", o.max_bad_messages, "Bad or over-rate messages before the connection is closed")
      ->check(CLI::Range(1, 1000000))->capture_default_str();
  app.add_option("--max-message", o.max_message, "Largest WebSocket message accepted, bytes")
      ->check(CLI::Range(size_t{1024}, size_t{16} << 20))->capture_default_str();
  app.add_option("--send-queue", o.send_queue, "Bytes queued to one connection before it is dropped")
      ->check(CLI::Range(size_t{4096}, size_t{1} << 30))->capture_default_str();
  app.add_option("--max-swarms-per-conn", o.max_swarms_per_conn, "Swarm memberships one connection may hold")
      ->check(CLI::Range(1, 1000000))->capture_default_str();
  app.add_option("--max-swarms", o.max_swarms, "Swarms held at once; an announce that would start another is refused")
      ->check(CLI::Range(1, 100000000))->capture_default_str();
  app.add_option("--max-peers", o.max_peers, "Peers held at once in all swarms; an announce of a new one beyond it is refused")
      ->check(CLI::Range(1, 100000000))->capture_default_str();
}

// Who may connect and announce, TLS, and the ready file.
void add_access_options(CLI::App& app, Options& o) {
  app.add_option("--allow-origin", o.allow_origins, "Accept WebSocket upgrades only from this Origin (repeatable)");
  app.add_option("--deny-origin", o.deny_origins, "Refuse WebSocket upgrades from this Origin (repeatable)");
  app.add_flag("--deny-empty-origin", o.deny_empty_origin, "Refuse WebSocket upgrades without an Origin header");
  app.add_option("--allow-list", o.allow_list, "File of hex info hashes allowed to announce (reloaded on SIGHUP)")
      ->envname("SIGD_ALLOW_LIST");
  app.add_option("--tls-cert", o.tls_cert, "PEM certificate chain: serve HTTPS/WSS (reloaded on SIGHUP)")->envname("SIGD_TLS_CERT");
  app.add_option("--tls-key", o.tls_key, "PEM private key for --tls-cert")->envname("SIGD_TLS_KEY");
  app.add_option("--ready-file", o.ready_file, "Write the bound host:port to this file once listening (useful with port 0)");
}

// Delivery reports (POST /report).
void add_report_options(CLI::App& app, Options& o) {
  app.add_option("--max-report-viewers", o.max_report_viewers,
                 "Viewers whose delivery reports are held at once (POST /report); more are refused")
      ->check(CLI::Range(1, 10000000))->capture_default_str();
  app.add_option("--max-report-streams", o.max_report_streams,
                 "Stream and rendition pairs with delivery figures held at once; reports naming more are refused")
      ->check(CLI::Range(1, 100000))->capture_default_str();
  app.add_option("--report-rate", o.report_ip_rate,
                 "Delivery reports per second per client IP (viewers report every 10 s; a venue NATs many)")
      ->check(CLI::Range(0.1, 1e6))->capture_default_str();
}

// Pings and idle connections.
void add_keepalive_options(CLI::App& app, Options& o) {
  app.add_option("--ping", o.ping_secs, "Seconds of silence before the server pings (0: interval/2)")->check(CLI::Range(0, 65535));
  app.add_option("--idle-timeout", o.idle_timeout, "Seconds of silence before a connection is dropped (0: 2 x interval + 60)")
      ->check(CLI::Range(0, 65535));
}

}  // namespace

void add_options(CLI::App& app, Options& o) {
  app.description("sigd: WebTorrent (WebSocket) and HTTP tracker, live event feed, stats and static files on one port");
  hlsmesh::add_common_options(app, o.common, /*reads_events=*/true);
  add_tracker_options(app, o);
  add_feed_options(app, o);
  add_http_options(app, o);
  add_client_limits(app, o);
  add_message_limits(app, o);
  add_access_options(app, o);
  add_report_options(app, o);
  add_keepalive_options(app, o);
}

void validate(const CLI::App&, Options& o) {
  using hlsmesh::Error;
  using hlsmesh::Exit;
  // Whatever prints it later (a refused request's URL, a debug dump) prints "***".
  hlsmesh::log::add_secret(o.publish_token);
  if (o.ws_paths.empty()) o.ws_paths = {"/", "/announce"};
  for (const auto& p : o.ws_paths)
    if (p.empty() || p[0] != '/') throw Error(Exit::usage, "--ws-path " + p + ": a path must start with '/'");
  if (o.http_interval == 0) o.http_interval = 5 * o.interval;
  if (o.ping_secs == 0) o.ping_secs = std::max(1, o.interval / 2);
  if (o.idle_timeout == 0) o.idle_timeout = std::min(65535, 2 * o.interval + 60);
  if (o.idle_timeout <= o.interval)
    throw Error(Exit::usage, "--idle-timeout " + std::to_string(o.idle_timeout) + " must exceed --interval " +
                                 std::to_string(o.interval) + ": browsers cannot ping, so they would be dropped while alive");
  if (o.ping_secs >= o.idle_timeout) throw Error(Exit::usage, "--ping must be shorter than --idle-timeout");
  if (o.tls_cert.empty() != o.tls_key.empty())
    throw Error(Exit::usage, "--tls-cert and --tls-key go together: give both or neither");
  if (!o.allow_origins.empty() && !o.deny_origins.empty())
    throw Error(Exit::usage, "--allow-origin and --deny-origin exclude each other: use one list");
  if (!o.www.empty() && o.www.back() == '/' && o.www.size() > 1) o.www.pop_back();
}

}  // namespace hlsmesh::sigd
