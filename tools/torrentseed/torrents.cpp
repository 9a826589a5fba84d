#include "tools/torrentseed/torrents.hpp"

#include <libtorrent/alert_types.hpp>

#include <algorithm>
#include <vector>

#include "common/log.hpp"
#include "common/time_util.hpp"
#include "tools/torrentseed/torrent_maker.hpp"

namespace hlsmesh::torrentseed {

namespace log = hlsmesh::log;

nlohmann::json ErrorCounters::to_json() const {
  return {{"unreadable", unreadable}, {"torrent", torrent},   {"tracker", tracker},
          {"web_seed", web_seed},     {"timeout", timeout},   {"alerts_dropped", alerts_dropped}};
}

TorrentEntry& TorrentTable::adding(const lt::info_hash_t& hashes, std::string name, std::string segment) {
  TorrentEntry& entry = entries_[infohash_hex(hashes)];
  entry.state = TorrentEntry::State::adding;
  entry.v1 = hashes.v1;
  entry.name = std::move(name);
  entry.segment = std::move(segment);
  entry.state_ms = hlsmesh::monotonic_ms();
  return entry;
}

TorrentEntry* TorrentTable::find(const std::string& infohash) {
  auto it = entries_.find(infohash);
  return it == entries_.end() ? nullptr : &it->second;
}

const TorrentEntry* TorrentTable::find(const std::string& infohash) const {
  auto it = entries_.find(infohash);
  return it == entries_.end() ? nullptr : &it->second;
}

void TorrentTable::retain(const std::string& infohash) {
  if (auto* entry = find(infohash)) ++entry->refs;
}

void TorrentTable::release(const std::string& infohash) {
  TorrentEntry* entry = find(infohash);
  if (entry == nullptr || entry->refs == 0) return;
  if (--entry->refs > 0) return;
  if (entry->state == TorrentEntry::State::live) {
    --live_;
    removing(*entry);
    log::debug("removing torrent " + infohash + " (" + entry->segment + ")");
  }
  // State adding: removed as soon as its add is confirmed.
}

void TorrentTable::removing(TorrentEntry& entry) {
  entry.state = TorrentEntry::State::removing;
  entry.state_ms = hlsmesh::monotonic_ms();
  entry.checked_ms = 0;
  session_.get().remove_torrent(entry.handle);
}

void TorrentTable::settle_add(const std::string& infohash, const lt::torrent_handle& handle, const std::string& error) {
  TorrentEntry* entry = find(infohash);
  if (entry == nullptr || entry->state != TorrentEntry::State::adding) return;
  added_outcomes_.push_back({infohash, handle, error});
  if (!error.empty()) {
    ++errors_.torrent;
    log::error("cannot seed " + entry->segment + ": libtorrent did not take torrent " + infohash + ": " + error +
               "; the event passes on without it");
    store_.remove(infohash, entry->name);
    forget(infohash);
    return;
  }
  entry->handle = handle;
  ++added_;
  if (entry->refs == 0) {  // left the window while being added
    removing(*entry);
    return;
  }
  entry->state = TorrentEntry::State::live;
  ++live_;
}

void TorrentTable::finish_removal(const std::string& infohash) {
  TorrentEntry* entry = find(infohash);
  if (entry == nullptr || entry->state != TorrentEntry::State::removing) return;
  ++removed_;
  store_.remove(infohash, entry->name);
  forget(infohash);
}

namespace {

// "seg1.ts, seg2.ts, seg3.ts and 5 more": one log line for a whole burst.
class NameList {
 public:
  void add(const std::string& name) {
    if (count_++ < 3) names_ += (names_.empty() ? "" : ", ") + name;
  }
  std::size_t count() const { return count_; }
  std::string text() const { return count_ > 3 ? names_ + " and " + std::to_string(count_ - 3) + " more" : names_; }

