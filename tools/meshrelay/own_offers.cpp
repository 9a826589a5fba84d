#include "tools/meshrelay/own_offers.hpp"

#include <algorithm>
#include <random>
#include <string_view>

namespace hlsmesh::meshrelay {

namespace {

// ASCII, so it round-trips unchanged through trackers that treat ids as
// binary strings (bittorrent-tracker) and through JSON.
std::string make_offer_id() {
  static constexpr std::string_view symbols = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static thread_local std::mt19937_64 random{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick(0, symbols.size() - 1);
  std::string id;
  while (id.size() < 20) id += symbols[pick(random)];
  return id;
}

const std::string* string_field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() && !it->get_ref<const std::string&>().empty()
             ? &it->get_ref<const std::string&>()
             : nullptr;
}

}  // namespace

std::size_t OfferTable::room(std::size_t per_announce, std::size_t connected, std::size_t max_peers) const {
  const std::size_t held = connected + pending_.size();
  return held >= max_peers ? 0 : std::min(per_announce, max_peers - held);
}

std::string OfferTable::add(PendingOffer offer) {
  std::string id = make_offer_id();
  while (pending_.count(id)) id = make_offer_id();
  pending_.emplace(id, offer);
  ++counts_.made;
  return id;
}

std::optional<OfferTable::Answer> OfferTable::match(const nlohmann::json& message, std::size_t tracker) {
  const auto answer = message.find("answer");
  const bool shaped = message.is_object() && answer != message.end() && answer->is_object() &&
                      answer->value("type", nlohmann::json()) == "answer";
  const auto* sdp = shaped ? string_field(*answer, "sdp") : nullptr;
  const auto* offer_id = shaped ? string_field(message, "offer_id") : nullptr;
  const auto* remote = shaped ? string_field(message, "peer_id") : nullptr;
  if (!sdp || !offer_id || !remote) {
    ++counts_.malformed_answers;
    return std::nullopt;
  }
  auto it = pending_.find(*offer_id);
  if (it == pending_.end() || it->second.tracker != tracker) {
    ++counts_.unknown_answers;
    return std::nullopt;
  }
  Answer matched{it->second, *offer_id, *remote, *sdp};
  pending_.erase(it);
  ++counts_.answered;
  return matched;
}

void OfferTable::forget(std::uint64_t peer) {
  std::erase_if(pending_, [peer](const auto& entry) { return entry.second.peer == peer; });
}

std::vector<std::uint64_t> OfferTable::expire(Clock::time_point now) {
  std::vector<std::uint64_t> gone;
  std::erase_if(pending_, [&](const auto& entry) {
    if (now - entry.second.made < timeout_) return false;
    gone.push_back(entry.second.peer);
    return true;
  });
  counts_.expired += gone.size();
  return gone;
}

nlohmann::json OfferTable::report() const {
  return {{"made", counts_.made},
          {"answered", counts_.answered},
          {"expired", counts_.expired},
          {"pending", pending_.size()},
          {"unknown_answers", counts_.unknown_answers},
          {"malformed_answers", counts_.malformed_answers}};
}

}  // namespace hlsmesh::meshrelay
