#include "tools/sigd/core/ws_protocol.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace sigd {

namespace {

using Json = nlohmann::json;

// Deepest bracket nesting outside strings. Tracker messages nest 3 levels;
// anything deeper is refused before the JSON parser builds it.
int nesting_depth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c == '}' || c == ']') --depth;
  }
  return deepest;
}

ParseError fail(std::string reason, std::string kind, std::string action = {}, std::optional<Id20> ih = std::nullopt) {
  return ParseError{std::move(reason), std::move(kind), std::move(action), ih};
}

std::optional<Id20> id_field(const Json& msg, const char* key) {
  auto it = msg.find(key);
  if (it == msg.end() || !it->is_string()) return std::nullopt;
  return decode_binary_string(it->get_ref<const std::string&>());
}

// {type, sdp} of an offer or answer; sdp must be a string.
bool session_description(const Json& v, const char* default_type, std::string& type, std::string& sdp) {
  if (!v.is_object()) return false;
  auto s = v.find("sdp");
  if (s == v.end() || !s->is_string()) return false;
  auto t = v.find("type");
  if (t != v.end() && !t->is_string()) return false;
  type = t == v.end() ? default_type : t->get<std::string>();
  sdp = s->get<std::string>();
  return true;
}

WsRequest parse_announce(const Json& msg, const Id20& info_hash, size_t max_offers) {
  AnnounceRequest req;
  req.info_hash = info_hash;
  auto peer = id_field(msg, "peer_id");
  if (!peer) return fail("invalid peer_id", "id", "announce", info_hash);
  req.peer_id = *peer;

  if (auto e = msg.find("event"); e != msg.end() && !e->is_null()) {
    if (!e->is_string()) return fail("invalid event", "event", "announce", info_hash);
    const auto& name = e->get_ref<const std::string&>();
    if (name.empty() || name == "update") req.event = AnnounceEvent::update;
    else if (name == "started") req.event = AnnounceEvent::started;
    else if (name == "stopped") req.event = AnnounceEvent::stopped;
    else if (name == "completed") req.event = AnnounceEvent::completed;
    else if (name == "paused") req.event = AnnounceEvent::paused;
    else return fail("invalid event", "event", "announce", info_hash);
  }
  // `left` absent or not a number means leecher (bittorrent-tracker: Infinity).
  if (auto l = msg.find("left"); l != msg.end() && l->is_number()) {
    double left = l->get<double>();
    req.seeder = left == 0.0;
    req.left_known = !std::isnan(left);
  }
  if (auto n = msg.find("numwant"); n != msg.end() && n->is_number()) {
    double v = n->get<double>();
    if (std::isfinite(v)) req.numwant = static_cast<int64_t>(std::clamp(v, 0.0, 1e6));
  }

  if (auto a = msg.find("answer"); a != msg.end() && !a->is_null()) {
    auto to = id_field(msg, "to_peer_id");
    if (!to) return fail("invalid to_peer_id", "id", "announce", info_hash);
    auto oid = id_field(msg, "offer_id");
    if (!oid) return fail("invalid offer_id", "id", "announce", info_hash);
    if (!session_description(*a, "answer", req.answer_type, req.answer_sdp))
      return fail("invalid answer", "offer", "announce", info_hash);
    req.is_answer = true;
    req.to_peer_id = *to;
    req.answer_offer_id = *oid;
    return req;
  }

  if (auto o = msg.find("offers"); o != msg.end() && !o->is_null()) {
    if (!o->is_array()) return fail("invalid offers", "offer", "announce", info_hash);
    for (const auto& item : *o) {
      if (req.offers.size() >= max_offers) break;  // surplus offers are dropped, as bittorrent-tracker does
      if (!item.is_object()) return fail("invalid offers", "offer", "announce", info_hash);
      auto oid = id_field(item, "offer_id");
      if (!oid) return fail("invalid offer_id", "id", "announce", info_hash);
      auto od = item.find("offer");
      if (od == item.end()) return fail("invalid offer", "offer", "announce", info_hash);
      Offer offer;
      offer.offer_id = *oid;
      if (!session_description(*od, "offer", offer.type, offer.sdp))
        return fail("invalid offer", "offer", "announce", info_hash);
      req.offers.push_back(std::move(offer));
    }
  }
  return req;
}

