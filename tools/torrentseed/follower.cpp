#include "tools/torrentseed/follower.hpp"

#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/torrent_flags.hpp>
#include <libtorrent/torrent_info.hpp>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "common/error.hpp"
#include "common/events.hpp"
#include "common/log.hpp"
#include "common/refusal.hpp"
#include "common/time_util.hpp"
#include "tools/torrentseed/torrent_maker.hpp"

namespace hlsmesh::torrentseed {

namespace log = hlsmesh::log;
using hlsmesh::Json;

namespace {

std::string string_field(const Json& event, const char* name) {
  return events::string_field(event, name).value_or("");
}

bool is_ws_url(const std::string& url) { return url.rfind("ws://", 0) == 0 || url.rfind("wss://", 0) == 0; }

// The trackers a followed torrent announces to: its own http(s)/udp ones
// (libtorrent 2.0.8 cannot announce to ws(s)), then --tracker, so that the
// relay is found as a seed on the trackers its operator names too.
void set_trackers(lt::add_torrent_params& params, const std::vector<std::string>& extra) {
  std::vector<std::string> urls;
  std::vector<int> tiers;
  auto add = [&](const std::string& url, int tier) {
    if (url.empty() || is_ws_url(url) || std::find(urls.begin(), urls.end(), url) != urls.end()) return;
    urls.push_back(url);
    tiers.push_back(tier);
  };
  if (params.ti) {
    for (const auto& tracker : params.ti->trackers()) add(tracker.url, tracker.tier);
    params.ti->clear_trackers();  // re-added from params.trackers, ws(s) ones left out
  }
  for (std::size_t i = 0; i < params.trackers.size(); ++i) {
    add(params.trackers[i], i < params.tracker_tiers.size() ? params.tracker_tiers[i] : 0);
  }
  const int extra_tier = tiers.empty() ? 0 : *std::max_element(tiers.begin(), tiers.end()) + 1;
  for (const auto& url : extra) add(url, extra_tier);
  params.trackers = std::move(urls);
  params.tracker_tiers = std::move(tiers);
}

// A state update normally brings a finished magnet's size within a second;
// past this its alert was lost (a full queue) and the size is asked for.
constexpr std::int64_t status_wait_ms = 3000;

}  // namespace

std::size_t Follower::recent_capacity(int keep) {
  return std::max<std::size_t>(4 * static_cast<std::size_t>(keep > 0 ? keep : 1), 256);
}

Follower::Follower(Parts parts) : Mode(parts), recent_(recent_capacity(parts.options.keep)) {
  for (const auto& peer : parts_.options.peers) {
    auto colon = peer.rfind(':');
    std::string host = peer.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(host, ec);
    int port = std::atoi(peer.c_str() + colon + 1);
    if (ec || port <= 0 || port > 65535) {
      throw hlsmesh::Error(hlsmesh::Exit::usage,
                           "--peer " + peer + ": expected a numeric IP and port, e.g. 192.0.2.7:6881 or [2001:db8::7]:6881");
    }
    peers_.emplace_back(address, static_cast<unsigned short>(port));
  }
}

void Follower::on_event(Json&& event) {
  const std::string& kind = event["event"].get_ref<const std::string&>();
  if (kind == "expire") {
    leave(parts_.window.expire(event));
    return;
  }
  if (kind != "segment") return;  // the origin's other events stay on the origin
  follow(event);
}

void Follower::follow(Json& event) {
  std::string magnet = string_field(event, "magnet");
  std::string torrent_b64 = string_field(event, "torrent");
  std::string ih = string_field(event, "infohash");
  if (magnet.empty() && torrent_b64.empty() && !is_infohash(ih)) {
    log::debug("segment event without magnet, torrent or infohash skipped (is torrentseed running upstream?)");
    return;
  }
  std::string segment = string_field(event, "url");
  if (segment.empty()) segment = string_field(event, "path");

  lt::add_torrent_params params;
  try {
    if (!torrent_b64.empty()) {
      auto bytes = base64_decode(torrent_b64);
      if (!bytes) throw std::runtime_error("field `torrent` is not valid base64");
      params.ti = std::make_shared<lt::torrent_info>(*bytes, lt::from_span);
      if (parts_.options.no_web_seed) params.ti->set_web_seeds({});
    } else {
      params = lt::parse_magnet_uri(magnet.empty() ? "magnet:?xt=urn:btih:" + ih : magnet);
    }
  } catch (const std::exception& e) {
    ++parts_.torrents.errors().torrent;
    hlsmesh::Refusal{"cannot follow segment " + segment, e.what(), "skipped"}.log();
    return;
  }
  if (parts_.options.no_web_seed) params.url_seeds.clear();
  std::string key = infohash_hex(params.ti ? params.ti->info_hashes() : params.info_hashes);
  if (key.empty()) {
    ++parts_.torrents.errors().torrent;
    hlsmesh::Refusal{"cannot follow segment " + segment, "its torrent has no v1 infohash", "skipped"}.log();
    return;
  }
  if (segment.empty()) segment = key;
  // sigd replays its last segment events to each new subscriber: after a feed
  // reconnect they come again, also those already evicted here.
  if (recent_.contains(key) || parts_.torrents.find(key) != nullptr) {
    ++repeats_;
    log::debug("segment " + segment + " (" + key + ") was already followed; the repeat is skipped");
    return;
  }
  recent_.insert(key);
  set_trackers(params, parts_.options.trackers);
  std::string name = params.ti ? params.ti->name() : params.name;
  const std::int64_t size = params.ti ? params.ti->total_size() : 0;  // a magnet's comes with its metadata

  params.save_path = parts_.store.dir_for(key).string();
  // Not paused, not auto-managed: start at once; keeps seeding when finished.
  params.flags = lt::torrent_flags::update_subscribe;
  parts_.store.claim(key);
  parts_.torrents.adding(params.ti ? params.ti->info_hashes() : params.info_hashes, name, segment).size = size;
  parts_.torrents.retain(key);
  parts_.session.get().async_add_torrent(std::move(params));
  leave(parts_.window.push(event, key));

  ++followed_;
  std::int64_t now = hlsmesh::monotonic_ms();
  pending_[key] = Pending{segment, now, now};
  parts_.output.push(std::move(event), key);
}

void Follower::leave(const std::vector<WindowEntry>& entries) {
  release_all(entries);
  // One still downloading is given up now: left pending, its event would hold
  // every later one (seedstats too) back until --download-timeout.
  for (const auto& entry : entries) {
    if (pending_.count(entry.infohash) == 0) continue;
    ++abandoned_;
    give_up(entry.infohash, "it left the window (expire or --keep " + std::to_string(parts_.options.keep) +
                                ") before its download was complete; its event is dropped — if this repeats the "
                                "relay is too slow for the stream: check its peers, or allow the web seed");
  }
}

void Follower::connect_peers(const lt::torrent_handle& handle) {
  for (const auto& peer : peers_) handle.connect_peer(peer);
}

void Follower::on_added(const AddOutcome& outcome) {
  if (!pending_.count(outcome.infohash)) return;
  if (!outcome.error.empty()) {
    give_up(outcome.infohash, "libtorrent could not add it: " + outcome.error);
    return;
  }
  connect_peers(outcome.handle);
}

void Follower::on_alert(const lt::alert& alert) {
  // TorrentTable::handle() has marked the torrent finished or taken its size.
  if (lt::alert_cast<lt::torrent_finished_alert>(&alert) || lt::alert_cast<lt::state_update_alert>(&alert)) {
    complete_finished();
  }
}

void Follower::complete_finished() {
  const std::int64_t now = hlsmesh::monotonic_ms();
  std::vector<std::string> ready;
  bool ask = false;
  for (auto& [ih, pending] : pending_) {
    TorrentEntry* entry = parts_.torrents.find(ih);
    // Also when torrent_finished_alert was dropped: the state updates say so.
    if (entry == nullptr || entry->state != TorrentEntry::State::live || !entry->finished) continue;
    if (entry->size > 0 && !entry->name.empty()) {
      ready.push_back(ih);
    } else if (pending.asked_status_ms == 0) {
      // A magnet that finished before a state update brought its size and
      // name: ask for one now (asynchronous, unlike torrent_file()).
      pending.asked_status_ms = now;
      ask = true;
    } else if (now - pending.asked_status_ms > status_wait_ms) {
      // That update was lost to a full alert queue: ask the torrent itself.
      // Blocks on libtorrent's network thread: only in this rare case, and
      // at most once per status_wait_ms (then --download-timeout decides).
      pending.asked_status_ms = now;
      std::shared_ptr<const lt::torrent_info> info;
      try {
        info = entry->handle.torrent_file();
      } catch (const std::exception&) {  // the torrent went away meanwhile
      }
      if (info) {
        log::warning("segment " + pending.segment + " finished but no state update brought its size within " +
                     std::to_string(status_wait_ms / 1000) + " s (alerts dropped? raise --alert-queue-size); "
                     "taken from the torrent instead");
        entry->size = info->total_size();
        entry->name = info->name();
        ready.push_back(ih);
      }
    }
  }
  if (ask) parts_.session.get().post_torrent_updates();
  for (const auto& ih : ready) complete(ih, *parts_.torrents.find(ih));
}

void Follower::complete(const std::string& ih, const TorrentEntry& entry) {
  const std::filesystem::path local = parts_.store.dir_for(ih) / entry.name;
  const std::int64_t took = hlsmesh::monotonic_ms() - pending_[ih].started_ms;
  pending_.erase(ih);
  ++completed_;
  download_ms_total_ += static_cast<std::uint64_t>(took);
  parts_.output.resolve(ih, [&](Json& event) {
    if (event.contains("path")) event["source_path"] = event["path"];
    event["path"] = local.string();
    event["bytes"] = entry.size;
    event["download_ms"] = took;
    return true;
  });
  log::debug("segment " + entry.name + " complete in " + std::to_string(took) + " ms");
}

void Follower::give_up(const std::string& ih, const std::string& why) {
  auto it = pending_.find(ih);
  if (it == pending_.end()) return;
  log::warning("segment " + it->second.segment + " (" + ih + ") skipped: " + why);
  pending_.erase(it);
  parts_.output.resolve(ih, [](Json&) { return false; });
}

void Follower::on_tick(std::int64_t now_ms) {
  complete_finished();
  const auto timeout_ms = static_cast<std::int64_t>(parts_.options.download_timeout * 1000);
  std::vector<std::string> expired;
  for (auto& [ih, pending] : pending_) {
    const TorrentEntry* entry = parts_.torrents.find(ih);
    if (now_ms - pending.started_ms > timeout_ms) {
      expired.push_back(ih);
      continue;
    }
    // A seed that did not have the torrent yet when we first knocked: knock again.
    if (entry != nullptr && entry->state == TorrentEntry::State::live && entry->peers == 0 && !peers_.empty() &&
        now_ms - pending.last_connect_ms >= 2000) {
      pending.last_connect_ms = now_ms;
      connect_peers(entry->handle);
    }
  }
  for (const auto& ih : expired) {
    ++parts_.torrents.errors().timeout;
    give_up(ih, "not complete after --download-timeout " + std::to_string(parts_.options.download_timeout) +
                    " s" + (parts_.options.no_web_seed ? " (peers only: --no-web-seed)" : "") +
                    "; check that the origin seed or a tracker is reachable");
  }
}

void Follower::on_stop() {
  std::vector<std::string> left;
  for (const auto& [ih, pending] : pending_) left.push_back(ih);
  for (const auto& ih : left) parts_.output.resolve(ih, [](Json&) { return false; });
  pending_.clear();
}

void Follower::add_stats(Json& stats) const {
  stats["followed"] = followed_;
  stats["completed"] = completed_;
  stats["pending"] = pending_.size();
  stats["abandoned"] = abandoned_;
  stats["repeats"] = repeats_;
  stats["download_ms_avg"] =
      completed_ ? static_cast<double>(download_ms_total_) / static_cast<double>(completed_) : 0.0;
}

}  // namespace hlsmesh::torrentseed
