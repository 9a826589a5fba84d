#include "tools/meshrelay/options.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "common/log.hpp"
#include "tools/meshrelay/sigd_report.hpp"

namespace hlsmesh::meshrelay {

namespace {
void add_limit_options(CLI::App& app, Options& o);
}  // namespace

void add_options(CLI::App& app, Options& o) {
  app.description(
      "Joins the p2p-media-loader v2 swarm of every rendition of a live HLS stream as a native WebRTC peer and "
      "serves browser viewers the segments it fetched once from the CDN: the venue or volunteer relay. Writes "
      "`relay` events (bytes served per rendition and peer) as JSON Lines on stdout.");
  app.add_option("url", o.url, "Master or media playlist URL, exactly as the viewers load it")
      ->envname("MESHRELAY_URL")
      ->required();
  app.add_option("--feed", o.feed,
                 "sigd's live event feed (ws://HOST:PORT/events): each segment is fetched as soon as it is published, "
                 "before the playlist lists it; the playlist of each rendition the feed brings is then polled every 3 "
                 "target durations for what the feed missed, the others and all while the feed is down at the usual pace")
      ->envname("MESHRELAY_FEED");
  app.add_option("--tracker", o.trackers, "ws:// or wss:// WebTorrent tracker the viewers announce to (repeatable)")
      ->envname("MESHRELAY_TRACKER")
      ->delimiter(',')
      ->required();
  app.add_option("--swarm-id", o.swarm_id,
                 "The viewers' p2p-media-loader swarmId, when their page sets one; default: the URL without its query")
      ->envname("MESHRELAY_SWARM_ID");
  app.add_option("--relay-token", o.relay_token,
                 "sigd's --relay-token: sent in every announce so sigd gives the relay every viewer's offer (other "
                 "trackers ignore it); never logged")
      ->envname("MESHRELAY_RELAY_TOKEN");
  app.add_option("--report-url", o.report_url,
                 "Where the relay reports what it served (sigd's /relay-report, with --relay-token as bearer token), "
                 "so sigd's /metrics and dashboard count it; default with --relay-token: /relay-report on the first "
                 "tracker's host; none: no reports")
      ->envname("MESHRELAY_REPORT_URL");
  app.add_option("--offers", o.offers,
                 "WebRTC offers of the relay's own in each announce, per swarm, so that trackers relaying offers to "
                 "random peers (bittorrent-tracker, wt-tracker) still connect viewers to it; default 5, as a WebTorrent "
                 "client, or 0 with --relay-token (sigd then sends the relay every viewer's offer); 0: answer only")
      ->envname("MESHRELAY_OFFERS")
      ->check(CLI::Range(0, 50));
  app.add_option("--p2pml", o.p2pml,
                 "p2p-media-loader release(s) the viewers run, 2.2 and/or 2.3: their swarm hashes differ, the relay "
                 "joins one swarm per release")
      ->envname("MESHRELAY_P2PML")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--level-bitrate", o.level_bitrate_name,
                 "What p2p-media-loader 2.3 viewers hash as a rendition's bitrate: bandwidth (the master's BANDWIDTH, "
                 "stock p2p-media-loader) or position (its place in the master plus one: the hlsmesh viewer page)")
      ->envname("MESHRELAY_LEVEL_BITRATE")
      ->capture_default_str();
  app.add_option("--ice-address", o.ice_addresses,
                 "Local IP address WebRTC gathers candidates on (repeatable); default: every interface's, or 127.0.0.1 "
                 "on a machine with only loopback")
      ->envname("MESHRELAY_ICE_ADDRESS")
      ->delimiter(',');
  add_limit_options(app, o);
  hlsmesh::add_common_options(app, o.common, false);
}

