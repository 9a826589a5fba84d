#pragma once
// sigd's command line: every knob of the tracker, the feed, static serving
// and the limits, with the defaults the reference trackers use.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "common/program.hpp"

namespace hlsmesh::sigd {

struct Options {
  hlsmesh::CommonOptions common;

  std::string listen = "127.0.0.1:8000";   // host:port, HTTP and WebSocket on one port
  std::vector<std::string> ws_paths;        // WebTorrent tracker paths; default "/" and "/announce"
  int interval = 120;                       // announce interval sent to WebSocket clients (s); their peers expire after 2x
  int http_interval = 0;                    // HTTP tracker interval (s); 0 = 5 x interval like bittorrent-tracker; HTTP peers expire after 2x
  int max_offers = 10;                      // offers relayed per announce
  int max_scrape = 255;                     // info hashes per scrape (and full scrape bound)
  int numwant_http = 50;                    // peers returned to HTTP clients by default (max 200)

  bool events_stdin = false;                // read pipeline events on stdin
  std::string publish_token;                // enables /publish when set
  std::string relay_token;                  // a peer announcing it is a relay: it gets every viewer's offer
  int feed_backlog = 60;                    // segment events replayed to a new /events subscriber

  std::string www;                          // static files root; empty = none
  std::string cors_origin = "*";

  int max_connections = 100000;
  int max_per_ip = 0;                       // 0 = unlimited; behind a --trusted-proxy counted per forwarded client
  std::vector<std::string> trusted_proxies; // requests and WebSocket upgrades from these IPs speak for the client they name
                                            // (checked by TrustedProxies when the server is built)
  double http_rate = 20.0;                  // HTTP announces + scrapes per second per client IP (0: no limit)
  int http_burst = 200;                     // their bucket size
  double msg_rate = 20.0;                   // sustained messages/s per connection
  int msg_burst = 200;                      // bucket size
  int max_bad_messages = 32;                // bad or over-rate messages before a clean close
  size_t max_message = 64 * 1024;           // largest WebSocket message accepted
  size_t send_queue = 1024 * 1024;          // bytes queued to one connection before it is dropped
  int max_swarms_per_conn = 1000;           // peer memberships one connection may hold
  int max_swarms = 100000;                  // swarms in the registry (WebSocket and HTTP announces)
  int max_peers = 1000000;                  // peers in all swarms (WebSocket and HTTP announces)
  std::vector<std::string> allow_origins;   // WebSocket Origin allow list (empty = any)
  std::vector<std::string> deny_origins;    // WebSocket Origin deny list
  bool deny_empty_origin = false;
  std::string allow_list;                   // file of hex info hashes; reloaded on SIGHUP

  int max_report_viewers = 20000;           // live viewers held by the delivery figures (POST /report)
  int max_report_streams = 64;              // (stream, rendition) pairs held by them
  double report_ip_rate = 200;              // reports/s per client IP (burst 2x)

  std::string tls_cert;
  std::string tls_key;

  std::string ready_file;                   // written with "host:port" once listening (tests, supervisors)

  int ping_secs = 0;                        // 0 = interval/2 (at least 1)
  int idle_timeout = 0;                     // 0 = 2 x interval + 60
};

// Declares every option on `app` (env names SIGD_*).
void add_options(CLI::App& app, Options& o);
// Checks combinations after parsing; throws hlsmesh::Error(Exit::usage/config).
void validate(const CLI::App& app, Options& o);
// The program: serves until stopped; returns the exit code. In server.cpp.
int run(const Options& o);

}  // namespace hlsmesh::sigd
