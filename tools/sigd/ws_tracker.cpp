// The WebTorrent tracker over WebSocket, as bittorrent-tracker speaks it:
// rate limit and parse each message, then announce (join or refresh the
// swarm, relay offers to random other peers, answers to their peer), stop,
// or scrape. Replies are written into one reused buffer, then queued.
#include <algorithm>

#include "common/log.hpp"
#include "common/time_util.hpp"
#include "tools/sigd/core/scrape.hpp"
#include "tools/sigd/server.hpp"

namespace hlsmesh::sigd {

namespace log = hlsmesh::log;

int Server::handle_tracker_message(Conn& c, std::string_view text) {
  if (!c.bucket.take(hlsmesh::monotonic_ms())) {
    // Dropped unread and unanswered: a reply would cost what the limit saves,
    // and could not name the info_hash the client listens for anyway.
    stats_.error(ErrorKind::rate);
    return ++c.bad_messages >= static_cast<uint32_t>(opt_.max_bad_messages) ? 1 : 0;
  }
  WsRequest req = parse_ws_message(text, static_cast<size_t>(opt_.max_offers), static_cast<size_t>(opt_.max_scrape));
  if (auto* err = std::get_if<ParseError>(&req)) {
    stats_.error(error_kind_from(err->kind));
    send_text(c, failure_message(*err));
    return ++c.bad_messages >= static_cast<uint32_t>(opt_.max_bad_messages) ? 1 : 0;
  }
  if (auto* a = std::get_if<AnnounceRequest>(&req)) handle_announce(c, *a);
  else handle_scrape(c, std::get<ScrapeRequest>(req));
  return 0;
}

void Server::handle_announce(Conn& c, AnnounceRequest& a) {
  if (!allow_.allows(a.info_hash)) {
    stats_.error(ErrorKind::not_allowed);
    send_text(c, failure_message({"info_hash is not allowed on this tracker", "not_allowed", "announce", a.info_hash}));
    return;
  }
  ++stats_.announces;
  ++stats_.ws_announces;

  if (a.event == AnnounceEvent::stopped) {
    if (registry_.remove(a.info_hash, a.peer_id, c.id)) drop_membership(c, a.info_hash, a.peer_id);
    relays_.remove(a.info_hash, a.peer_id);
    const Swarm* s = registry_.find(a.info_hash);
    scratch_.clear();
    append_announce_reply(scratch_, s ? s->complete : 0, s ? s->incomplete : 0, opt_.interval, a.info_hash);
    send_text(c, scratch_);
    return;
  }

  const bool member = std::any_of(c.memberships.begin(), c.memberships.end(), [&](const auto& m) {
    return m.first == a.info_hash && m.second == a.peer_id;
  });
  if (!member && c.memberships.size() >= static_cast<size_t>(opt_.max_swarms_per_conn)) {
    stats_.error(ErrorKind::too_many_swarms);
    send_text(c, failure_message({"too many swarms on one connection", "too_many_swarms", "announce", a.info_hash}));
    return;
  }
  // Like bittorrent-tracker: left 0 or a completed event makes a seeder; an
  // announce without a number for left keeps what the peer was.
  const bool completed = a.event == AnnounceEvent::completed;
  const int seeder = a.seeder || completed ? 1 : (a.left_known ? 0 : -1);
  const int64_t now = hlsmesh::monotonic_ms();
  auto up = registry_.upsert(a.info_hash, a.peer_id, c.id, c.client, seeder, completed, now);
  if (up.refused() && up.result == Registry::UpsertResult::peer_id_taken && replace_lingering(c, *up.peer))
    up = registry_.upsert(a.info_hash, a.peer_id, c.id, c.client, seeder, completed, now);
  if (up.refused()) {
    // Another live connection's (or an HTTP) peer_id from another address:
    // answers and offers for that peer keep going to its owner.
    const ErrorKind kind = error_kind_of(up.result);
    stats_.error(kind);
    send_text(c, failure_message({std::string(refusal_reason(up.result)), std::string(error_kind_name(kind)), "announce",
                                  a.info_hash}));
    return;
  }
  if (!member) c.memberships.emplace_back(a.info_hash, a.peer_id);
  Swarm& swarm = *up.swarm;
  if (relays_.admit(a.info_hash, a.peer_id, a.relay_token) && !member) {
    log::notice("a relay joined a swarm: every viewer's offers go to it first",
                {{"peer_id", to_hex(a.peer_id)}, {"info_hash", to_hex(a.info_hash)}});
  }

  if (a.is_answer) {
    relay_answer(swarm, a);
    return;
  }
  scratch_.clear();
  append_announce_reply(scratch_, swarm.complete, swarm.incomplete, opt_.interval, a.info_hash);
  send_text(c, scratch_);
  relay_offers(swarm, a);
}

void Server::relay_answer(Swarm& swarm, const AnnounceRequest& a) {
  // Relayed only inside the swarm of info_hash; nothing goes back to the answerer.
  auto it = swarm.index.find(a.to_peer_id);
  Conn* to = it != swarm.index.end() ? tracker_conn(swarm.peers[it->second].conn) : nullptr;
  if (!to) {
    ++stats_.answers_unrouted;
    return;
  }
  scratch_.clear();
  append_answer_message(scratch_, a);
  send_text(*to, scratch_);
  ++stats_.answers_relayed;
}

void Server::relay_offers(Swarm& swarm, const AnnounceRequest& a) {
  size_t k = a.offers.size();
  if (a.numwant) k = std::min<size_t>(k, static_cast<size_t>(*a.numwant));
  k = std::min<size_t>(k, static_cast<size_t>(opt_.max_offers));
  if (k == 0) return;
  size_t next = 0;
  auto relay_offer = [&](Conn& to) {
    const Offer& offer = a.offers[next++];
    scratch_.clear();
    append_offer_message(scratch_, offer, a.peer_id, a.info_hash);
    send_text(to, scratch_);
    ++stats_.offers_relayed;
  };
  // The swarm's relays first (a relay gone from the swarm is forgotten),
  // then random other peers with the offers left.
  relays_.for_each(a.info_hash, [&](const Id20& relay) {
    auto it = swarm.index.find(relay);
    if (it == swarm.index.end()) return false;
    Conn* to = tracker_conn(swarm.peers[it->second].conn);
    if (to && next < k && relay != a.peer_id) relay_offer(*to);
    return true;
  });
  registry_.pick_ws_peers(swarm, a.peer_id, k, [&](Peer& p) {
    Conn* to = tracker_conn(p.conn);
    if (!to || next >= k || relays_.is_relay(a.info_hash, p.peer_id)) return;
    relay_offer(*to);
  });
}

bool Server::replace_lingering(Conn& c, const Peer& holder) {
  if (holder.is_http() || holder.conn == c.id || !holder.addr.same_ip(c.client)) return false;
  Conn* old = tracker_conn(holder.conn);
  if (!old || old->closing) return false;
  log::notice("replaced a lingering WebSocket connection: its viewer reconnected with the same peer_id from the "
              "same address",
              {{"peer_id", to_hex(holder.peer_id)},
               {"client", ip_text(c.client)},
               {"old_connection", old->id},
               {"new_connection", c.id}});
  ++stats_.replaced_connections;
  leave_all(*old);  // frees the peer_id now (`holder` goes with it)
  kill(*old);
  return true;
}

void Server::handle_scrape(Conn& c, const ScrapeRequest& req) {
  ++stats_.scrapes;
  const ScrapeSelection selected = select_scrape(req, registry_, allow_, static_cast<size_t>(opt_.max_scrape));
  send_text(c, scrape_reply(selected.files, opt_.http_interval));
}

}  // namespace hlsmesh::sigd
