#pragma once
// The torrents in the session, by infohash: their handles, reference counts
// (one per window entry naming them), per-torrent upload figures from
// state_update_alert, and the error counters that
// seedstats reports. Generic alerts (add, remove, errors, overflow, listen)
// are handled here for both modes.
//
// libtorrent delivers alerts on a best-effort basis: a full queue drops them,
// add_torrent_alert and torrent_removed_alert included (alerts_dropped_alert
// says so afterwards). An add or removal not confirmed within a few seconds is
// therefore looked up in the session instead (reconcile()), so no event is held
// back and no stored copy is left behind because one alert went missing.
#include <libtorrent/alert.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/torrent_handle.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "tools/torrentseed/session.hpp"
#include "tools/torrentseed/store.hpp"

namespace hlsmesh::torrentseed {

struct ErrorCounters {
  std::uint64_t unreadable = 0;      // a segment file that could not be read or stored
  std::uint64_t torrent = 0;         // add failed, torrent error, file error, hash failure
  std::uint64_t tracker = 0;         // tracker errors
  std::uint64_t alerts_dropped = 0;  // alert queue overflows
  std::uint64_t timeout = 0;         // follow: segments that did not complete in time
  std::uint64_t web_seed = 0;        // web seed (url seed) errors
  nlohmann::json to_json() const;
  std::uint64_t total() const { return unreadable + torrent + tracker + alerts_dropped + timeout + web_seed; }
};

struct TorrentEntry {
  enum class State { adding, live, removing };
  State state = State::adding;
  lt::sha1_hash v1;  // what find_torrent() takes
  lt::torrent_handle handle;
  std::string name;     // the file name (follow: the magnet's dn= until the metadata is in)
  std::int64_t size = 0;  // bytes; 0 until known (follow: from the metadata, see handle())
  std::string segment;  // what messages call it (source path or URL)
  int refs = 0;
  bool finished = false;  // follow: all pieces downloaded
  std::int64_t uploaded = 0;
  std::int64_t downloaded = 0;
  int upload_rate = 0;
  int peers = 0;
  std::int64_t state_ms = 0;    // when it entered its state (adding, removing)
  std::int64_t checked_ms = 0;  // last looked up by reconcile()
};

// How an add ended: from its add_torrent_alert or, when that alert was
// dropped, from the session itself.
struct AddOutcome {
  std::string infohash;
  lt::torrent_handle handle;  // valid when the torrent was added
  std::string error;          // why not, when it was not
};

class TorrentTable {
 public:
  TorrentTable(TorrentSession& session, SegmentStore& store) : session_(session), store_(store) {}

  // An add or removal unconfirmed this long is looked up in the session; an
  // add the session still does not have after give_up_ms has failed.
  static constexpr std::int64_t confirm_ms = 2000;
  static constexpr std::int64_t give_up_ms = 10000;

  // Registers a torrent being added (async_add_torrent was called).
  TorrentEntry& adding(const lt::info_hash_t& hashes, std::string name, std::string segment);
  TorrentEntry* find(const std::string& infohash);
  const TorrentEntry* find(const std::string& infohash) const;

  // One more / one fewer window entry naming this torrent; at zero the torrent
  // is removed and its stored copy goes after torrent_removed_alert.
  void retain(const std::string& infohash);
  void release(const std::string& infohash);

  // Handles the alerts both modes share (the mode sees each alert after); the
  // outcome of an add goes to take_added().
  void handle(const lt::alert& alert);

  // Settles adds and removals whose alert did not come within confirm_ms from
  // what the session says (find_torrent). Cheap when none is overdue.
  void reconcile(std::int64_t now_ms);

  // Adds settled since the last call, in the order they settled.
  std::vector<AddOutcome> take_added();

  // Live torrents (added and not being removed).
  std::size_t live() const { return live_; }
  std::size_t size() const { return entries_.size(); }
  int listen_port() const { return listen_port_; }
  ErrorCounters& errors() { return errors_; }
  const ErrorCounters& errors() const { return errors_; }

  // Totals over the whole run (removed torrents included).
  std::int64_t uploaded_total() const;
  std::int64_t downloaded_total() const;
  int upload_rate() const;
  int peers() const;
  std::uint64_t added_count() const { return added_; }
  std::uint64_t removed_count() const { return removed_; }

  // {"torrents": [...per torrent...], "peer_uploads": [...per peer...]}
  nlohmann::json torrents_json() const;
  nlohmann::json peers_json(std::size_t limit) const { return session_.peer_uploads().top(limit); }
  std::size_t peers_seen() const { return session_.peer_uploads().peers_seen(); }

 private:
  void on_state_update(const lt::state_update_alert& update);
  void on_tracker_error(const lt::tracker_error_alert& tracker);
  // Torrent, file, piece, web seed and alert-queue failures: counted and
  // logged; false for any other alert.
  bool on_problem(const lt::alert& alert);
  void on_listen(const lt::alert& alert);
  void settle_add(const std::string& infohash, const lt::torrent_handle& handle, const std::string& error);
  void removing(TorrentEntry& entry);
  void finish_removal(const std::string& infohash);
  void forget(const std::string& infohash);
  std::string key_of(const lt::torrent_handle& handle) const;

  TorrentSession& session_;
  SegmentStore& store_;
  std::unordered_map<std::string, TorrentEntry> entries_;
  std::vector<AddOutcome> added_outcomes_;
  std::size_t live_ = 0;
  std::uint64_t added_ = 0;
  std::uint64_t removed_ = 0;
  std::int64_t uploaded_by_removed_ = 0;
  std::int64_t downloaded_by_removed_ = 0;
  int listen_port_ = 0;
  ErrorCounters errors_;
};

}  // namespace hlsmesh::torrentseed
