#include "tools/torrentseed/options.hpp"

#include "common/error.hpp"

namespace hlsmesh::torrentseed {
namespace {

bool starts_with(const std::string& text, std::string_view prefix) { return text.rfind(prefix, 0) == 0; }

// What every torrent and its event carry.
void add_torrent_options(CLI::App& app, Options& o) {
  app.add_option("--tracker", o.trackers, "http(s):// or udp:// announce URL put in every torrent (repeatable); follow: also announced to for "
                 "every followed torrent, so the relay is found there")
      ->envname("TORRENTSEED_TRACKER")
      ->delimiter(',');
  app.add_option("--ws-tracker", o.ws_trackers,
                 "ws(s):// WebTorrent tracker added to the magnet only: libtorrent 2.0.8 cannot announce to it, "
                 "browsers can (repeatable)")
      ->envname("TORRENTSEED_WS_TRACKER")
      ->delimiter(',');
  app.add_option("--piece-size", o.piece_kib, "Piece size in KiB, a multiple of 16")
      ->check(CLI::Range(16, 16384))
      ->capture_default_str();
  app.add_option("--hash-threads", o.hash_threads,
                 "Threads hashing a segment's pieces in parallel, the main thread included; 0 = one per CPU, at "
                 "most 4")
      ->envname("TORRENTSEED_HASH_THREADS")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  app.add_flag("--embed-torrent", o.embed_torrent, "Add the .torrent, base64, as field `torrent`");
}

// libtorrent's session: where it listens and how peers find it.
void add_session_options(CLI::App& app, Options& o) {
  app.add_option("--listen", o.listen,
                 "BitTorrent port (TCP and uTP), or libtorrent listen interfaces such as 127.0.0.1:0")
      ->envname("TORRENTSEED_LISTEN")
      ->capture_default_str();
  app.add_flag("--lsd,!--no-lsd", o.lsd, "Local service discovery, so LAN viewers find the seed without a tracker")
      ->capture_default_str();
  app.add_flag("--dht,!--no-dht", o.dht, "Announce on the DHT")->capture_default_str();
  app.add_option("--alert-queue-size", o.alert_queue_size, "libtorrent alert queue length")
      ->check(CLI::Range(64, 1000000))
      ->capture_default_str();
}

// The seeded copies, the window, and how long the run lasts.
void add_store_options(CLI::App& app, Options& o) {
  app.add_option("--store", o.store,
                 "Directory holding the seeded copies (hard links, copies across file systems); stored copies a "
                 "killed run left there are removed at start; default: a private temporary directory removed at exit")
      ->envname("TORRENTSEED_STORE");
  app.add_option("--keep", o.keep, "Keep at most this many segments seeded; older ones are dropped")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app.add_option("--stats-interval", o.stats_interval, "Seconds between seedstats events; 0 disables them")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  app.add_option("--linger", o.linger, "Seconds to keep seeding after the input ends; -1 until SIGINT/SIGTERM")
      ->check(CLI::Range(-1.0, 1e9))
      ->capture_default_str();
}

// `torrentseed follow`: mirror a live swarm on a volunteer relay.
void add_follow_command(CLI::App& app, Options& o) {
  CLI::App* follow = app.add_subcommand(
      "follow",
      "Mirror a live swarm: download each segment event's magnet/torrent from peers (and its web seed) into the "
      "store, seed it, keep the last --keep, and emit `segment` events with the local `path`");
  follow->callback([&o] { o.follow = true; });
  follow->add_option("--feed", o.feed, "WebSocket event feed, e.g. ws://127.0.0.1:8000/events or wss://…; a private CA for wss goes in "
                    "SSL_CERT_FILE (default: stdin)")
      ->envname("TORRENTSEED_FEED");
  follow->add_flag("--no-web-seed", o.no_web_seed, "Take data from peers only, sparing the CDN");
  follow->add_option("--peer", o.peers, "Connect every torrent to this HOST:PORT peer (repeatable)")
      ->delimiter(',');
  follow->add_option("--download-timeout", o.download_timeout,
                     "Seconds after which a segment that has not completed is skipped (one that leaves the window "
                     "first is skipped then)")
      ->check(CLI::Range(1.0, 86400.0))
      ->capture_default_str();
}

}  // namespace

void add_options(CLI::App& app, Options& o) {
  app.description(
      "Seeds every HLS segment event that has a CDN `url` as a v1 torrent (the URL is its BEP 19 web seed), "
      "adds infohash, magnet (and torrent) to the event, passes every event through, and drops torrents that "
      "leave the window. `torrentseed follow` mirrors a live swarm on a volunteer relay.");
  app.fallthrough();  // seeding options may follow the `follow` subcommand
  add_torrent_options(app, o);
  add_session_options(app, o);
  add_store_options(app, o);
  hlsmesh::add_common_options(app, o.common);
  add_follow_command(app, o);
}

std::string Options::listen_interfaces() const {
  bool numeric = !listen.empty() && listen.find_first_not_of("0123456789") == std::string::npos;
  if (numeric) return "0.0.0.0:" + listen + ",[::]:" + listen;
  return listen;
}

void validate(const CLI::App&, Options& o) {
  using hlsmesh::Error;
  using hlsmesh::Exit;
  for (const auto& t : o.trackers) {
    if (!starts_with(t, "http://") && !starts_with(t, "https://") && !starts_with(t, "udp://")) {
      throw Error(Exit::usage, "--tracker " + t +
                                   ": libtorrent 2.0.8 announces only to http(s):// and udp:// trackers; "
                                   "give ws(s):// trackers to --ws-tracker (magnet only)");
    }
  }
  for (const auto& t : o.ws_trackers) {
    if (!starts_with(t, "ws://") && !starts_with(t, "wss://")) {
      throw Error(Exit::usage, "--ws-tracker " + t + ": expected a ws:// or wss:// URL; http/udp trackers go to --tracker");
    }
  }
  if (o.piece_kib % 16 != 0) {
    throw Error(Exit::usage, "--piece-size " + std::to_string(o.piece_kib) + ": must be a multiple of 16 (KiB)");
  }
  if (o.listen.empty()) throw Error(Exit::usage, "--listen: give a port or listen interfaces such as 127.0.0.1:6881");
  if (!o.feed.empty() && !starts_with(o.feed, "ws://") && !starts_with(o.feed, "wss://")) {
    throw Error(Exit::usage, "--feed " + o.feed + ": expected a ws:// or wss:// URL such as ws://127.0.0.1:8000/events");
  }
  for (const auto& p : o.peers) {
    auto colon = p.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == p.size()) {
      throw Error(Exit::usage, "--peer " + p + ": expected HOST:PORT, e.g. 127.0.0.1:6881");
    }
  }
}

}  // namespace hlsmesh::torrentseed
