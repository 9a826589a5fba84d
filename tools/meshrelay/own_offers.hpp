#pragma once
// The relay's own offers waiting for an answer, by offer_id: what a tracker
// that picks offer recipients at random needs for viewers to reach the relay
// (as a WebTorrent client's offers in its announces). Only bookkeeping: the
// connections live in the Relay; this table says which answer is whose, which
// offers expired, and counts what came back malformed or unasked.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hlsmesh::meshrelay {

struct PendingOffer {
  std::uint64_t peer = 0;  // the Relay's key for the offering connection
  std::size_t swarm = 0;
  std::size_t tracker = 0;  // an answer must come back through the same tracker
  std::chrono::steady_clock::time_point made;
};

struct OfferCounts {
  std::uint64_t made = 0, answered = 0, expired = 0, unknown_answers = 0, malformed_answers = 0;
};

class OfferTable {
 public:
  using Clock = std::chrono::steady_clock;
  struct Answer {
    PendingOffer offer;
    std::string offer_id, remote_id, sdp;
  };

  explicit OfferTable(std::chrono::milliseconds timeout) : timeout_(timeout) {}

  // New offers that fit now: at most `per_announce`, with the offers pending
  // and the `connected` peers together within `max_peers`.
  std::size_t room(std::size_t per_announce, std::size_t connected, std::size_t max_peers) const;
  // Records an offer; returns its offer_id (20 ASCII characters, unique here).
  std::string add(PendingOffer offer);
  // A tracker message carrying `answer`: the offer it answers, taken out of
  // the table; nothing (and counted) when it is malformed or answers no
  // offer pending on `tracker`.
  std::optional<Answer> match(const nlohmann::json& message, std::size_t tracker);
  // The connection went before its answer: forgets its offer, if pending.
  void forget(std::uint64_t peer);
  // Takes out the offers older than the timeout; returns their peers.
  std::vector<std::uint64_t> expire(Clock::time_point now);

  std::size_t pending() const { return pending_.size(); }
  const OfferCounts& counts() const { return counts_; }
  nlohmann::json report() const;

 private:
  std::chrono::milliseconds timeout_;
  std::map<std::string, PendingOffer> pending_;
  OfferCounts counts_;
};

}  // namespace hlsmesh::meshrelay
