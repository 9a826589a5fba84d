// Unit tests of sigd's I/O-free core: binary ids, the WebTorrent wire format,
// the registry's counters and fan-out, static-file rules, the HTTP tracker's
// bencoded replies, and access checks.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

using namespace std::string_literals;

#include "common/error.hpp"
#include "tools/sigd/core/access.hpp"
#include "tools/sigd/core/forwarded.hpp"
#include "tools/sigd/core/http_tracker.hpp"
#include "tools/sigd/core/ids.hpp"
#include "tools/sigd/core/json_view.hpp"
#include "tools/sigd/core/rate_limit.hpp"
#include "tools/sigd/core/registry.hpp"
#include "tools/sigd/core/scrape.hpp"
#include "tools/sigd/static_files.hpp"
#include "tools/sigd/core/stats.hpp"
#include "tools/sigd/core/ws_protocol.hpp"

using namespace hlsmesh::sigd;

namespace {
Id20 id_of(char fill) {
  Id20 id;
  id.bytes.fill(static_cast<uint8_t>(fill));
  return id;
}
std::string latin1_to_utf8(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c < 0x80) out += static_cast<char>(c);
    else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}
}  // namespace

TEST(sigdIds, DecodesLatin1BinaryStrings) {
  std::string raw;
  for (int i = 0; i < 20; ++i) raw += static_cast<char>(i * 13);
  auto id = decode_binary_string(latin1_to_utf8(raw));
  ASSERT_TRUE(id);
  EXPECT_EQ(id->view(), raw);
  EXPECT_FALSE(decode_binary_string("short"));
  EXPECT_FALSE(decode_binary_string(std::string(21, 'a')));
  EXPECT_FALSE(decode_binary_string("\xc4\x80" + std::string(19, 'a')));  // U+0100
  EXPECT_FALSE(decode_binary_string("\xc3" + std::string(19, 'a')));      // truncated UTF-8
}

TEST(sigdIds, EncodesLikeJsonStringify) {
  Id20 id = id_of('a');
  id.bytes[0] = 0;
  id.bytes[1] = '"';
  id.bytes[2] = '\\';
  id.bytes[3] = '\n';
  id.bytes[4] = 0xE9;
  std::string out;
  append_json_id(out, id);
  EXPECT_EQ(out, "\"\\u0000\\\"\\\\\\n\xc3\xa9" + std::string(15, 'a') + "\"");
  EXPECT_EQ(to_hex(*from_hex(to_hex(id))), to_hex(id));
}

TEST(sigdWsProtocol, ParsesAnnounceWithOffers) {
  std::string msg = R"({"action":"announce","info_hash":"aaaaaaaaaaaaaaaaaaaa","peer_id":"bbbbbbbbbbbbbbbbbbbb","numwant":2,"left":0,"event":"completed","offers":[{"offer":{"type":"offer","sdp":"s1"},"offer_id":"cccccccccccccccccccc"},{"offer":{"type":"offer","sdp":"s2"},"offer_id":"dddddddddddddddddddd"},{"offer":{"type":"offer","sdp":"s3"},"offer_id":"eeeeeeeeeeeeeeeeeeee"}]})";
  auto r = parse_ws_message(msg, 2, 10);
  auto* a = std::get_if<AnnounceRequest>(&r);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->event, AnnounceEvent::completed);
  EXPECT_TRUE(a->seeder);
  EXPECT_EQ(a->offers.size(), 2u);  // bounded by max_offers
  EXPECT_EQ(a->offers[1].sdp, "s2");
  EXPECT_EQ(*a->numwant, 2);
}

TEST(sigdWsProtocol, RejectsBadInputWithReasons) {
  auto reason = [](std::string_view m) {
    auto r = parse_ws_message(m, 10, 10);
    auto* e = std::get_if<ParseError>(&r);
    return e ? e->reason : std::string("accepted");
  };
  EXPECT_EQ(reason("nope"), "invalid request: not JSON");
  EXPECT_EQ(reason("[1]"), "invalid request: not an object");
  EXPECT_EQ(reason(R"({"action":"x"})"), "invalid action");
  EXPECT_EQ(reason(R"({"action":"announce","info_hash":"a"})"), "invalid info_hash");
  EXPECT_EQ(reason(R"({"action":"announce","info_hash":"aaaaaaaaaaaaaaaaaaaa","peer_id":1})"), "invalid peer_id");
  EXPECT_EQ(reason(R"({"action":"announce","info_hash":"aaaaaaaaaaaaaaaaaaaa","peer_id":"bbbbbbbbbbbbbbbbbbbb","event":"x"})"),
            "invalid event");
  EXPECT_EQ(reason(R"({"action":"announce","info_hash":"aaaaaaaaaaaaaaaaaaaa","peer_id":"bbbbbbbbbbbbbbbbbbbb","answer":{"sdp":"x"},"to_peer_id":"c"})"),
            "invalid to_peer_id");
  EXPECT_EQ(reason(std::string(100, '[') + std::string(100, ']')), "invalid request: nested too deeply");
  EXPECT_EQ(reason(R"({"action":"scrape","info_hash":[1]})"), "invalid info_hash");
}

