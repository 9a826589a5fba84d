#include "tools/torrentseed/torrents.hpp"

#include <libtorrent/alert_types.hpp>

#include <algorithm>
#include <vector>

#include "common/log.hpp"
#include "common/time_util.hpp"
#include "tools/torrentseed/torrent_maker.hpp"

namespace torrentseed {

namespace log = hlsmesh::log;

nlohmann::json ErrorCounters::to_json() const {
  return {{"unreadable", unreadable}, {"torrent", torrent},   {"tracker", tracker},
          {"web_seed", web_seed},     {"timeout", timeout},   {"alerts_dropped", alerts_dropped}};
}

TorrentEntry& TorrentTable::adding(const std::string& infohash, std::string name, std::string segment) {
  TorrentEntry& entry = entries_[infohash];
  entry.state = TorrentEntry::State::adding;
  entry.name = std::move(name);
  entry.segment = std::move(segment);
  entry.added_ms = hlsmesh::monotonic_ms();
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
    entry->state = TorrentEntry::State::removing;
    --live_;
    session_.get().remove_torrent(entry->handle);
    log::debug("removing torrent " + infohash + " (" + entry->segment + ")");
  }
  // State adding: removed as soon as add_torrent_alert confirms it.
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
    TorrentEntry* entry = find(ih);
    if (entry == nullptr) return;
    if (added->error) {
      ++errors_.torrent;
      log::error("cannot seed " + entry->segment + ": libtorrent refused torrent " + ih + ": " +
                 added->error.message() + "; the event passes on without it");
      forget(ih);
      return;
    }
    entry->handle = added->handle;
    ++added_;
    if (entry->refs == 0) {  // left the window while being added
      entry->state = TorrentEntry::State::removing;
      session_.get().remove_torrent(entry->handle);
      return;
    }
    entry->state = TorrentEntry::State::live;
    ++live_;
    return;
  }
  if (const auto* removed = lt::alert_cast<lt::torrent_removed_alert>(&alert)) {
    std::string ih = infohash_hex(removed->info_hashes);
    TorrentEntry* entry = find(ih);
    if (entry == nullptr || entry->state != TorrentEntry::State::removing) return;
    ++removed_;
    store_.remove(ih, entry->name);
    forget(ih);
    return;
  }
  if (const auto* update = lt::alert_cast<lt::state_update_alert>(&alert)) {
    for (const auto& status : update->status) {
      TorrentEntry* entry = find(infohash_hex(status.info_hashes));
      if (entry == nullptr) continue;
      entry->uploaded = status.total_payload_upload;
      entry->downloaded = status.total_payload_download;
      entry->upload_rate = status.upload_payload_rate;
      entry->peers = status.num_peers;
    }
    return;
  }
  if (const auto* tracker = lt::alert_cast<lt::tracker_error_alert>(&alert)) {
    ++errors_.tracker;
    const TorrentEntry* entry = find(key_of(tracker->handle));
    std::string reason = tracker->failure_reason();
    // A tracker that is down fails for every torrent on every retry: say so
    // on the 1st, 2nd, 4th, 8th... failure in a row, not each time.
    const int in_row = tracker->times_in_row;
    const auto level = (in_row & (in_row - 1)) == 0 ? log::Level::warning : log::Level::debug;
    log::write(level, std::string("tracker ") + tracker->tracker_url() + " failed for " +
                 (entry ? entry->segment : tracker->torrent_name()) + ": " + tracker->error.message() +
                 (reason.empty() ? "" : " (" + reason + ")") + " (" + std::to_string(tracker->times_in_row) +
                 " in a row); check that the tracker is up and reachable — seeding goes on");
    return;
  }
  if (const auto* failed = lt::alert_cast<lt::torrent_error_alert>(&alert)) {
    ++errors_.torrent;
    const TorrentEntry* entry = find(key_of(failed->handle));
    log::error("torrent of " + (entry ? entry->segment : std::string(failed->torrent_name())) + " failed: " +
               failed->error.message() + " (" + failed->filename() + "); it stops seeding, the pipeline goes on");
    return;
  }
  if (const auto* file = lt::alert_cast<lt::file_error_alert>(&alert)) {
    ++errors_.torrent;
    const TorrentEntry* entry = find(key_of(file->handle));
    log::error(std::string("file error on ") + file->filename() + " (" +
               (entry ? entry->segment : std::string(file->torrent_name())) + "): " + file->error.message() +
               " during " + lt::operation_name(file->op) + "; check the store directory " + store_.root().string());
    return;
  }
  if (const auto* bad_piece = lt::alert_cast<lt::hash_failed_alert>(&alert)) {
    ++errors_.torrent;
    const TorrentEntry* entry = find(key_of(bad_piece->handle));
    log::warning("piece " + std::to_string(static_cast<int>(bad_piece->piece_index)) + " of " +
                 (entry ? entry->segment : std::string(bad_piece->torrent_name())) +
                 " failed its hash check; it is fetched again");
    return;
  }
  if (const auto* web_seed = lt::alert_cast<lt::url_seed_alert>(&alert)) {
    ++errors_.web_seed;
    const TorrentEntry* entry = find(key_of(web_seed->handle));
    log::warning(std::string("web seed ") + web_seed->server_url() + " failed for " +
                 (entry ? entry->segment : std::string(web_seed->torrent_name())) + ": " + web_seed->error.message() +
                 " " + web_seed->error_message() + "; peers remain the source");
    return;
  }
  if (const auto* dropped = lt::alert_cast<lt::alerts_dropped_alert>(&alert)) {
    errors_.alerts_dropped += dropped->dropped_alerts.count();
    log::warning("libtorrent's alert queue overflowed: " + std::to_string(dropped->dropped_alerts.count()) +
                 " kinds of alert were dropped (" + dropped->message() +
                 "); raise --alert-queue-size if this repeats");
    return;
  }
  if (const auto* listening = lt::alert_cast<lt::listen_succeeded_alert>(&alert)) {
    if (listening->socket_type == lt::socket_type_t::tcp) {
      listen_port_ = listening->port;
      log::info("listening on " + listening->address.to_string() + ":" + std::to_string(listening->port) + " (TCP and uTP)",
                {{"port", listening->port}});
    }
    return;
  }
  if (const auto* not_listening = lt::alert_cast<lt::listen_failed_alert>(&alert)) {
    log::warning(std::string("cannot listen on ") + not_listening->listen_interface() + ": " +
                 not_listening->error.message() + "; pick a free port with --listen");
    return;
  }
  if (const auto* finished = lt::alert_cast<lt::torrent_finished_alert>(&alert)) {
    if (TorrentEntry* entry = find(key_of(finished->handle))) entry->finished = true;
    return;
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

}  // namespace torrentseed
