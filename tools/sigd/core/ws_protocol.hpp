#pragma once
// The WebTorrent tracker wire protocol (bittorrent-tracker's, byte for byte):
// parsing client messages into requests and writing server messages in the key
// order JSON.stringify produces. No I/O here, so the fuzzer can drive it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tools/sigd/core/ids.hpp"

namespace hlsmesh::sigd {

enum class AnnounceEvent { update, started, stopped, completed, paused };

// The type and sdp strings of offers and answers are views, not copies: into
// the message text, or into the parser's per-thread buffer when the JSON
// string had escapes. A parsed request is valid while the message text lives
// and until the next parse_ws_message() on the same thread; sigd handles each
// request before it reads the next message.
struct Offer {
  Id20 offer_id;
  std::string_view type;  // "offer"
  std::string_view sdp;
};

struct AnnounceRequest {
  Id20 info_hash;
  Id20 peer_id;
  AnnounceEvent event = AnnounceEvent::update;
  bool seeder = false;            // left == 0
  bool left_known = false;        // left was a number
  std::optional<int64_t> numwant;
  std::vector<Offer> offers;
  // An answer travels as an announce carrying to_peer_id + answer + offer_id.
  bool is_answer = false;
  Id20 to_peer_id;
  Id20 answer_offer_id;
  std::string_view answer_type;  // "answer"
  std::string_view answer_sdp;
  std::string_view relay_token;  // meshrelay's proof that it is a relay (--relay-token)
};

struct ScrapeRequest {
  bool full = false;  // no info_hash given
  std::vector<Id20> info_hashes;
};

// A message we answer with `failure reason`. Every failure carries an
// `action`: bittorrent-tracker's client treats a message with neither
// "announce" nor "scrape" as a socket error, destroying the socket that every
// torrent of the page shares and reconnecting 10 s or more later. "scrape"
// only for a bad scrape, else "announce". An announce failure also always
// carries a string `info_hash`, the one read or "" when none could be: that
// client hex-encodes the info_hash of any announce message before it ignores
// one for another torrent, and throws on a missing one. It reports a failure
// naming its own info_hash as a warning; libtorrent ignores the rest.
struct ParseError {
  std::string reason;
  std::string kind;  // counter name: json, type, id, action, event, offer, depth
  std::string action = "announce";
  std::optional<Id20> info_hash;
};

using WsRequest = std::variant<AnnounceRequest, ScrapeRequest, ParseError>;

// `max_offers` bounds how many offers are decoded (the rest are ignored);
// `max_scrape` bounds a scrape's info_hash array.
WsRequest parse_ws_message(std::string_view text, size_t max_offers, size_t max_scrape);

const char* event_name(AnnounceEvent e);

// Server messages. The append_ forms write after what `out` holds already
// (sigd writes them behind lws's LWS_PRE headroom, saving a copy per message).
std::string announce_reply(uint32_t complete, uint32_t incomplete, int interval, const Id20& info_hash);
std::string offer_message(const Offer& offer, const Id20& from_peer, const Id20& info_hash);
std::string answer_message(const AnnounceRequest& answer);
void append_announce_reply(std::string& out, uint32_t complete, uint32_t incomplete, int interval, const Id20& info_hash);
void append_offer_message(std::string& out, const Offer& offer, const Id20& from_peer, const Id20& info_hash);
void append_answer_message(std::string& out, const AnnounceRequest& answer);
struct ScrapeFile {
  Id20 info_hash;
  uint32_t complete = 0, incomplete = 0;
  uint64_t downloaded = 0;
};
// min_request_interval: bittorrent-tracker sends its base (HTTP) interval.
std::string scrape_reply(const std::vector<ScrapeFile>& files, int min_request_interval);
std::string failure_message(const ParseError& error);

}  // namespace hlsmesh::sigd