// Nesting past 8 is a depth error whether or not the text is JSON, and 8 is
// still parsed: the parser's own limit and the bracket scan agree.
TEST(sigdWsProtocol, DepthIsJudgedTheSameOnValidAndInvalidText) {
  auto reason = [](std::string_view m) {
    auto r = parse_ws_message(m, 10, 10);
    auto* e = std::get_if<ParseError>(&r);
    return e ? e->reason : std::string("accepted");
  };
  const std::string eight = R"({"action":"scrape","x":)" + std::string(7, '[') + std::string(7, ']') + "}";
  EXPECT_EQ(reason(eight), "accepted");
  const std::string nine = R"({"action":"scrape","x":)" + std::string(8, '[') + std::string(8, ']') + "}";
  EXPECT_EQ(reason(nine), "invalid request: nested too deeply");
  // Broken before the ninth bracket, or never closed: still too deep.
  EXPECT_EQ(reason(R"({"a" )" + std::string(9, '[')), "invalid request: nested too deeply");
  EXPECT_EQ(reason(std::string(9, '{')), "invalid request: nested too deeply");
  // Brackets inside strings do not count, and broken text that is shallow is not JSON.
  EXPECT_EQ(reason(R"({"action":"scrape","x":")" + std::string(20, '[') + R"("})"), "accepted");
  EXPECT_EQ(reason(R"({"a" )" + std::string(7, '[')), "invalid request: not JSON");
}

TEST(sigdJsonView, AcceptsExactlyWhatNlohmannAccepts) {
  const std::vector<std::string> inputs = {
      "{}", "[]", " {\"a\" : [1, -0, 0.5e-3, 1E+2, true, false, null, \"x\"]} ", "\xEF\xBB\xBF{}", "\xEF\xBB{}",
      "1\0junk"s, "\0"s, "", " ", "01", "-", "1.", ".5", "+1", "1e", "1e400", "-1e400", "1e-400",
      std::string(400, '9'), "[1,]", "{\"a\":1,}", "{\"a\"}", "{1:2}", "[1 2]", "tru", "nul", "falsey",
      "\"\\u0041\\n\\/\"", "\"\\ud83d\\ude00\"", "\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83d\\u0041\"", "\"\\x\"",
      "\"\\u12\"", "\"a\tb\"", "\"\x7f\"", "\"\xc3\xa9\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
      "\"\xf0\x9f\x98\x80\"", "\"\xe0\x80\x80\"", "\"\xc3\"", "\"abc", "[\"a\"]]", "{\"a\":{\"b\":[{}]}}"};
  json::Document doc;
  for (const auto& text : inputs)
    EXPECT_EQ(doc.parse(text), nlohmann::json::accept(text)) << "input: " << text;
}

TEST(sigdJsonView, DecodesStringsNumbersAndTakesTheLastDuplicate) {
  json::Document doc;
  ASSERT_TRUE(doc.parse(R"({"k":"\u00e9\"\\\ud83d\ude00","n":-12.5e1,"d":1,"d":"two","a":[1,[2],3]})"));
  const auto& root = doc.root();
  EXPECT_EQ(doc.get(root, "k")->text, "\xc3\xa9\"\\\xf0\x9f\x98\x80");
  EXPECT_EQ(doc.get(root, "n")->number, -125.0);
  EXPECT_EQ(doc.get(root, "d")->text, "two");
  EXPECT_EQ(doc.get(root, "missing"), nullptr);
  std::vector<json::Type> types;
  doc.for_each(*doc.get(root, "a"), [&](const json::Node& n) {
    types.push_back(n.type);
    return true;
  });
  EXPECT_EQ(types, (std::vector<json::Type>{json::Type::number, json::Type::array, json::Type::number}));
  // An escaped key matches its decoded name, as in nlohmann::json.
  auto r = parse_ws_message(R"({"act\u0069on":"scrape","info_hash":"aaaaaaaaaaaaaaaaaaaa"})", 10, 10);
  ASSERT_TRUE(std::holds_alternative<ScrapeRequest>(r));
  EXPECT_EQ(std::get<ScrapeRequest>(r).info_hashes.size(), 1u);
}

