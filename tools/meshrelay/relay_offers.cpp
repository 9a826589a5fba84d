// The relay's own offers, for trackers that relay each offer to a random
// peer (bittorrent-tracker, wt-tracker): in a big swarm they rarely pick the
// relay, so the relay reaches viewers as a WebTorrent client does, with
// --offers offers in each announce. Each is a webrtcbin offer with a data
// channel, sent once every candidate is gathered (the protocol relays no
// trickle); the browser's answer comes back through the tracker with the
// offer_id, and the peer then runs like one that offered.
#include <algorithm>

#include "common/log.hpp"
#include "tools/meshrelay/relay.hpp"

namespace hlsmesh::meshrelay {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {
// An announce waits this long at most for its offers' candidates.
constexpr auto gathering_limit = std::chrono::seconds(10);
}  // namespace

// --offers at most, within --max-peers with the offers pending, and no more
// than the tracker counts other peers not yet connected to the relay: an
// offer the tracker has nobody to give to is a pipeline for nothing. While
// the tracker has not said, none on a first announce (its reply will say).
std::size_t Relay::offers_wanted(std::size_t tracker, std::size_t swarm, bool first) const {
  if (options_.offers <= 0 || !trackers_[tracker]->connected()) return 0;
  const auto pending = own_offers_.pending();
  const auto connected = peers_.size() > pending ? peers_.size() - pending : 0;
  auto n = own_offers_.room(static_cast<std::size_t>(options_.offers), connected,
                            static_cast<std::size_t>(options_.max_peers));
  const auto& others = swarms_[swarm].others;
  auto it = others.find(tracker);
  if (it == others.end() && first) return 0;
  if (it != others.end()) {
    std::uint64_t taken = 0;  // served, or with an offer of the relay's out there
    for (const auto& [id, peer] : peers_) {
      taken += peer.swarm == swarm && !peer.dropping && (!peer.awaiting_answer || peer.tracker == tracker);
    }
    n = std::min<std::uint64_t>(n, it->second > taken ? it->second - taken : 0);
  }
  return n;
}

void Relay::announce(std::size_t tracker, Swarm& swarm, bool started) {
  const auto index = static_cast<std::size_t>(&swarm - swarms_.data());
  const auto n = offers_wanted(tracker, index, started);
  if (n == 0) return send_announce(tracker, swarm, started, json::array());
  swarm.offered[tracker] = Clock::now();
  const auto batch = next_batch_++;
  batches_[batch] = OfferBatch{tracker, index, started, {}, json::array(), Clock::now()};
  for (std::size_t k = 0; k < n; ++k) make_offer(batch, tracker, index);
}

// An announce reply: how many peers the tracker holds in the swarm. When the
// relay has offers to make there and none out, it makes them now rather than
// an announce interval later (a new swarm's first announce goes without);
// not twice within the shortest offer timeout, should offers keep failing.
void Relay::note_swarm_size(std::size_t tracker, const json& message) {
  const auto hash = message.find("info_hash");
  if (hash == message.end() || !hash->is_string()) return;
  auto swarm = std::find_if(swarms_.begin(), swarms_.end(), [&](const Swarm& s) { return s.info_hash == *hash; });
  if (swarm == swarms_.end()) return;
  std::uint64_t total = 0;
  for (const char* field : {"complete", "incomplete"}) {
    auto it = message.find(field);
    if (it != message.end() && it->is_number_unsigned()) total += it->get<std::uint64_t>();
  }
  swarm->others[tracker] = total > 0 ? total - 1 : 0;  // less the relay
  const auto index = static_cast<std::size_t>(swarm - swarms_.begin());
  const bool out = std::any_of(peers_.begin(), peers_.end(), [&](const auto& p) {
    return p.second.awaiting_answer && p.second.swarm == index && p.second.tracker == tracker;
  });
  const auto last = swarm->offered.find(tracker);
  if (last != swarm->offered.end() && Clock::now() - last->second < std::chrono::seconds(15)) return;
  if (!out && offers_wanted(tracker, index, false) > 0) announce(tracker, *swarm, false);
}

void Relay::make_offer(std::uint64_t batch, std::size_t tracker, std::size_t swarm) {
  const auto id = next_peer_++;
  const auto offer_id = own_offers_.add({id, swarm, tracker, Clock::now()});
  batches_[batch].waiting.push_back(offer_id);
  auto events = events_for(id);
  events.on_offer = [this, batch, offer_id](const std::string& sdp) { offer_ready(batch, offer_id, &sdp); };
  Peer peer;
  peer.swarm = swarm;
  peer.tracker = tracker;
  peer.since = Clock::now();
  peer.own_offer = true;
  peer.awaiting_answer = true;
  peer.offer_id = offer_id;
  peer.batch = batch;
  peer.connection = factory_.offer(std::move(events));
  peer.session = session_for(id, *peer.connection, swarm);
  peers_.emplace(id, std::move(peer));
}

// `sdp` null: that offer failed before it was ready; the announce goes without it.
void Relay::offer_ready(std::uint64_t batch, const std::string& offer_id, const std::string* sdp) {
  auto it = batches_.find(batch);
  if (it == batches_.end()) return;
  auto& b = it->second;
  std::erase(b.waiting, offer_id);
  if (sdp) b.offers.push_back({{"offer", {{"type", "offer"}, {"sdp", *sdp}}}, {"offer_id", offer_id}});
  if (b.waiting.empty()) flush(batch);
}

void Relay::flush(std::uint64_t batch) {
  auto it = batches_.find(batch);
  if (it == batches_.end()) return;
  auto b = std::move(it->second);
  batches_.erase(it);
  log::debug("announcing " + std::to_string(b.offers.size()) + " offer(s) of the relay's own in swarm " +
             swarms_[b.swarm].id);
  if (b.tracker < trackers_.size()) send_announce(b.tracker, swarms_[b.swarm], b.started, std::move(b.offers));
}

void Relay::take_answer(std::size_t tracker, const json& message) {
  auto answer = own_offers_.match(message, tracker);
  if (!answer) {
    log::debug("tracker " + trackers_[tracker]->url() + " sent an answer to no offer pending here; ignored");
    return;
  }
  auto it = peers_.find(answer->offer.peer);
  if (it == peers_.end() || it->second.dropping) return;
  auto& peer = it->second;
  const bool twice = std::any_of(peers_.begin(), peers_.end(), [&](const auto& other) {
    return other.first != it->first && !other.second.dropping && other.second.swarm == peer.swarm &&
           other.second.remote_id == answer->remote_id;
  });
  if (twice) return discard(it->first, "answered by " + answer->remote_id + ", already connected");
  if (is_relay_peer_id(answer->remote_id)) return discard(it->first, "answered by another relay, " + answer->remote_id);
  peer.remote_id = answer->remote_id;
  peer.awaiting_answer = false;
  peer.since = Clock::now();
  log::info("peer " + peer.remote_id + " answered the relay's offer in swarm " + swarms_[peer.swarm].id,
            {{"peer_id", peer.remote_id}});
  peer.connection->accept_answer(answer->sdp);
}

void Relay::offers_tick(Clock::time_point now) {
  for (auto id : own_offers_.expire(now)) discard(id, "unanswered");
  std::vector<std::uint64_t> late;
  for (const auto& [batch, b] : batches_) {
    if (now - b.since > gathering_limit) late.push_back(batch);
  }
  for (auto batch : late) {
    for (auto& [id, peer] : peers_) {
      if (peer.batch != batch || !peer.awaiting_answer || peer.dropping) continue;
      if (std::find(batches_[batch].waiting.begin(), batches_[batch].waiting.end(), peer.offer_id) ==
          batches_[batch].waiting.end())
        continue;
      own_offers_.forget(id);
      discard(id, "its candidates took over 10 s");
    }
    flush(batch);
  }
}

void Relay::offer_gone(std::uint64_t id) {
  own_offers_.forget(id);
  auto it = peers_.find(id);
  if (it != peers_.end()) offer_ready(it->second.batch, it->second.offer_id, nullptr);
}

void Relay::discard(std::uint64_t id, const std::string& why) {
  auto it = peers_.find(id);
  if (it == peers_.end() || it->second.dropping) return;
  it->second.dropping = true;
  log::debug("own offer " + it->second.offer_id + " closed: " + why);
  post([this, id] { peers_.erase(id); });
}

}  // namespace hlsmesh::meshrelay
