#include "tools/meshrelay/relay.hpp"

#include <algorithm>

#include "common/events.hpp"
#include "common/log.hpp"
#include "common/time_util.hpp"

namespace hlsmesh::meshrelay {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {
// One announce interval, the next bringing fresh offers, but within 15 s
// (simple-peer answers only when its ICE gathering ends, after 5 s at most)
// and 50 s (a WebTorrent client's own offers' timeout).
std::chrono::milliseconds offer_timeout(const Options& options) {
  return std::chrono::milliseconds(static_cast<long>(std::clamp(options.announce_interval, 15.0, 50.0) * 1000));
}
}  // namespace

Relay::Relay(const Options& options, PeerConnectionFactory& factory)
    : options_(options), factory_(factory),
      window_(static_cast<std::size_t>(options.memory_mib) << 20, static_cast<std::size_t>(options.window)),
      budget_(options.max_upload_mbps * 1e6 / 8),
      own_offers_(offer_timeout(options)), retry_([this] { pump_all(); }) {}

Relay::~Relay() {
  peers_.clear();  // pipelines down before the trackers go
  trackers_.clear();
}

void Relay::connect_trackers() {
  for (std::size_t k = 0; k < options_.trackers.size(); ++k) {
    trackers_.push_back(std::make_unique<TrackerClient>(
        options_.trackers[k],
        TrackerClient::Handlers{[this, k] { post([this, k] { tracker_connected(k); }); },
                                [this, k](std::string text) {
                                  post([this, k, text = std::move(text)] { tracker_message(k, text); });
                                }}));
  }
}

Swarm& Relay::swarm_for(int stream, const LevelInfo& level, P2pmlRelease release) {
  for (auto& s : swarms_) {
    if (s.stream == stream && s.release == release) return s;
  }
  Swarm s;
  s.stream = stream;
  s.release = release;
  // www/report.js renditionName: hls.js' level name, else its height, else its index.
  s.rendition = !level.name.empty() ? level.name
                : level.height    ? std::to_string(*level.height) + "p"
                                  : std::to_string(stream);
  s.id = stream_swarm_id(options_.effective_swarm_id(), level.type,
                         stream_index(release, level, level.position, options_.level_bitrate));
  s.info_hash = info_hash(s.id, release);
  s.peer_id = make_peer_id();
  for (const auto& other : swarms_) {
    if (other.id == s.id)
      log::warning("renditions " + std::to_string(other.stream) + " and " + std::to_string(stream) + " share swarm " +
                   s.id + ": p2p-media-loader " + std::string(release_name(release)) +
                   " names them alike, so their viewers trade each other's segments — give them different "
                   "BANDWIDTH or RESOLUTION in the master");
  }
  log::info("joining swarm " + s.id + " (p2p-media-loader " + std::string(release_name(release)) + ", info_hash " +
            s.info_hash + ")");
  swarms_.push_back(std::move(s));
  for (std::size_t t = 0; t < trackers_.size(); ++t) announce(t, swarms_.back(), true);
  return swarms_.back();
}

void Relay::send_announce(std::size_t tracker, const Swarm& swarm, bool started, json offers) {
  json message = {{"action", "announce"}, {"info_hash", swarm.info_hash}, {"peer_id", swarm.peer_id},
                  {"numwant", offers.size()}, {"uploaded", swarm.bytes}, {"downloaded", 0},
                  {"left", 0},            {"offers", std::move(offers)}};
  if (started) message["event"] = "started";
  if (!options_.relay_token.empty()) message["relay_token"] = options_.relay_token;
  trackers_[tracker]->send(message.dump());
}

void Relay::add_segment(FetchedSegment segment) {
  for (auto release : options_.releases) swarm_for(segment.stream, segment.level, release);
  if (!window_.add(segment.stream, segment.msn, segment.data)) return;
  std::size_t told = 0;
  for (auto& [id, peer] : peers_) {
    if (peer.open && !peer.dropping && swarms_[peer.swarm].stream == segment.stream) {
      peer.session->announce();
      ++told;
    }
  }
  log::debug("holding segment " + std::to_string(segment.msn) + " of rendition " + std::to_string(segment.stream) +
                 ", announced to " + std::to_string(told) + " peer(s)",
             {{"msn", segment.msn}, {"rendition", segment.stream}, {"peers", told}});
}

void Relay::tracker_connected(std::size_t tracker) {
  for (auto& s : swarms_) announce(tracker, s, true);
}

void Relay::tracker_message(std::size_t tracker, const std::string& text) {
  json message = json::parse(text, nullptr, false);
  if (!message.is_object()) {
    log::warning("tracker " + trackers_[tracker]->url() + " sent a message that is not a JSON object; ignored");
    return;
  }
  if (message.contains("failure reason")) {
    log::warning("tracker " + trackers_[tracker]->url() + " refused an announce: " +
                 message["failure reason"].dump());
    return;
  }
  if (message.contains("complete") || message.contains("incomplete")) note_swarm_size(tracker, message);
  if (message.contains("answer")) return take_answer(tracker, message);  // to an offer of the relay's own
  if (!message.contains("offer") || !message["offer"].is_object()) return;  // announce replies
  const auto hash = message.value("info_hash", std::string());
  for (std::size_t s = 0; s < swarms_.size(); ++s) {
    if (swarms_[s].info_hash == hash) return answer_offer(tracker, s, message);
  }
}

void Relay::answer_offer(std::size_t tracker, std::size_t swarm, const json& message) {
  const auto remote = message.value("peer_id", std::string());
  const auto offer_id = message.value("offer_id", std::string());
  const auto sdp = message["offer"].value("sdp", std::string());
  if (remote.empty() || offer_id.empty() || sdp.empty()) return;
  if (is_relay_peer_id(remote)) return log::debug("offer from another relay, " + remote + ": not answered");
  ++swarms_[swarm].offers;
  for (const auto& [id, peer] : peers_) {
    if (peer.swarm == swarm && peer.remote_id == remote && peer.open) return;  // already serving it
  }
  if (peers_.size() >= static_cast<std::size_t>(options_.max_peers)) {
    ++drops_.refused_full;
    return;
  }
  const auto id = next_peer_++;
  auto events = events_for(id);
  events.on_answer = [this, tracker, swarm, remote, offer_id](const std::string& answer_sdp) {
    json reply = {{"action", "announce"},
                  {"info_hash", swarms_[swarm].info_hash},
                  {"peer_id", swarms_[swarm].peer_id},
                  {"to_peer_id", remote},
                  {"answer", {{"type", "answer"}, {"sdp", answer_sdp}}},
                  {"offer_id", offer_id}};
    std::size_t candidates = 0;
    for (std::size_t at = answer_sdp.find("a=candidate"); at != std::string::npos;
         at = answer_sdp.find("a=candidate", at + 1)) {
      ++candidates;
    }
    log::debug("answering " + remote + " with " + std::to_string(candidates) + " candidate(s)",
               {{"peer_id", remote}});
    if (tracker < trackers_.size()) trackers_[tracker]->send(reply.dump());
  };
  Peer peer;
  peer.remote_id = remote;
  peer.swarm = swarm;
  peer.tracker = tracker;
  peer.since = Clock::now();
  peer.connection = factory_.answer(sdp, std::move(events));
  peer.session = session_for(id, *peer.connection, swarm);
  peers_.emplace(id, std::move(peer));
}

std::unique_ptr<PeerSession> Relay::session_for(std::uint64_t id, PeerConnection& connection, std::size_t swarm) {
  return std::make_unique<PeerSession>(
      connection, window_, swarms_[swarm].stream, options_.session_limits(), budget_,
      PeerSession::Hooks{[this] {
                           if (!retry_.armed()) retry_.arm(std::chrono::milliseconds(20));
                         },
                         [this, id](const std::string& reason) { drop(id, reason); }});
}

PeerEvents Relay::events_for(std::uint64_t id) {
  PeerEvents e;
  e.on_open = [this, id] {
    auto it = peers_.find(id);
    if (it == peers_.end() || it->second.open) return;
    it->second.open = true;
    ++peers_served_;
    log::info("peer " + it->second.remote_id + " connected in swarm " + swarms_[it->second.swarm].id +
              (it->second.own_offer ? " (it answered the relay's offer)" : ""));
    it->second.session->announce();
  };
  e.on_message = [this, id](std::string message) {
    auto it = peers_.find(id);
    if (it != peers_.end() && !it->second.dropping) it->second.session->received(message);
  };
  e.on_buffered_low = [this, id] {
    auto it = peers_.find(id);
    if (it != peers_.end() && !it->second.dropping) it->second.session->pump();
  };
  e.on_closed = [this, id](const std::string& reason) { drop(id, reason); };
  return e;
}

void Relay::count(Peer& peer) {
  const auto sent = peer.session->stats().bytes_sent;
  const auto delta = sent - peer.counted;
  peer.counted = sent;
  swarms_[peer.swarm].bytes += delta;
  bytes_served_total_ += delta;
  if (delta) bytes_by_remote_[peer.remote_id] += delta;
}

void Relay::drop(std::uint64_t id, const std::string& reason) {
  auto it = peers_.find(id);
  if (it == peers_.end() || it->second.dropping) return;
  auto& peer = it->second;
  peer.dropping = true;
  if (peer.awaiting_answer) offer_gone(id);
  count(peer);
  if (reason.starts_with("flood")) ++drops_.flood;
  else if (reason.starts_with("malformed")) ++drops_.malformed;
  else if (reason.starts_with("not-reading")) ++drops_.not_reading;
  else if (!peer.open) ++drops_.failed;
  else ++drops_.closed;
  const auto level = reason.starts_with("flood") || reason.starts_with("malformed") || reason.starts_with("not-reading")
                         ? log::Level::warning
                         : log::Level::info;
  log::write(level, "peer " + peer.remote_id + " dropped: " + reason, {{"peer_id", peer.remote_id}});
  // Not from inside its own callback: the connection is torn down on the next turn of the loop.
  post([this, id] { peers_.erase(id); });
}

void Relay::pump_all() {
  for (auto& [id, peer] : peers_) {
    if (peer.open && !peer.dropping) peer.session->pump();
  }
}

void Relay::tick() {
  const auto now = Clock::now();
  for (auto& [id, peer] : peers_) {
    if (peer.dropping || peer.awaiting_answer) continue;
    if (!peer.open && now - peer.since > std::chrono::seconds(30)) {
      drop(id, "no data channel 30 s after the answer");
      continue;
    }
    peer.session->tick(now);
    count(peer);
  }
  offers_tick(now);
  if (now - last_announce_ > std::chrono::duration<double>(options_.announce_interval)) {
    last_announce_ = now;
    for (std::size_t t = 0; t < trackers_.size(); ++t) {
      for (auto& s : swarms_) announce(t, s, false);
    }
  }
}

json Relay::report() {
  for (auto& [id, peer] : peers_) {
    if (!peer.dropping) count(peer);
  }
  json streams = json::array();
  for (const auto& s : swarms_) {
    std::size_t peers = 0;
    std::uint64_t requests = 0, absent = 0, segments = 0;
    for (const auto& [id, peer] : peers_) {
      if (peer.swarm != static_cast<std::size_t>(&s - swarms_.data())) continue;
      peers += peer.open ? 1 : 0;
      requests += peer.session->stats().requests;
      absent += peer.session->stats().absent;
      segments += peer.session->stats().segments_sent;
    }
    streams.push_back({{"swarm", s.id}, {"rendition", s.stream}, {"p2pml", release_name(s.release)},
                       {"info_hash", s.info_hash}, {"peers", peers}, {"bytes_served", s.bytes},
                       {"offers", s.offers}, {"segments_held", window_.ids(s.stream).size()},
                       {"requests", requests}, {"absent", absent}, {"segments_served", segments}});
  }
  json by_peer = json::object();
  for (const auto& [remote, bytes] : bytes_by_remote_) by_peer[remote] = bytes;
  bytes_by_remote_.clear();
  json event = hlsmesh::events::make("relay");
  event["time"] = hlsmesh::format_iso8601_ms(std::chrono::system_clock::now());
  event["peers"] = std::count_if(peers_.begin(), peers_.end(), [](const auto& p) { return p.second.open; });
  event["peers_served"] = peers_served_;
  event["bytes_served"] = bytes_served_total_;
  event["bytes_by_peer"] = by_peer;
  event["streams"] = streams;
  event["own_offers"] = own_offers_.report();
  event["window_bytes"] = window_.bytes();
  event["window_segments"] = window_.count();
  event["dropped"] = {{"flood", drops_.flood},           {"malformed", drops_.malformed},
                      {"not_reading", drops_.not_reading}, {"refused_full", drops_.refused_full},
                      {"failed", drops_.failed},         {"closed", drops_.closed}};
  return event;
}


json Relay::contribution(const std::string& relay_id, std::uint64_t seq) const {
  std::map<std::string, std::pair<std::uint64_t, std::size_t>> by_rendition;  // bytes, open peers
  for (std::size_t i = 0; i < swarms_.size(); ++i) {
    auto& row = by_rendition[swarms_[i].rendition];
    row.first += swarms_[i].bytes;
    for (const auto& [id, peer] : peers_) row.second += peer.swarm == i && peer.open ? 1 : 0;
  }
  json streams = json::array();
  // Cut as the page cuts them (www/report.js), so both land in one series.
  const std::string stream = options_.effective_swarm_id().substr(0, 256);
  for (const auto& [rendition, row] : by_rendition)
    streams.push_back(
        {{"stream", stream}, {"rendition", rendition.substr(0, 64)}, {"bytes", row.first}, {"peers", row.second}});
  return {{"v", 1}, {"relay", relay_id}, {"seq", seq}, {"streams", streams}};
}

}  // namespace hlsmesh::meshrelay