TEST(sigdWsProtocol, WritesBittorrentTrackerKeyOrder) {
  Id20 ih = id_of('i'), peer = id_of('p');
  EXPECT_EQ(announce_reply(1, 2, 120, ih),
            R"({"complete":1,"incomplete":2,"action":"announce","interval":120,"info_hash":"iiiiiiiiiiiiiiiiiiii"})");
  Offer o{id_of('o'), "offer", "v=0\r\n"};
  EXPECT_EQ(offer_message(o, peer, ih),
            R"({"action":"announce","offer":{"type":"offer","sdp":"v=0\r\n"},"offer_id":"oooooooooooooooooooo","peer_id":"pppppppppppppppppppp","info_hash":"iiiiiiiiiiiiiiiiiiii"})");
  EXPECT_EQ(failure_message({"invalid event", "event", "announce", ih}),
            R"({"action":"announce","failure reason":"invalid event","info_hash":"iiiiiiiiiiiiiiiiiiii"})");
  EXPECT_EQ(scrape_reply({{ih, 1, 2, 3}}, 600),
            R"({"action":"scrape","files":{"iiiiiiiiiiiiiiiiiiii":{"complete":1,"incomplete":2,"downloaded":3}},"flags":{"min_request_interval":600}})");
  EXPECT_NE(scrape_reply({}, 10).find(R"("min_request_interval":10})"), std::string::npos);
}

// bittorrent-tracker's client drops its shared socket on any message whose
// action is neither announce nor scrape, and throws on an announce message
// without a string info_hash: every failure names an action, every announce
// failure an info_hash ("" when it could not be read).
TEST(sigdWsProtocol, EveryFailureCarriesAnActionAndAnInfoHash) {
  auto failure = [](std::string_view m) {
    auto r = parse_ws_message(m, 10, 10);
    auto* e = std::get_if<ParseError>(&r);
    return e ? failure_message(*e) : std::string("accepted");
  };
  EXPECT_EQ(failure("nope"), R"({"action":"announce","failure reason":"invalid request: not JSON","info_hash":""})");
  EXPECT_EQ(failure("[1]"), R"({"action":"announce","failure reason":"invalid request: not an object","info_hash":""})");
  EXPECT_EQ(failure(R"({"action":"dance"})"), R"({"action":"announce","failure reason":"invalid action","info_hash":""})");
  EXPECT_EQ(failure(std::string(100, '[') + std::string(100, ']')),
            R"({"action":"announce","failure reason":"invalid request: nested too deeply","info_hash":""})");
  EXPECT_EQ(failure(R"({"action":"announce","info_hash":"a"})"),
            R"({"action":"announce","failure reason":"invalid info_hash","info_hash":""})");
  EXPECT_EQ(failure(R"({"action":"announce","info_hash":"aaaaaaaaaaaaaaaaaaaa","peer_id":1})"),
            R"({"action":"announce","failure reason":"invalid peer_id","info_hash":"aaaaaaaaaaaaaaaaaaaa"})");
  EXPECT_EQ(failure(R"({"action":"scrape","info_hash":[1]})"), R"({"action":"scrape","failure reason":"invalid info_hash"})");
  EXPECT_EQ(failure_message({"x", "binary", "", std::nullopt}), R"({"action":"announce","failure reason":"x","info_hash":""})");
}