 private:
  std::string names_;
  std::size_t count_ = 0;
};

}  // namespace

void TorrentTable::reconcile(std::int64_t now_ms) {
  std::vector<std::string> overdue;
  for (const auto& [infohash, entry] : entries_) {
    if (entry.state == TorrentEntry::State::live) continue;
    if (now_ms - entry.state_ms < confirm_ms || now_ms - entry.checked_ms < 1000) continue;
    overdue.push_back(infohash);
  }
  NameList added, removed;
  for (const auto& infohash : overdue) {
    TorrentEntry& entry = entries_.at(infohash);
    entry.checked_ms = now_ms;
    // Blocks on libtorrent's network thread: only for the rare overdue entry.
    lt::torrent_handle handle = session_.get().find_torrent(entry.v1);
    if (entry.state == TorrentEntry::State::removing) {
      if (handle.is_valid()) continue;  // still leaving (tracker stop)
      removed.add(entry.segment);
      finish_removal(infohash);
    } else if (handle.is_valid()) {
      added.add(entry.segment);
      settle_add(infohash, handle, "");
    } else if (now_ms - entry.state_ms >= give_up_ms) {  // settle_add logs it, with its segment
      settle_add(infohash, lt::torrent_handle(),
                 "no add_torrent_alert and not in the session after " +
                     std::to_string((now_ms - entry.state_ms) / 1000) + " s (alerts dropped? raise --alert-queue-size)");
    }
  }
  if (added.count() > 0)
    log::warning(std::to_string(added.count()) + " torrent(s) were added without an add_torrent_alert (dropped from " +
                 "a full alert queue?): " + added.text() + "; found in the session, they seed and their events go on");
  if (removed.count() > 0)
    log::warning(std::to_string(removed.count()) + " torrent(s) left the session without a torrent_removed_alert " +
                 "(dropped from a full alert queue?): " + removed.text() + "; their stored copies are removed now");
}

std::vector<AddOutcome> TorrentTable::take_added() {
  std::vector<AddOutcome> out;
  out.swap(added_outcomes_);
  return out;
}

std::string TorrentTable::key_of(const lt::torrent_handle& handle) const {
  return infohash_hex(handle.info_hashes());
}

void TorrentTable::forget(const std::string& infohash) {
  auto it = entries_.find(infohash);
  if (it == entries_.end()) return;
  uploaded_by_removed_ += it->second.uploaded;
  downloaded_by_removed_ += it->second.downloaded;
  entries_.erase(it);
}

void TorrentTable::handle(const lt::alert& alert) {
  if (const auto* added = lt::alert_cast<lt::add_torrent_alert>(&alert)) {
    std::string ih = infohash_hex(added->params.ti ? added->params.ti->info_hashes() : added->params.info_hashes);
    settle_add(ih, added->handle, added->error ? added->error.message() : std::string());
  } else if (const auto* removed = lt::alert_cast<lt::torrent_removed_alert>(&alert)) {
    finish_removal(infohash_hex(removed->info_hashes));
  } else if (const auto* update = lt::alert_cast<lt::state_update_alert>(&alert)) {
    on_state_update(*update);
  } else if (const auto* finished = lt::alert_cast<lt::torrent_finished_alert>(&alert)) {
    if (TorrentEntry* entry = find(key_of(finished->handle))) entry->finished = true;
  } else if (const auto* tracker = lt::alert_cast<lt::tracker_error_alert>(&alert)) {
    on_tracker_error(*tracker);
  } else if (!on_problem(alert)) {
    on_listen(alert);
  }
}

void TorrentTable::on_state_update(const lt::state_update_alert& update) {
  for (const auto& status : update.status) {
    TorrentEntry* entry = find(infohash_hex(status.info_hashes));
    if (entry == nullptr) continue;
    entry->uploaded = status.total_payload_upload;
    entry->downloaded = status.total_payload_download;
    entry->upload_rate = status.upload_payload_rate;
    entry->peers = status.num_peers;
    // A follower's magnet gives no size and maybe no name: take both from
    // the metadata here rather than from torrent_file(), which blocks.
    if (entry->size == 0 && status.has_metadata && status.total_wanted > 0) {
      entry->size = status.total_wanted;
      if (!status.name.empty()) entry->name = status.name;
    }
    if (status.is_finished) entry->finished = true;  // also when torrent_finished_alert was dropped
  }
}

void TorrentTable::on_tracker_error(const lt::tracker_error_alert& tracker) {
  ++errors_.tracker;
  const TorrentEntry* entry = find(key_of(tracker.handle));
  std::string reason = tracker.failure_reason();
  // A tracker that is down fails for every torrent on every retry: say so
  // on the 1st, 2nd, 4th, 8th... failure in a row, not each time.
  const int in_row = tracker.times_in_row;
  const auto level = (in_row & (in_row - 1)) == 0 ? log::Level::warning : log::Level::debug;
  log::write(level, std::string("tracker ") + tracker.tracker_url() + " failed for " +
               (entry ? entry->segment : tracker.torrent_name()) + ": " + tracker.error.message() +
               (reason.empty() ? "" : " (" + reason + ")") + " (" + std::to_string(tracker.times_in_row) +
               " in a row); check that the tracker is up and reachable — seeding goes on");
}

bool TorrentTable::on_problem(const lt::alert& alert) {
  if (const auto* failed = lt::alert_cast<lt::torrent_error_alert>(&alert)) {
    ++errors_.torrent;
    const TorrentEntry* entry = find(key_of(failed->handle));
    log::error("torrent of " + (entry ? entry->segment : std::string(failed->torrent_name())) + " failed: " +
               failed->error.message() + " (" + failed->filename() + "); it stops seeding, the pipeline goes on");
  } else if (const auto* file = lt::alert_cast<lt::file_error_alert>(&alert)) {
    ++errors_.torrent;
    const TorrentEntry* entry = find(key_of(file->handle));
    log::error(std::string("file error on ") + file->filename() + " (" +
               (entry ? entry->segment : std::string(file->torrent_name())) + "): " + file->error.message() +
               " during " + lt::operation_name(file->op) + "; check the store directory " + store_.root().string());
  } else if (const auto* bad_piece = lt::alert_cast<lt::hash_failed_alert>(&alert)) {
    ++errors_.torrent;
    const TorrentEntry* entry = find(key_of(bad_piece->handle));
    log::warning("piece " + std::to_string(static_cast<int>(bad_piece->piece_index)) + " of " +
                 (entry ? entry->segment : std::string(bad_piece->torrent_name())) +
                 " failed its hash check; it is fetched again");
  } else if (const auto* web_seed = lt::alert_cast<lt::url_seed_alert>(&alert)) {
    ++errors_.web_seed;
    const TorrentEntry* entry = find(key_of(web_seed->handle));
    log::warning(std::string("web seed ") + web_seed->server_url() + " failed for " +
                 (entry ? entry->segment : std::string(web_seed->torrent_name())) + ": " + web_seed->error.message() +
                 " " + web_seed->error_message() + "; peers remain the source");
  } else if (const auto* dropped = lt::alert_cast<lt::alerts_dropped_alert>(&alert)) {
    errors_.alerts_dropped += dropped->dropped_alerts.count();
    log::warning("libtorrent's alert queue overflowed: " + std::to_string(dropped->dropped_alerts.count()) +
                 " kinds of alert were dropped (" + dropped->message() +
                 "); raise --alert-queue-size if this repeats");
  } else {
    return false;
  }
  return true;
}

void TorrentTable::on_listen(const lt::alert& alert) {
  if (const auto* listening = lt::alert_cast<lt::listen_succeeded_alert>(&alert)) {
    if (listening->socket_type == lt::socket_type_t::tcp) {
      listen_port_ = listening->port;
      log::info("listening on " + listening->address.to_string() + ":" + std::to_string(listening->port) + " (TCP and uTP)",
                {{"port", listening->port}});
    }
  } else if (const auto* not_listening = lt::alert_cast<lt::listen_failed_alert>(&alert)) {
    log::warning(std::string("cannot listen on ") + not_listening->listen_interface() + ": " +
                 not_listening->error.message() + "; pick a free port with --listen");
  }
}

std::int64_t TorrentTable::uploaded_total() const {
  std::int64_t sum = uploaded_by_removed_;
  for (const auto& [ih, entry] : entries_) sum += entry.uploaded;
  return sum;
}

std::int64_t TorrentTable::downloaded_total() const {
  std::int64_t sum = downloaded_by_removed_;
  for (const auto& [ih, entry] : entries_) sum += entry.downloaded;
  return sum;
}

int TorrentTable::upload_rate() const {
  int sum = 0;
  for (const auto& [ih, entry] : entries_) sum += entry.upload_rate;
  return sum;
}

int TorrentTable::peers() const {
  int sum = 0;
  for (const auto& [ih, entry] : entries_) sum += entry.peers;
  return sum;
}

nlohmann::json TorrentTable::torrents_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [ih, entry] : entries_) {
    if (entry.state != TorrentEntry::State::live) continue;
    list.push_back({{"infohash", ih},
                    {"name", entry.name},
                    {"uploaded", entry.uploaded},
                    {"upload_rate", entry.upload_rate},
                    {"peers", entry.peers}});
  }
  return list;
}

}  // namespace hlsmesh::torrentseed
