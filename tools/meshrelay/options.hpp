#pragma once
// meshrelay's command line (CLI11), each option also settable by environment.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "common/program.hpp"
#include "tools/meshrelay/peer_session.hpp"
#include "tools/meshrelay/swarm_id.hpp"

namespace hlsmesh::meshrelay {

struct Options {
  hlsmesh::CommonOptions common;

  std::string url;                    // master or media playlist, as the viewers load it
  std::string feed;                   // sigd's ws(s)://…/events: segments as they are published
  std::vector<std::string> trackers;  // ws(s):// WebTorrent trackers
  std::string swarm_id;               // p2p-media-loader's swarmId; default: url without its query
  std::string relay_token;            // sigd --relay-token: sent in announces, never logged
  std::string report_url;             // sigd's /relay-report; default from the first tracker, with a token
  int offers = 5;                     // own offers per swarm and announce; validate(): 0 with a token unless given
  std::vector<std::string> p2pml = {"2.2", "2.3"};
  std::vector<P2pmlRelease> releases;  // parsed from p2pml by validate()
  std::string level_bitrate_name = "bandwidth";
  LevelBitrate level_bitrate = LevelBitrate::bandwidth;  // parsed from level_bitrate_name by validate()

  std::vector<std::string> ice_addresses;  // empty: every interface (127.0.0.1 if only loopback)
  int max_peers = 50;
  double max_upload_mbps = 0;  // 0: no cap
  int memory_mib = 256;        // the live window, all renditions
  int window = 60;             // segments held per rendition at most
  int backfill = 15;           // segments already listed at start fetched too
  int max_requests_per_s = 50;
  double stall_s = 10;
  double stats_interval = 10;  // seconds between relay events; 0: none
  double announce_interval = 60;

  SessionLimits session_limits() const;
  std::string effective_swarm_id() const;
  std::string effective_report_url() const;  // empty: no reports to sigd
};

void add_options(CLI::App& app, Options& options);

// Checks what CLI11 cannot; throws hlsmesh::Error(Exit::usage) with the fix.
void validate(const CLI::App& app, Options& options);
// The program: relays until stopped; returns the exit code. In run.cpp.
int run(const Options& options);

}  // namespace hlsmesh::meshrelay