TEST(sigdRegistry, CountsRefusesOtherOwnersAndDeletesEmptySwarms) {
  Registry r;
  const ConnId c1 = 1;
  const ConnId c2 = 2;
  Id20 ih = id_of('h');
  EXPECT_EQ(r.upsert(ih, id_of('1'), c1, {}, 0, false, 1000).result, Registry::UpsertResult::created);
  r.upsert(ih, id_of('2'), c1, {}, 1, false, 1000);
  r.upsert(ih, id_of('3'), 0, {}, -1, false, 1000);
  EXPECT_EQ(r.peer_count(), 3u);
  EXPECT_EQ(r.seeder_count(), 1u);
  EXPECT_EQ(r.ws_peer_count(), 2u);
  // Another connection, or HTTP, announcing c1's peer_id: refused, nothing changes.
  auto hijack = r.upsert(ih, id_of('1'), c2, {}, 1, true, 2000);
  EXPECT_TRUE(hijack.refused());
  EXPECT_EQ(hijack.result, Registry::UpsertResult::peer_id_taken);
  EXPECT_TRUE(r.upsert(ih, id_of('1'), 0, {}, 1, true, 2000).refused());
  EXPECT_TRUE(r.upsert(ih, id_of('3'), c2, {}, 1, true, 2000).refused());  // an HTTP peer's id over WebSocket
  EXPECT_EQ(r.find(ih)->downloaded, 0u);
  EXPECT_EQ(r.seeder_count(), 1u);
  EXPECT_EQ(r.find(ih)->peers[r.find(ih)->index.at(id_of('1'))].conn, c1);
  EXPECT_FALSE(r.remove(ih, id_of('1'), c2));
  EXPECT_FALSE(r.remove(ih, id_of('1'), 0));  // HTTP stopped never removes a WebSocket peer
  EXPECT_FALSE(r.remove(ih, id_of('3'), c1));       // nor WebSocket stopped an HTTP one
  EXPECT_EQ(r.upsert(ih, id_of('1'), c1, {}, -1, false, 2000).result, Registry::UpsertResult::refreshed);
  int picked = 0;
  r.pick_ws_peers(*r.find(ih), id_of('2'), 10, [&](Peer& p) {
    EXPECT_TRUE(p.conn);
    ++picked;
  });
  EXPECT_EQ(picked, 1);
  EXPECT_EQ(r.expire(1500, 1500, [](const Id20&, const Peer&) {}), 2u);  // peers 2 and 3 were last seen at 1000
  EXPECT_EQ(r.peer_count(), 1u);
  EXPECT_TRUE(r.remove(ih, id_of('1'), c1));
  EXPECT_EQ(r.swarm_count(), 0u);
  EXPECT_EQ(r.peer_count(), 0u);
  EXPECT_EQ(r.ws_peer_count(), 0u);
}

// The registry names WebSocket owners by connection id only: the expiry
// callback and a refused announce report the id (and the holder's address),
// which the server resolves while the connection is still open.
TEST(sigdRegistry, OwnersAreConnectionIds) {
  Registry r;
  const Id20 ih = id_of('h');
  PeerAddr from;
  from.ip = {198, 51, 100, 7};
  ASSERT_FALSE(r.upsert(ih, id_of('1'), ConnId{41}, from, 0, false, 1000).refused());
  auto taken = r.upsert(ih, id_of('1'), ConnId{42}, from, 0, false, 1100);
  ASSERT_TRUE(taken.refused());
  ASSERT_NE(taken.peer, nullptr);
  EXPECT_EQ(taken.peer->conn, ConnId{41}) << "a refusal names the connection holding the peer_id";
  EXPECT_TRUE(taken.peer->addr.same_ip(from)) << "and the client address it announced from";
  EXPECT_FALSE(taken.peer->is_http());
  std::vector<ConnId> expired_owners;
  r.expire(2000, 2000, [&](const Id20&, const Peer& p) { expired_owners.push_back(p.conn); });
  EXPECT_EQ(expired_owners, std::vector<ConnId>{41});
  EXPECT_FALSE(r.remove(ih, id_of('1'), ConnId{41})) << "already expired";
}

TEST(sigdRegistry, HttpPeersExpireOnTheirOwnInterval) {
  Registry r;
  Id20 ih = id_of('h');
  r.upsert(ih, id_of('w'), ConnId{1}, {}, 0, false, 1000);
  r.upsert(ih, id_of('t'), 0, {}, 0, false, 1000);
  std::vector<bool> expired_http;
  auto note = [&](const Id20&, const Peer& p) { expired_http.push_back(p.is_http()); };
  EXPECT_EQ(r.expire(/*ws*/ 2000, /*http*/ 500, note), 1u);  // the WebSocket peer missed two of its intervals
  EXPECT_EQ(expired_http, std::vector<bool>{false});
  EXPECT_EQ(r.peer_count(), 1u);
  EXPECT_EQ(r.expire(2000, 2000, note), 1u);
  EXPECT_EQ(expired_http, (std::vector<bool>{false, true}));
  EXPECT_EQ(r.swarm_count(), 0u);
}

TEST(sigdRegistry, CapsSwarmsAndPeersButRefreshesExistingOnes) {
  Registry r(RegistryLimits{2, 3});
  const ConnId c = 1;
  EXPECT_FALSE(r.upsert(id_of('a'), id_of('1'), c, {}, 0, false, 1).refused());
  EXPECT_FALSE(r.upsert(id_of('b'), id_of('1'), 0, {}, 0, false, 1).refused());
  EXPECT_EQ(r.upsert(id_of('c'), id_of('1'), c, {}, 0, false, 1).result, Registry::UpsertResult::swarm_limit);
  EXPECT_EQ(r.swarm_count(), 2u);
  EXPECT_FALSE(r.upsert(id_of('a'), id_of('2'), c, {}, 0, false, 1).refused());
  EXPECT_EQ(r.upsert(id_of('a'), id_of('3'), c, {}, 0, false, 1).result, Registry::UpsertResult::peer_limit);
  EXPECT_EQ(r.upsert(id_of('a'), id_of('2'), c, {}, 1, true, 2).result, Registry::UpsertResult::refreshed);
  EXPECT_EQ(r.peer_count(), 3u);
  EXPECT_EQ(r.seeder_count(), 1u);
  EXPECT_NE(refusal_reason(Registry::UpsertResult::peer_limit).find("--max-peers"), std::string_view::npos);
}

