#include "tools/sigd/core/ws_protocol.hpp"

#include <algorithm>
#include <cmath>

#include "tools/sigd/core/json_view.hpp"

namespace hlsmesh::sigd {

namespace {

using json::Document;
using json::Node;
using json::Type;

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

ParseError fail(std::string reason, std::string kind, std::string action = "announce",
                std::optional<Id20> ih = std::nullopt) {
  return ParseError{std::move(reason), std::move(kind), std::move(action), ih};
}

bool present(const Node* v) { return v && v->type != Type::null; }

std::optional<Id20> id_field(const Document& doc, const Node& msg, std::string_view key) {
  const Node* v = doc.get(msg, key);
  if (!v || v->type != Type::string) return std::nullopt;
  return decode_binary_string(v->text);
}

// {type, sdp} of an offer or answer; sdp must be a string.
bool session_description(const Document& doc, const Node& v, std::string_view default_type, std::string_view& type,
                         std::string_view& sdp) {
  if (v.type != Type::object) return false;
  const Node* s = doc.get(v, "sdp");
  if (!s || s->type != Type::string) return false;
  const Node* t = doc.get(v, "type");
  if (t && t->type != Type::string) return false;
  type = t ? t->text : default_type;
  sdp = s->text;
  return true;
}

// `event`: absent, empty or "update" is an update; false when unknown.
bool read_event(std::string_view name, AnnounceEvent& event) {
  if (name.empty() || name == "update") event = AnnounceEvent::update;
  else if (name == "started") event = AnnounceEvent::started;
  else if (name == "stopped") event = AnnounceEvent::stopped;
  else if (name == "completed") event = AnnounceEvent::completed;
  else if (name == "paused") event = AnnounceEvent::paused;
  else return false;
  return true;
}

// An answer to one peer's offer: to_peer_id, offer_id and the SDP.
std::optional<ParseError> read_answer(const Document& doc, const Node& msg, const Node& answer, AnnounceRequest& req) {
  auto to = id_field(doc, msg, "to_peer_id");
  if (!to) return fail("invalid to_peer_id", "id", "announce", req.info_hash);
  auto oid = id_field(doc, msg, "offer_id");
  if (!oid) return fail("invalid offer_id", "id", "announce", req.info_hash);
  if (!session_description(doc, answer, "answer", req.answer_type, req.answer_sdp))
    return fail("invalid answer", "offer", "announce", req.info_hash);
  req.is_answer = true;
  req.to_peer_id = *to;
  req.answer_offer_id = *oid;
  return std::nullopt;
}

// Up to max_offers {offer_id, offer}; the SDPs stay views into the document.
std::optional<ParseError> read_offers(const Document& doc, const Node& offers, size_t max_offers,
                                      AnnounceRequest& req) {
  if (offers.type != Type::array) return fail("invalid offers", "offer", "announce", req.info_hash);
  if (!doc.empty(offers)) req.offers.reserve(max_offers);
  std::optional<ParseError> error;
  doc.for_each(offers, [&](const Node& item) {
    if (req.offers.size() >= max_offers) return false;  // surplus offers are dropped, as bittorrent-tracker does
    if (item.type != Type::object) {
      error = fail("invalid offers", "offer", "announce", req.info_hash);
      return false;
    }
    auto oid = id_field(doc, item, "offer_id");
    if (!oid) {
      error = fail("invalid offer_id", "id", "announce", req.info_hash);
      return false;
    }
    const Node* od = doc.get(item, "offer");
    Offer offer;
    offer.offer_id = *oid;
    if (!od || !session_description(doc, *od, "offer", offer.type, offer.sdp)) {
      error = fail("invalid offer", "offer", "announce", req.info_hash);
      return false;
    }
    req.offers.push_back(std::move(offer));
    return true;
  });
  return error;
}

WsRequest parse_announce(const Document& doc, const Node& msg, const Id20& info_hash, size_t max_offers) {
  AnnounceRequest req;
  req.info_hash = info_hash;
  auto peer = id_field(doc, msg, "peer_id");
  if (!peer) return fail("invalid peer_id", "id", "announce", info_hash);
  req.peer_id = *peer;

  if (const Node* e = doc.get(msg, "event"); present(e)) {
    if (e->type != Type::string || !read_event(e->text, req.event)) {
      return fail("invalid event", "event", "announce", info_hash);
    }
  }
  // `left` absent or not a number means leecher (bittorrent-tracker: Infinity).
  if (const Node* l = doc.get(msg, "left"); l && l->type == Type::number) {
    req.seeder = l->number == 0.0;
    req.left_known = !std::isnan(l->number);
  }
  if (const Node* n = doc.get(msg, "numwant"); n && n->type == Type::number) {
    if (std::isfinite(n->number)) req.numwant = static_cast<int64_t>(std::clamp(n->number, 0.0, 1e6));
  }

  if (const Node* t = doc.get(msg, "relay_token"); t && t->type == Type::string) req.relay_token = t->text;

  if (const Node* a = doc.get(msg, "answer"); present(a)) {
    if (auto error = read_answer(doc, msg, *a, req)) return std::move(*error);
    return req;
  }
  if (const Node* o = doc.get(msg, "offers"); present(o)) {
    if (auto error = read_offers(doc, *o, max_offers, req)) return std::move(*error);
  }
  return req;
}

WsRequest parse_scrape(const Document& doc, const Node& msg, size_t max_scrape) {
  ScrapeRequest req;
  const Node* ih = doc.get(msg, "info_hash");
  if (!present(ih)) {
    req.full = true;
    return req;
  }
  if (ih->type == Type::string) {
    auto id = decode_binary_string(ih->text);
    if (!id) return fail("invalid info_hash", "id", "scrape");
    req.info_hashes.push_back(*id);
    return req;
  }
  if (ih->type != Type::array) return fail("invalid info_hash", "type", "scrape");
  std::optional<ParseError> error;
  doc.for_each(*ih, [&](const Node& item) {
    if (req.info_hashes.size() >= max_scrape) return false;
    if (item.type != Type::string) {
      error = fail("invalid info_hash", "type", "scrape");
      return false;
    }
    auto id = decode_binary_string(item.text);
    if (!id) {
      error = fail("invalid info_hash", "id", "scrape");
      return false;
    }
    req.info_hashes.push_back(*id);
    return true;
  });
  if (error) return std::move(*error);
  return req;
}

}  // namespace

WsRequest parse_ws_message(std::string_view text, size_t max_offers, size_t max_scrape) {
  // One reusable parse table per thread: a steady stream of announces allocates nothing here.
  thread_local Document doc;
  // The parser refuses nesting deeper than 8 itself, so the bracket scan that
  // names the failure runs only on refused text, not on every announce: text
  // nested deeper than 8 is always refused, and is a depth error whether or
  // not it is JSON.
  if (!doc.parse(text, 8)) {
    if (nesting_depth(text, 8) > 8) return fail("invalid request: nested too deeply", "depth");
    return fail("invalid request: not JSON", "json");
  }
  const Node& msg = doc.root();
  if (msg.type != Type::object) return fail("invalid request: not an object", "type");
  const Node* action = doc.get(msg, "action");
  if (!action || action->type != Type::string) return fail("invalid action", "action");
  const std::string_view name = action->text;
  if (name == "scrape") return parse_scrape(doc, msg, max_scrape);
  if (name != "announce") return fail("invalid action", "action");
  auto ih = id_field(doc, msg, "info_hash");
  if (!ih) return fail("invalid info_hash", "id", "announce");
  return parse_announce(doc, msg, *ih, max_offers);
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

void append_announce_reply(std::string& out, uint32_t complete, uint32_t incomplete, int interval,
                           const Id20& info_hash) {
  out += "{\"complete\":";
  out += std::to_string(complete);
  out += ",\"incomplete\":";
  out += std::to_string(incomplete);
  out += ",\"action\":\"announce\",\"interval\":";
  out += std::to_string(interval);
  out += ",\"info_hash\":";
  append_json_id(out, info_hash);
  out += '}';
}

void append_offer_message(std::string& out, const Offer& offer, const Id20& from_peer, const Id20& info_hash) {
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
}

void append_answer_message(std::string& out, const AnnounceRequest& a) {
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
}

std::string announce_reply(uint32_t complete, uint32_t incomplete, int interval, const Id20& info_hash) {
  std::string out;
  out.reserve(120);
  append_announce_reply(out, complete, incomplete, interval, info_hash);
  return out;
}

std::string offer_message(const Offer& offer, const Id20& from_peer, const Id20& info_hash) {
  std::string out;
  out.reserve(160 + offer.sdp.size());
  append_offer_message(out, offer, from_peer, info_hash);
  return out;
}

std::string answer_message(const AnnounceRequest& a) {
  std::string out;
  out.reserve(160 + a.answer_sdp.size());
  append_answer_message(out, a);
  return out;
}

std::string scrape_reply(const std::vector<ScrapeFile>& files, int min_request_interval) {
  std::string out = "{\"action\":\"scrape\",\"files\":{";
  bool first = true;
  for (const auto& f : files) {
    if (!first) out += ',';
    first = false;
    append_json_id(out, f.info_hash);
    out += ":{\"complete\":" + std::to_string(f.complete) + ",\"incomplete\":" + std::to_string(f.incomplete) +
           ",\"downloaded\":" + std::to_string(f.downloaded) + '}';
  }
  out += "},\"flags\":{\"min_request_interval\":";
  out += std::to_string(min_request_interval);
  out += "}}";
  return out;
}

std::string failure_message(const ParseError& e) {
  const std::string_view action = e.action.empty() ? std::string_view("announce") : std::string_view(e.action);
  std::string out = "{\"action\":";
  append_json_string(out, action);
  out += ",\"failure reason\":";
  append_json_string(out, e.reason);
  if (e.info_hash) {
    out += ",\"info_hash\":";
    append_json_id(out, *e.info_hash);
  } else if (action == "announce") {
    out += ",\"info_hash\":\"\"";  // see ParseError: never absent on an announce
  }
  out += '}';
  return out;
}

}  // namespace hlsmesh::sigd
