#include "options.hpp"

#include "common/exit_codes.hpp"
#include "common/log.hpp"

namespace hlsmesh::tunnelcheck {

namespace {

// What probe and lint share: the playlist and the deployment it belongs to.
void add_playlist_options(CLI::App* sub, Options& o, const char* url_help) {
  sub->add_option("url", o.url, url_help)->required();
  sub->add_option("--min-segments", o.min_segments, "Expected window length in segments (default 60; 0 = no check)");
  sub->add_option("--cdn-host", o.cdn_hosts,
                  "Hosts segment URLs must be on (repeatable or comma-separated; host[:port] or *.domain)")
      ->delimiter(',')
      ->envname("TUNNELCHECK_CDN_HOST");
  sub->add_option("--origin-host", o.origin_hosts, "Hosts that are the origin/tunnel: segments there are flagged")
      ->delimiter(',')
      ->envname("TUNNELCHECK_ORIGIN_HOST");
  sub->add_option("--max-bytes", o.max_playlist_bytes, "Largest playlist accepted (bytes, default 1 MiB)");
}

CLI::App* add_config_command(CLI::App& app, Options& o) {
  auto* config = app.add_subcommand("config", "Validate a cloudflared config.yml with cloudflared's ingress semantics");
  config->add_option("file", o.config_file, "config.yml (default: cloudflared's search path)")
      ->envname("TUNNELCHECK_CONFIG");
  config->add_option("--require", o.require, "URL=SERVICE: fail unless URL routes to SERVICE (repeatable)");
  config->add_flag("--probe-origins", o.probe_origins,
                   "Connect to every local service and report those nobody listens on");
  return config;
}

CLI::App* add_route_command(CLI::App& app, Options& o) {
  auto* route =
      app.add_subcommand("route", "Print the ingress rule a URL matches (like `cloudflared tunnel ingress rule`)");
  route->add_option("url", o.route_url, "https://host/path")->required();
  route->add_option("--config", o.config_file, "config.yml (default: cloudflared's search path)")
      ->envname("TUNNELCHECK_CONFIG");
  return route;
}

CLI::App* add_probe_command(CLI::App& app, Options& o) {
  auto* probe = app.add_subcommand("probe", "Probe a live media or master playlist URL, its segments and tracker");
  add_playlist_options(probe, o, "Playlist URL");
  probe->add_option("--origin", o.origin, "Origin header for CORS checks (default: the playlist URL's origin)")
      ->envname("TUNNELCHECK_ORIGIN");
  probe->add_option("--segments", o.segments, "sample: newest, oldest and --sample more; all: every listed segment")
      ->check(CLI::IsMember({"sample", "all"}));
  probe->add_option("--sample", o.sample, "Segments checked besides newest and oldest (default 3)");
  probe->add_option("--align-segments", o.align_segments,
                    "Master: the newest N MSNs listed by every rendition are fetched from each and their first PTS "
                    "compared (default 3; 0 = no alignment check)");
  probe->add_flag("--no-update", o.no_update, "Skip the second playlist fetch after 1.5 × target duration");
  probe->add_option("--watch", o.watch_s, "Keep polling for SECONDS and report stalls")
      ->check(CLI::Range(0.0, 86400.0));
  probe->add_option("--tracker", o.trackers, "ws:// or wss:// tracker: WebSocket upgrade and a scrape (repeatable)");
  probe->add_option("--duration-tolerance", o.duration_tolerance_s,
                    "Seconds EXTINF may differ from the PTS-measured duration (0.5)");
  probe->add_option("--max-latency", o.max_latency_s,
                    "Warn when the live edge is further behind PROGRAM-DATE-TIME (seconds, 120)");
  probe->add_option("--bandwidth-tolerance", o.bandwidth_tolerance,
                    "Fraction the measured peak may exceed BANDWIDTH (0.1)");
  probe->add_option("--max-segment-bytes", o.max_segment_bytes, "Largest segment downloaded (bytes, default 32 MiB)");
  probe->add_option("--parallel", o.parallel, "Connections per host (default 8)")->check(CLI::Range(1, 64));
  return probe;
}

CLI::App* add_lint_command(CLI::App& app, Options& o) {
  auto* lint = app.add_subcommand("lint", "Static playlist checks on a file or URL");
  add_playlist_options(lint, o, "Playlist file or URL");
  lint->add_option("--profile", o.profile,
                   "rfc: RFC 8216/8216bis rules only (other people's playlists); hlsmesh (default): also the "
                   "deployment policy (window length, unique URIs, CDN-only segment URLs)")
      ->check(CLI::IsMember({"rfc", "hlsmesh"}))
      ->envname("TUNNELCHECK_PROFILE");
  return lint;
}

CLI::App* add_swarm_command(CLI::App& app, Options& o) {
  auto* swarm = app.add_subcommand("swarm", "Judge measured delivery from sigd's /stats.json (viewer reports)");
  swarm->add_option("url", o.url, "sigd's stats URL, e.g. https://tv.example/stats.json")->required();
  swarm->add_option("--warn", o.share_warn, "WARNING below this P2P share (0-1, default 0.5)")->check(CLI::Range(0.0, 1.0));
  swarm->add_option("--crit", o.share_crit, "CRITICAL below this P2P share (0-1, default 0.2)")->check(CLI::Range(0.0, 1.0));
  swarm->add_option("--min-viewers", o.min_viewers, "Judge the P2P share only with at least this many viewers (2)");
  swarm->add_option("--stall-warn", o.stall_warn, "WARNING at this stalled share of watched time (0.02)")
      ->check(CLI::Range(0.0, 1.0));
  swarm->add_option("--stall-crit", o.stall_crit, "CRITICAL at this stalled share of watched time (0.05)")
      ->check(CLI::Range(0.0, 1.0));
  swarm->add_option("--window", o.swarm_window, "Figures over the last minute or ten minutes")
      ->check(CLI::IsMember({"1m", "10m"}));
  swarm->add_option("--stream", o.swarm_streams, "Only this stream (the viewers' swarm id; repeatable)");
  swarm->add_option("--playlist", o.swarm_playlist, "The live playlist: no reports while it is live is CRITICAL");
  return swarm;
}

}  // namespace

void add_options(CLI::App& app, Options& o) {
  app.description(
      "Validate a cloudflared tunnel config, probe a live HLS endpoint, lint playlists.\n"
      "Exit codes (monitoring plugins): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (bad arguments, internal error).");
  app.require_subcommand(1);
  hlsmesh::add_common_options(app, o.common, /*reads_events=*/false);
  app.add_option("--format", o.format, "Output: text (one line per finding), json (one object per line), nagios, prom")
      ->check(CLI::IsMember({"text", "json", "nagios", "prom"}))
      ->envname("TUNNELCHECK_FORMAT");
  app.add_option("--timeout", o.timeout_s,
                 "Seconds the whole run may take, never exceeded (default 30; --watch adds its time)")
      ->check(CLI::Range(0.1, 86400.0))
      ->envname("TUNNELCHECK_TIMEOUT");
  // Left to right (a braced list is sequenced): their order in --help. in --help.
  for (auto* sub : {add_config_command(app, o), add_route_command(app, o), add_probe_command(app, o),
                    add_lint_command(app, o), add_swarm_command(app, o)}) {
    sub->fallthrough();
  }
}

void validate(const CLI::App& app, Options& o) {
  for (const char* name : {"config", "route", "probe", "lint", "swarm"})
    if (app.get_subcommand(name)->parsed()) o.command = name;
  o.timeout_given = app.get_option("--timeout")->count() > 0 || std::getenv("TUNNELCHECK_TIMEOUT");
  if (o.watch_s > 0) {
    if (!o.timeout_given) {
      o.timeout_s = o.watch_s + 30;
    } else if (o.watch_s >= o.timeout_s) {
      hlsmesh::log::error("--watch " + std::to_string(static_cast<long>(o.watch_s)) + " s does not fit in --timeout " +
                          std::to_string(static_cast<long>(o.timeout_s)) +
                          " s; raise --timeout above --watch or leave it out");
      throw hlsmesh::ExitRequest{hlsmesh::Exit::usage};
    }
  }
  if (o.command == "swarm" && o.share_crit > o.share_warn) {
    hlsmesh::log::error("swarm: --crit " + std::to_string(o.share_crit) + " is above --warn " +
                        std::to_string(o.share_warn) + "; CRITICAL is the lower share");
    throw hlsmesh::ExitRequest{hlsmesh::Exit::usage};
  }
  if ((o.command == "probe" || o.command == "swarm") && o.url.find("://") == std::string::npos) {
    hlsmesh::log::error(o.command + " needs an http(s):// URL, got '" + o.url + "'" +
                        (o.command == "probe" ? "; use 'tunnelcheck lint FILE' for files" : ""));
    throw hlsmesh::ExitRequest{hlsmesh::Exit::usage};
  }
}

}  // namespace hlsmesh::tunnelcheck