TEST(sigdScrape, FullScrapeStopsAtTheLimit) {
  Registry r;
  for (int i = 0; i < 100; ++i) {
    Id20 ih = id_of('h');
    ih.bytes[0] = static_cast<uint8_t>(i);
    r.upsert(ih, id_of('p'), 0, {}, 0, false, 1);
  }
  AllowList allow;
  ScrapeRequest full;
  full.full = true;
  auto sel = select_scrape(full, r, allow, 5);
  EXPECT_EQ(sel.files.size(), 5u);
  EXPECT_EQ(sel.swarms_visited, 5u);  // not all 100
  EXPECT_EQ(select_scrape(full, r, allow, 1000).swarms_visited, 100u);
  size_t visited = 0;
  r.for_each_swarm([&](const Id20&, const Swarm&) { return ++visited < 3; });
  EXPECT_EQ(visited, 3u);
}

TEST(sigdScrape, RepeatedHashesAnsweredOnce) {
  Registry r;
  r.upsert(id_of('a'), id_of('p'), 0, {}, 1, false, 1);
  AllowList allow;
  ScrapeRequest req;
  req.info_hashes = {id_of('a'), id_of('b'), id_of('a'), id_of('b'), id_of('c')};
  auto sel = select_scrape(req, r, allow, 255);
  ASSERT_EQ(sel.files.size(), 3u);
  EXPECT_EQ(sel.files[0].complete, 1u);
  std::string reply = scrape_reply(sel.files, 600);
  EXPECT_EQ(nlohmann::json::parse(reply)["files"].size(), 3u);
  size_t keys = 0;
  for (size_t at = reply.find("\"aaaaaaaaaaaaaaaaaaaa\":"); at != std::string::npos;
       at = reply.find("\"aaaaaaaaaaaaaaaaaaaa\":", at + 1))
    ++keys;
  EXPECT_EQ(keys, 1u);
  EXPECT_EQ(select_scrape(req, r, allow, 2).files.size(), 2u);
}

TEST(sigdRegistry, FanOutPicksDistinctPeersExceptSelf) {
  Registry r;
  Id20 ih = id_of('h');
  for (int i = 0; i < 200; ++i) {
    Id20 p = id_of('x');
    p.bytes[0] = static_cast<uint8_t>(i);
    r.upsert(ih, p, ConnId{1000} + static_cast<ConnId>(i), {}, 0, false, 1);
  }
  Id20 self = id_of('x');
  std::set<const Peer*> seen;
  r.pick_ws_peers(*r.find(ih), self, 10, [&](Peer& p) {
    EXPECT_FALSE(p.peer_id == self);
    seen.insert(&p);
  });
  EXPECT_EQ(seen.size(), 10u);
}

