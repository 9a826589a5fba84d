#pragma once
// torrentseed's command line: the seeding options, and the `follow`
// subcommand for volunteer relays.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "common/program.hpp"

namespace hlsmesh::torrentseed {

struct Options {
  hlsmesh::CommonOptions common;

  // Torrents
  std::vector<std::string> trackers;     // http(s)/udp: in the torrent and the magnet
  std::vector<std::string> ws_trackers;  // ws(s): in the magnet only
  int piece_kib = 256;
  bool embed_torrent = false;
  int hash_threads = 0;  // threads hashing a segment's pieces, the main one included; 0 = auto

  // Session
  std::string listen = "6881";  // PORT or libtorrent listen_interfaces ("127.0.0.1:0,[::1]:0")
  bool lsd = true;
  bool dht = false;
  int alert_queue_size = 10000;

  // Store and window
  std::string store;  // empty: a private temp dir removed at exit
  int keep = 60;

  // Output and lifetime
  double stats_interval = 10;  // seconds; 0 = no seedstats events
  double linger = 0;           // seconds to keep seeding after input ends; -1 = until a signal

  // follow mode
  bool follow = false;
  std::string feed;               // ws://HOST:PORT/events; empty = events on stdin
  bool no_web_seed = false;       // download from peers only
  std::vector<std::string> peers; // HOST:PORT peers to connect every torrent to
  double download_timeout = 60;   // seconds before a segment that does not complete is skipped

  // The libtorrent listen_interfaces string for `listen`.
  std::string listen_interfaces() const;
};

// Registers every option on `app` (and the `follow` subcommand).
void add_options(CLI::App& app, Options& options);

// Checks combinations CLI11 cannot (tracker schemes, ranges); throws
// hlsmesh::Error(Exit::usage) with the fix.
void validate(const CLI::App& app, Options& options);
// The program: seeds (or follows) until the input ends or a stop signal. In run.cpp.
int run(const Options& options);

}  // namespace hlsmesh::torrentseed