WsRequest parse_scrape(const Json& msg, size_t max_scrape) {
  ScrapeRequest req;
  auto ih = msg.find("info_hash");
  if (ih == msg.end() || ih->is_null()) {
    req.full = true;
    return req;
  }
  if (ih->is_string()) {
    auto id = decode_binary_string(ih->get_ref<const std::string&>());
    if (!id) return fail("invalid info_hash", "id", "scrape");
    req.info_hashes.push_back(*id);
    return req;
  }
  if (!ih->is_array()) return fail("invalid info_hash", "type", "scrape");
  for (const auto& item : *ih) {
    if (req.info_hashes.size() >= max_scrape) break;
    if (!item.is_string()) return fail("invalid info_hash", "type", "scrape");
    auto id = decode_binary_string(item.get_ref<const std::string&>());
    if (!id) return fail("invalid info_hash", "id", "scrape");
    req.info_hashes.push_back(*id);
  }
  return req;
}

}  // namespace

WsRequest parse_ws_message(std::string_view text, size_t max_offers, size_t max_scrape) {
  if (nesting_depth(text, 8) > 8) return fail("invalid request: nested too deeply", "depth");
  Json msg = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (msg.is_discarded()) return fail("invalid request: not JSON", "json");
  if (!msg.is_object()) return fail("invalid request: not an object", "type");
  auto action = msg.find("action");
  if (action == msg.end() || !action->is_string()) return fail("invalid action", "action");
  const auto& name = action->get_ref<const std::string&>();
  if (name == "scrape") return parse_scrape(msg, max_scrape);
  if (name != "announce") return fail("invalid action", "action");
  auto ih = id_field(msg, "info_hash");
  if (!ih) return fail("invalid info_hash", "id", "announce");
  return parse_announce(msg, *ih, max_offers);
}

const char* event_name(AnnounceEvent e) {
  switch (e) {
    case AnnounceEvent::started: return "started";
    case AnnounceEvent::stopped: return "stopped";
    case AnnounceEvent::completed: return "completed";
    case AnnounceEvent::paused: return "paused";
    case AnnounceEvent::update: break;
  }
  return "update";
}

std::string announce_reply(uint32_t complete, uint32_t incomplete, int interval, const Id20& info_hash) {
  std::string out;
  out.reserve(120);
  out += "{\"complete\":";
  out += std::to_string(complete);
  out += ",\"incomplete\":";
  out += std::to_string(incomplete);
  out += ",\"action\":\"announce\",\"interval\":";
  out += std::to_string(interval);
  out += ",\"info_hash\":";
  append_json_id(out, info_hash);
  out += '}';
  return out;
}

std::string offer_message(const Offer& offer, const Id20& from_peer, const Id20& info_hash) {
  std::string out;
  out.reserve(160 + offer.sdp.size());
  out += "{\"action\":\"announce\",\"offer\":{\"type\":";
  append_json_string(out, offer.type);
  out += ",\"sdp\":";
  append_json_string(out, offer.sdp);
  out += "},\"offer_id\":";
  append_json_id(out, offer.offer_id);
  out += ",\"peer_id\":";
  append_json_id(out, from_peer);
  out += ",\"info_hash\":";
  append_json_id(out, info_hash);
  out += '}';
  return out;
}

std::string answer_message(const AnnounceRequest& a) {
  std::string out;
  out.reserve(160 + a.answer_sdp.size());
  out += "{\"action\":\"announce\",\"answer\":{\"type\":";
  append_json_string(out, a.answer_type);
  out += ",\"sdp\":";
  append_json_string(out, a.answer_sdp);
  out += "},\"offer_id\":";
  append_json_id(out, a.answer_offer_id);
  out += ",\"peer_id\":";
  append_json_id(out, a.peer_id);
  out += ",\"info_hash\":";
  append_json_id(out, a.info_hash);
  out += '}';
  return out;
}

std::string scrape_reply(const std::vector<ScrapeFile>& files) {
  std::string out = "{\"action\":\"scrape\",\"files\":{";
  bool first = true;
  for (const auto& f : files) {
    if (!first) out += ',';
    first = false;
    append_json_id(out, f.info_hash);
    out += ":{\"complete\":" + std::to_string(f.complete) + ",\"incomplete\":" + std::to_string(f.incomplete) +
           ",\"downloaded\":" + std::to_string(f.downloaded) + '}';
  }
  out += "},\"flags\":{\"min_request_interval\":600}}";
  return out;
}

std::string failure_message(const ParseError& e) {
  std::string out = "{";
  if (!e.action.empty()) {
    out += "\"action\":";
    append_json_string(out, e.action);
    out += ',';
  }
  out += "\"failure reason\":";
  append_json_string(out, e.reason);
  if (e.info_hash) {
    out += ",\"info_hash\":";
    append_json_id(out, *e.info_hash);
  }
  out += '}';
  return out;
}

}  // namespace sigd