TEST(sigdStaticFiles, RangesMimeAndCache) {
  ByteRange br;
  EXPECT_EQ(parse_range("bytes=0-9", 100, br), RangeResult::ok);
  EXPECT_EQ(br.last, 9u);
  EXPECT_EQ(parse_range("bytes=-10", 100, br), RangeResult::ok);
  EXPECT_EQ(br.first, 90u);
  EXPECT_EQ(parse_range("bytes=50-", 100, br), RangeResult::ok);
  EXPECT_EQ(br.last, 99u);
  EXPECT_EQ(parse_range("bytes=100-", 100, br), RangeResult::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=0-1,5-6", 100, br), RangeResult::none);
  EXPECT_EQ(parse_range("items=0-1", 100, br), RangeResult::none);
  EXPECT_EQ(mime_type_for("/live/a.m3u8"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(mime_type_for("/x/seg.M4S"), "video/iso.segment");
  EXPECT_EQ(cache_control_for("/a.m3u8"), "no-cache");
  EXPECT_EQ(cache_control_for("/a.ts"), "public, max-age=31536000, immutable");
}

TEST(sigdStaticFiles, NeverLeavesTheRoot) {
  auto root = std::filesystem::temp_directory_path() / ("sigd-static-" + std::to_string(::getpid()));
  std::filesystem::create_directories(root / "sub");
  std::ofstream(root / "sub" / "a.ts") << "x";
  std::filesystem::create_symlink("/etc/passwd", root / "leak");
  std::string r = std::filesystem::canonical(root).string();
  EXPECT_TRUE(resolve_static_path(r, "/sub/a.ts"));
  EXPECT_FALSE(resolve_static_path(r, "/sub/../../etc/passwd"));
  EXPECT_FALSE(resolve_static_path(r, "/leak"));
  EXPECT_FALSE(resolve_static_path(r, "/sub"));  // no index.html, no listing
  std::filesystem::remove_all(root);
}

TEST(sigdHttpTracker, CompactPeersAndBencodedFailures) {
  Registry r;
  Stats st;
  AllowList allow;
  HttpTrackerConfig cfg;
  PeerAddr a;
  a.ip = {127, 0, 0, 1};
  std::string q1 = "info_hash=%00%0D" + std::string(18, 'a') + "&peer_id=" + std::string(20, 'A') + "&port=6881&left=0&compact=1";
  std::string q2 = "info_hash=%00%0D" + std::string(18, 'a') + "&peer_id=" + std::string(20, 'B') + "&port=6882&left=5&compact=1";
  http_announce(q1, a, r, st, allow, cfg, 1);
  std::string reply = http_announce(q2, a, r, st, allow, cfg, 1);
  EXPECT_NE(reply.find("5:peers6:\x7f\x00\x00\x01\x1a\xe1"s), std::string::npos) << reply;
  EXPECT_NE(reply.find("8:completei1e"), std::string::npos);
  EXPECT_EQ(http_announce("info_hash=abc", a, r, st, allow, cfg, 1), "d14:failure reason17:invalid info_hashe");
  std::string scrape = http_scrape("info_hash=%00%0D" + std::string(18, 'a'), r, st, allow, cfg);
  EXPECT_NE(scrape.find("8:completei1e10:downloadedi0e10:incompletei1e"), std::string::npos) << scrape;
  EXPECT_NE(scrape.find("5:flagsd20:min_request_intervali600ee"), std::string::npos) << scrape;
}

// HTTP requests touch HTTP peers only: a WebSocket peer's id (every relayed
// offer carries one) can neither stop it nor take it over.
TEST(sigdHttpTracker, LeavesWebSocketPeersAlone) {
  Registry r;
  Stats st;
  AllowList allow;
  HttpTrackerConfig cfg;
  PeerAddr a;
  a.ip = {10, 0, 0, 9};
  const Id20 ih = id_of('i'), browser = id_of('B');
  const ConnId ws = 1;
  r.upsert(ih, browser, ws, {}, 0, false, 1);
  const std::string base = "info_hash=" + std::string(20, 'i') + "&peer_id=" + std::string(20, 'B') + "&port=6881";
  EXPECT_EQ(http_announce(base + "&event=stopped", a, r, st, allow, cfg, 2).find("failure"), std::string::npos);
  ASSERT_EQ(r.peer_count(), 1u);
  EXPECT_EQ(http_announce(base + "&left=0", a, r, st, allow, cfg, 2),
            bencoded_failure(refusal_reason(Registry::UpsertResult::peer_id_taken)));
  const Peer& p = r.find(ih)->peers[0];
  EXPECT_EQ(p.conn, ws);
  EXPECT_FALSE(p.seeder);
  EXPECT_EQ(st.errors[static_cast<size_t>(ErrorKind::peer_id_taken)], 1u);
}

// peer_ids are not secret (every peer list may carry them): an HTTP peer is
// refreshed, moved or stopped only by its own client, known by the key= it
// announced with, or without one by its IP.
TEST(sigdHttpTracker, PeersBelongToTheirKeyOrTheirIp) {
  Registry r;
  Stats st;
  AllowList allow;
  HttpTrackerConfig cfg;
  PeerAddr home, other;
  home.ip = {10, 0, 0, 1};
  other.ip = {10, 0, 0, 2};
  const Id20 ih = id_of('i');
  const std::string ih_q = "info_hash=" + std::string(20, 'i');
  auto q = [&](char pid, const std::string& rest) {
    return ih_q + "&peer_id=" + std::string(20, pid) + "&port=6881" + rest;
  };
  const std::string taken = bencoded_failure(refusal_reason(Registry::UpsertResult::peer_id_taken));
  auto peer = [&](char pid) { return r.find(ih)->peers[r.find(ih)->index.at(id_of(pid))]; };

  // Without a key: the IP owns the peer.
  ASSERT_EQ(http_announce(q('A', "&left=5"), home, r, st, allow, cfg, 1).find("failure"), std::string::npos);
  EXPECT_EQ(http_announce(q('A', "&left=0"), other, r, st, allow, cfg, 2), taken);
  EXPECT_FALSE(peer('A').seeder);
  http_announce(q('A', "&event=stopped"), other, r, st, allow, cfg, 2);
  ASSERT_EQ(r.peer_count(), 1u) << "a stop from another IP removed the peer";
  EXPECT_EQ(peer('A').last_seen_ms, 1) << "a refused announce refreshed the peer";
  EXPECT_EQ(http_announce(q('A', "&left=0"), home, r, st, allow, cfg, 3).find("failure"), std::string::npos);
  EXPECT_TRUE(peer('A').seeder);

  // With a key: the key owns it, from any IP (a client whose address changed).
  ASSERT_EQ(http_announce(q('K', "&left=5&key=1A2B3C4D"), home, r, st, allow, cfg, 4).find("failure"),
            std::string::npos);
  EXPECT_EQ(http_announce(q('K', "&left=0"), home, r, st, allow, cfg, 5), taken) << "same IP, no key";
  EXPECT_EQ(http_announce(q('K', "&left=0&key=FFFFFFFF"), home, r, st, allow, cfg, 5), taken) << "wrong key";
  http_announce(q('K', "&event=stopped&key=FFFFFFFF"), other, r, st, allow, cfg, 5);
  ASSERT_EQ(r.peer_count(), 2u) << "a stop with the wrong key removed the peer";
  EXPECT_EQ(http_announce(q('K', "&left=0&key=1A2B3C4D"), other, r, st, allow, cfg, 6).find("failure"),
            std::string::npos);
  EXPECT_EQ(peer('K').addr.ip, other.ip) << "the key's holder moved";
  http_announce(q('K', "&event=stopped&key=1A2B3C4D"), other, r, st, allow, cfg, 7);
  EXPECT_EQ(r.peer_count(), 1u);
  EXPECT_EQ(st.errors[static_cast<size_t>(ErrorKind::peer_id_taken)], 3u);
}

TEST(sigdForwarded, ClientNamedByTheProxy) {
  auto v4 = parse_ip(" 203.0.113.7 ");
  ASSERT_TRUE(v4);
  EXPECT_FALSE(v4->v6);
  EXPECT_EQ(v4->ip[0], 203);
  auto mapped = parse_ip("::ffff:10.1.2.3");
  ASSERT_TRUE(mapped);
  EXPECT_FALSE(mapped->v6) << "IPv4-mapped IPv6 is IPv4, as accepted sockets are";
  ASSERT_TRUE(parse_ip("2001:db8::5"));
  EXPECT_TRUE(parse_ip("2001:db8::5")->v6);
  for (const char* bad : {"", "unknown", "203.0.113.7:443", "[2001:db8::5]", "1.2.3", "example.com"})
    EXPECT_FALSE(parse_ip(bad)) << bad;

  EXPECT_EQ(forwarded_client("198.51.100.2", "192.0.2.1")->ip[0], 198) << "CF-Connecting-IP first";
  EXPECT_EQ(forwarded_client("", "10.9.9.9, 192.0.2.44")->ip[3], 44) << "the last X-Forwarded-For entry";
  EXPECT_FALSE(forwarded_client("", "")) << "a proxy that names nobody";
  EXPECT_FALSE(forwarded_client("garbage", "192.0.2.44")) << "a CF-Connecting-IP that is not an IP is not skipped";

  const std::string head = "Host: x\r\nCF-Connecting-IP:  203.0.113.7 \r\nX-Forwarded-For: a, b\r\nX-Cf: no";
  EXPECT_EQ(header_value(head, "cf-connecting-ip"), "203.0.113.7");
  EXPECT_EQ(header_value(head, "x-forwarded-for"), "a, b");
  EXPECT_EQ(header_value(head, "x-real-ip"), "");
  EXPECT_EQ(header_value("", "host"), "");

  TrustedProxies proxies({"127.0.0.1", "::1"});
  EXPECT_TRUE(proxies.contains(*parse_ip("127.0.0.1")));
  EXPECT_TRUE(proxies.contains(*parse_ip("::1")));
  EXPECT_FALSE(proxies.contains(*parse_ip("127.0.0.2")));
  const std::vector<std::string> not_an_ip = {"localhost"};
  EXPECT_THROW(TrustedProxies{not_an_ip}, hlsmesh::Error);
}

TEST(sigdHttpTracker, CapsAnsweredWithFailureReasons) {
  Registry r(RegistryLimits{1, 2});
  Stats st;
  AllowList allow;
  HttpTrackerConfig cfg;
  PeerAddr a;
  a.ip = {127, 0, 0, 1};
  auto q = [](char ih, char pid) {
    return "info_hash=" + std::string(20, ih) + "&peer_id=" + std::string(20, pid) + "&port=6881&left=1";
  };
  EXPECT_EQ(http_announce(q('a', '1'), a, r, st, allow, cfg, 1).find("failure"), std::string::npos);
  EXPECT_EQ(http_announce(q('b', '1'), a, r, st, allow, cfg, 1),
            bencoded_failure(refusal_reason(Registry::UpsertResult::swarm_limit)));
  EXPECT_EQ(http_announce(q('a', '2'), a, r, st, allow, cfg, 1).find("failure"), std::string::npos);
  EXPECT_EQ(http_announce(q('a', '3'), a, r, st, allow, cfg, 1),
            bencoded_failure(refusal_reason(Registry::UpsertResult::peer_limit)));
  EXPECT_EQ(st.errors[static_cast<size_t>(ErrorKind::swarm_limit)], 1u);
  EXPECT_EQ(st.errors[static_cast<size_t>(ErrorKind::peer_limit)], 1u);
  EXPECT_EQ(r.swarm_count(), 1u);
  EXPECT_EQ(r.peer_count(), 2u);
}

TEST(sigdAccess, TokensOriginsBuckets) {
  EXPECT_TRUE(token_matches("secret", "secret"));
  EXPECT_FALSE(token_matches("secreT", "secret"));
  EXPECT_FALSE(token_matches("", ""));
  OriginPolicy p;
  p.allow = {"https://a"};
  EXPECT_TRUE(p.permits("https://a"));
  EXPECT_FALSE(p.permits("https://b"));
  TokenBucket b(1.0, 2, 0);
  EXPECT_TRUE(b.take(0));
  EXPECT_TRUE(b.take(0));
  EXPECT_FALSE(b.take(0));
  EXPECT_TRUE(b.take(1000));
}

TEST(sigdRateLimit, BucketPerAddressRefillsAndIsForgotten) {
  IpRateLimit limit(/*rate*/ 2, /*burst*/ 3, /*max_addresses*/ 2);
  PeerAddr a, b, c;
  a.ip = {198, 51, 100, 1};
  b.ip = {203, 0, 113, 1};
  c.ip = {203, 0, 113, 2};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limit.take(a, 0)) << "burst " << i;
  EXPECT_FALSE(limit.take(a, 0)) << "over the burst";
  EXPECT_TRUE(limit.take(b, 0)) << "another address has a bucket of its own";
  EXPECT_FALSE(limit.take(c, 0)) << "the table is full and nobody's bucket has refilled";
  EXPECT_TRUE(limit.take(a, 500)) << "2/s: one more after 500 ms";
  EXPECT_FALSE(limit.take(a, 500));
  EXPECT_EQ(limit.prune(1000), 1u) << "b's bucket is full again at 1000 ms, a's is not";
  EXPECT_TRUE(limit.take(c, 1000)) << "room for a new address once one is forgotten";
  EXPECT_EQ(limit.prune(10000), 2u);
  EXPECT_EQ(limit.size(), 0u);
  IpRateLimit off;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(off.take(a, 0));
}

TEST(sigdHttpTracker, ClassifiesRequestHeadsAsTheyArrive) {
  EXPECT_EQ(classify_request(""), RequestKind::incomplete);
  EXPECT_EQ(classify_request("GET /ann"), RequestKind::incomplete);
  EXPECT_EQ(classify_request("GET /announce?info_hash=%00"), RequestKind::incomplete) << "headers not in yet";
  EXPECT_EQ(classify_request("GET /announce?info_hash=%00 HTTP/1.1\r\nHost: x\r\n\r\n"), RequestKind::tracker);
  EXPECT_EQ(classify_request("GET /scrape?info_hash=%0D HTTP/1.1\r\n\r\n"), RequestKind::tracker);
  EXPECT_EQ(classify_request("GET /announce?x HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
            RequestKind::other)
      << "a WebSocket upgrade on the tracker path is lws's";
  EXPECT_EQ(classify_request("GET /health HTTP/1.1\r\n"), RequestKind::other);
  EXPECT_EQ(classify_request("POST /report HTTP/1.1\r\n"), RequestKind::other);
  EXPECT_EQ(classify_request("GET /x"), RequestKind::other) << "decided before its line ends";
  EXPECT_EQ(classify_request("GET /announce HTTP/1.1\r\n"), RequestKind::other) << "no query: lws's";
}
