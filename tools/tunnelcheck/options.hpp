#pragma once
// Command line of tunnelcheck: five subcommands (config, route, probe, lint, swarm)
// sharing the output format and the global --timeout.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "common/program.hpp"

namespace hlsmesh::tunnelcheck {

struct Options {
  hlsmesh::CommonOptions common;
  std::string command;          // "config", "route", "probe", "lint", "swarm"
  std::string format = "text";  // text | json | nagios | prom
  double timeout_s = 30;        // whole run, never exceeded
  bool timeout_given = false;

  // config / route
  std::string config_file;
  std::vector<std::string> require;  // URL=SERVICE
  bool probe_origins = false;
  std::string route_url;

  // probe / lint
  std::string url;     // probe URL, or lint FILE|URL
  std::string origin;  // Origin header for CORS checks ("" = the playlist URL's origin)
  std::vector<std::string> cdn_hosts;
  std::vector<std::string> origin_hosts;
  size_t min_segments = 60;
  std::string profile = "hlsmesh";  // lint: rfc (RFC rules only) | hlsmesh (rules + deployment policy)
  std::string segments = "sample";  // sample | all
  size_t sample = 3;                // segments in the middle of the window, besides newest/oldest
  size_t align_segments = 3;        // master: the newest MSNs listed by every rendition, fetched from each
  bool no_update = false;
  double watch_s = 0;
  std::vector<std::string> trackers;
  double duration_tolerance_s = 0.5;
  double max_latency_s = 120;
  double bandwidth_tolerance = 0.1;  // measured peak may exceed BANDWIDTH by 10 %
  size_t max_playlist_bytes = 1 << 20;
  size_t max_segment_bytes = 32 << 20;
  long parallel = 8;  // connections per host

  // swarm (url: sigd's /stats.json)
  double share_warn = 0.5, share_crit = 0.2;  // P2P share thresholds
  size_t min_viewers = 2;                     // judge the share only with this many viewers
  double stall_warn = 0.02, stall_crit = 0.05;
  std::string swarm_window = "1m";            // 1m | 10m
  std::vector<std::string> swarm_streams;     // only these streams ("" = all)
  std::string swarm_playlist;                 // live playlist: no reports while it is live is CRITICAL
};

// Builds the CLI11 app bound to `options`.
void add_options(CLI::App& app, Options& options);

// Checks what CLI11 cannot (e.g. --watch beyond --timeout); throws
// hlsmesh::ExitRequest{usage} after logging the problem.
void validate(const CLI::App& app, Options& options);

// The program: runs the subcommand and prints the report; returns its
// monitoring-plugin status 0-3. In run.cpp.
int run(const Options& options);

}  // namespace hlsmesh::tunnelcheck