namespace {

// What a volunteer gives and how the relay paces itself.
void add_limit_options(CLI::App& app, Options& o) {
  app.add_option("--max-peers", o.max_peers, "Browser peers served at once; offers beyond are refused")
      ->envname("MESHRELAY_MAX_PEERS")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--max-upload", o.max_upload_mbps, "Upload cap in Mbit/s across all peers; 0: none")
      ->envname("MESHRELAY_MAX_UPLOAD")
      ->check(CLI::Range(0.0, 100000.0))
      ->capture_default_str();
  app.add_option("--memory", o.memory_mib, "MiB of segments held in memory, all renditions together")
      ->envname("MESHRELAY_MEMORY")
      ->check(CLI::Range(4, 65536))
      ->capture_default_str();
  app.add_option("--window", o.window, "Segments held per rendition at most")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--backfill", o.backfill, "Segments already listed at start that are fetched too (the newest)")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  app.add_option("--max-requests", o.max_requests_per_s, "Requests per second from one peer beyond which it is dropped")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--stall-timeout", o.stall_s, "Seconds a peer may leave its buffer full before it is dropped")
      ->check(CLI::Range(1.0, 3600.0))
      ->capture_default_str();
  app.add_option("--stats-interval", o.stats_interval, "Seconds between relay events; 0: none")
      ->envname("MESHRELAY_STATS_INTERVAL")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  app.add_option("--announce-interval", o.announce_interval, "Seconds between announces to the tracker")
      ->check(CLI::Range(5.0, 3600.0))
      ->capture_default_str();
}

}  // namespace

void validate(const CLI::App& app, Options& o) {
  if (o.url.rfind("http://", 0) != 0 && o.url.rfind("https://", 0) != 0) {
    throw Error(Exit::usage, "URL " + o.url + ": expected the http(s):// playlist URL the viewers load");
  }
  if (!o.feed.empty() && o.feed.rfind("ws://", 0) != 0 && o.feed.rfind("wss://", 0) != 0) {
    throw Error(Exit::usage, "--feed " + o.feed + ": expected sigd's event feed, ws://HOST:PORT/events or wss://…");
  }
  for (const auto& t : o.trackers) {
    if (t.rfind("ws://", 0) != 0 && t.rfind("wss://", 0) != 0) {
      throw Error(Exit::usage, "--tracker " + t + ": expected a ws:// or wss:// WebTorrent tracker URL");
    }
  }
  hlsmesh::log::add_secret(o.relay_token);
  // sigd with the token already sends the relay every viewer's offer: its own
  // would only open second connections to the same viewers.
  if (!o.relay_token.empty() && app.get_option("--offers")->count() == 0) o.offers = 0;
  if (!o.report_url.empty() && o.report_url != "none" && o.report_url.rfind("http://", 0) != 0 &&
      o.report_url.rfind("https://", 0) != 0) {
    throw Error(Exit::usage, "--report-url " + o.report_url + ": expected sigd's http(s)://host/relay-report, or none");
  }
  if (!o.report_url.empty() && o.report_url != "none" && o.relay_token.empty()) {
    throw Error(Exit::usage, "--report-url needs --relay-token: sigd takes a relay's report only with its token");
  }
  if (o.level_bitrate_name == "bandwidth") {
    o.level_bitrate = LevelBitrate::bandwidth;
  } else if (o.level_bitrate_name == "position") {
    o.level_bitrate = LevelBitrate::position;
  } else {
    throw Error(Exit::usage, "--level-bitrate " + o.level_bitrate_name +
                                 ": expected bandwidth (stock p2p-media-loader 2.3 pages) or position (the hlsmesh "
                                 "viewer page)");
  }
  o.releases.clear();
  for (const auto& r : o.p2pml) {
    auto release = parse_release(r);
    if (std::find(o.releases.begin(), o.releases.end(), release) == o.releases.end()) o.releases.push_back(release);
  }
}

SessionLimits Options::session_limits() const {
  SessionLimits limits;
  limits.max_requests_per_s = max_requests_per_s;
  limits.stall = std::chrono::milliseconds(static_cast<long>(stall_s * 1000));
  return limits;
}

std::string Options::effective_swarm_id() const { return swarm_id.empty() ? without_query(url) : swarm_id; }

std::string Options::effective_report_url() const {
  if (report_url == "none" || relay_token.empty()) return {};
  if (!report_url.empty()) return report_url;
  for (const auto& t : trackers) {
    if (auto derived = default_report_url(t); !derived.empty()) return derived;
  }
  return {};
}

}  // namespace hlsmesh::meshrelay
