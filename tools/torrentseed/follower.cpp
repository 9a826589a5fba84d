#include "tools/torrentseed/follower.hpp"

#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/torrent_flags.hpp>
#include <libtorrent/torrent_info.hpp>

#include <filesystem>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time_util.hpp"
#include "tools/torrentseed/torrent_maker.hpp"

namespace torrentseed {

namespace log = hlsmesh::log;
using hlsmesh::Json;

namespace {

std::string string_field(const Json& event, const char* name) {
  auto it = event.find(name);
  return it != event.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool is_ws_url(const std::string& url) { return url.rfind("ws://", 0) == 0 || url.rfind("wss://", 0) == 0; }

// libtorrent 2.0.8 cannot announce to ws(s) trackers: keep only the others.
void drop_ws_trackers(lt::add_torrent_params& params) {
  std::vector<std::string> trackers;
  std::vector<int> tiers;
  for (std::size_t i = 0; i < params.trackers.size(); ++i) {
    if (is_ws_url(params.trackers[i])) continue;
    trackers.push_back(params.trackers[i]);
    tiers.push_back(i < params.tracker_tiers.size() ? params.tracker_tiers[i] : 0);
  }
  params.trackers = std::move(trackers);
  params.tracker_tiers = std::move(tiers);
}

}  // namespace

Follower::Follower(Parts parts) : Mode(parts) {
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
    release_all(parts_.window.expire(event));
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
      for (const auto& tracker : params.ti->trackers()) {
        if (!is_ws_url(tracker.url)) params.trackers.push_back(tracker.url);
      }
      params.ti->clear_trackers();  // re-added from params.trackers, ws(s) ones left out
    } else {
      params = lt::parse_magnet_uri(magnet.empty() ? "magnet:?xt=urn:btih:" + ih : magnet);
      drop_ws_trackers(params);
    }
  } catch (const std::exception& e) {
    ++parts_.torrents.errors().torrent;
    log::error("cannot follow segment " + segment + ": " + e.what() + "; skipped");
    return;
  }
  if (parts_.options.no_web_seed) params.url_seeds.clear();
  std::string key = infohash_hex(params.ti ? params.ti->info_hashes() : params.info_hashes);
  if (key.empty()) {
    ++parts_.torrents.errors().torrent;
    log::error("cannot follow segment " + segment + ": its torrent has no v1 infohash; skipped");
    return;
  }
  if (parts_.torrents.find(key) != nullptr) {
    log::debug("segment " + segment + " (" + key + ") is already followed");
    return;
  }
  if (segment.empty()) segment = key;
  std::string name = params.ti ? params.ti->name() : params.name;

  params.save_path = parts_.store.dir_for(key).string();
  // Not paused, not auto-managed: start at once; keeps seeding when finished.
  params.flags = lt::torrent_flags::update_subscribe;
  parts_.store.claim(key);
  parts_.torrents.adding(params.ti ? params.ti->info_hashes() : params.info_hashes, name, segment);
  parts_.torrents.retain(key);
  parts_.session.get().async_add_torrent(std::move(params));
  release_all(parts_.window.push(event, key));

  ++followed_;
  std::int64_t now = hlsmesh::monotonic_ms();
  pending_[key] = Pending{segment, now, now};
  parts_.output.push(std::move(event), key);
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
  if (const auto* finished = lt::alert_cast<lt::torrent_finished_alert>(&alert)) {
    std::string ih = infohash_hex(finished->handle.info_hashes());
    if (pending_.count(ih)) complete(ih, finished->handle);
  }
}

void Follower::complete(const std::string& ih, const lt::torrent_handle& handle) {
  auto info = handle.torrent_file();  // one blocking call per segment, once it is complete
  TorrentEntry* entry = parts_.torrents.find(ih);
  std::string name = info ? info->name() : (entry ? entry->name : std::string());
  if (entry != nullptr) entry->name = name;
  std::filesystem::path local = parts_.store.dir_for(ih) / name;
  std::int64_t took = hlsmesh::monotonic_ms() - pending_[ih].started_ms;
  pending_.erase(ih);
  ++completed_;
  download_ms_total_ += static_cast<std::uint64_t>(took);
  std::int64_t bytes = info ? info->total_size() : 0;
  parts_.output.resolve(ih, [&](Json& event) {
    if (event.contains("path")) event["source_path"] = event["path"];
    event["path"] = local.string();
    event["bytes"] = bytes;
    event["download_ms"] = took;
    return true;
  });
  log::debug("segment " + name + " complete in " + std::to_string(took) + " ms");
}

void Follower::give_up(const std::string& ih, const std::string& why) {
  auto it = pending_.find(ih);
  if (it == pending_.end()) return;
  log::warning("segment " + it->second.segment + " (" + ih + ") skipped: " + why);
  pending_.erase(it);
  parts_.output.resolve(ih, [](Json&) { return false; });
}

void Follower::on_tick(std::int64_t now_ms) {
  const auto timeout_ms = static_cast<std::int64_t>(parts_.options.download_timeout * 1000);
  std::vector<std::string> expired;
  std::vector<std::string> finished;
  for (auto& [ih, pending] : pending_) {
    const TorrentEntry* entry = parts_.torrents.find(ih);
    // Complete by the state updates though its torrent_finished_alert was dropped.
    if (entry != nullptr && entry->state == TorrentEntry::State::live && entry->finished) {
      finished.push_back(ih);
      continue;
    }
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
  for (const auto& ih : finished) complete(ih, parts_.torrents.find(ih)->handle);
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
  stats["download_ms_avg"] =
      completed_ ? static_cast<double>(download_ms_total_) / static_cast<double>(completed_) : 0.0;
}

}  // namespace torrentseed
