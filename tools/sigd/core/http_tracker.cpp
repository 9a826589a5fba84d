#include "tools/sigd/core/http_tracker.hpp"

#include <libtorrent/bencode.hpp>
#include <libtorrent/entry.hpp>

#include <charconv>
#include <iterator>

#include "tools/sigd/core/access.hpp"
#include "tools/sigd/core/forwarded.hpp"
#include "tools/sigd/core/scrape.hpp"
#include "tools/sigd/core/stats.hpp"

namespace hlsmesh::sigd {

namespace lt = libtorrent;

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi << 4 | lo);
    i += 2;
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view q, size_t limit) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!q.empty()) {
    auto amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    if (part.empty()) continue;
    if (pairs.size() >= limit) return std::nullopt;
    auto eq = part.find('=');
    auto key = percent_decode(part.substr(0, eq));
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1));
    if (!key || !value) return std::nullopt;
    pairs.emplace_back(std::move(*key), std::move(*value));
  }
  return pairs;
}

std::string bencoded_failure(std::string_view reason) {
  lt::entry e(lt::entry::dictionary_t);
  e["failure reason"] = std::string(reason);
  std::string out;
  lt::bencode(std::back_inserter(out), e);
  return out;
}

RequestKind classify_request(std::string_view head) {
  const auto starts = [&](std::string_view p) { return head.substr(0, p.size()) == p; };
  const bool tracker_line = starts("GET /announce?") || starts("GET /scrape?");
  const auto line_end = head.find("\r\n");
  if (!tracker_line) {
    // A prefix of a tracker request line is still undecided.
    const bool maybe = std::string_view("GET /announce?").starts_with(head.substr(0, 14)) ||
                       std::string_view("GET /scrape?").starts_with(head.substr(0, 12));
    return maybe && line_end == std::string_view::npos ? RequestKind::incomplete : RequestKind::other;
  }
  const auto end = head.find("\r\n\r\n");
  if (end == std::string_view::npos) return RequestKind::incomplete;
  std::string_view headers = head.substr(line_end + 2, end + 2 - (line_end + 2));
  return header_value(headers, "upgrade").empty() ? RequestKind::tracker : RequestKind::other;
}

namespace {

bool to_int(std::string_view s, int64_t& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

void append_compact(std::string& out, const PeerAddr& a) {
  out.append(reinterpret_cast<const char*>(a.ip.data()), a.v6 ? 16 : 4);
  out += static_cast<char>(a.port >> 8);
  out += static_cast<char>(a.port & 0xFF);
}

// key= as the 32-bit FNV-1a hash the registry keeps (never 0, which means
// "no key"): 4 bytes per peer instead of the string, and a client that
// does not know the key cannot present its hash either.
uint32_t key_hash(std::string_view key) {
  uint32_t h = 2166136261u;
  for (unsigned char c : key) h = (h ^ c) * 16777619u;
  return h ? h : 1;
}

// The fields of one HTTP announce (BEP 3, BEP 23's compact, key=).
struct HttpAnnounce {
  std::optional<Id20> info_hash, peer_id;
  int64_t port = -1, left = -1, numwant = 0;
  bool compact = true, no_peer_id = false;
  std::string event;
  uint32_t key = 0;
};

bool known_event(std::string_view e) {
  return e.empty() || e == "started" || e == "stopped" || e == "completed" || e == "paused" || e == "update" ||
         e == "empty";
}

// Reads the query's pairs into `a`; the failure reason, or nullptr when valid.
const char* read_announce(const std::vector<std::pair<std::string, std::string>>& pairs,
                          const HttpTrackerConfig& config, HttpAnnounce& a) {
  a.numwant = config.numwant_default;
  for (const auto& [k, v] : pairs) {
    if (k == "info_hash") {
      if (v.size() != 20) return "invalid info_hash";
      a.info_hash = Id20::from_raw(v);
    } else if (k == "peer_id") {
      if (v.size() != 20) return "invalid peer_id";
      a.peer_id = Id20::from_raw(v);
    } else if (k == "port") {
      if (!to_int(v, a.port) || a.port < 1 || a.port > 65535) return "invalid port";
    } else if (k == "left") {
      if (!to_int(v, a.left)) a.left = -1;
    } else if (k == "numwant") {
      if (!to_int(v, a.numwant) || a.numwant < 0) a.numwant = config.numwant_default;
    } else if (k == "compact") {
      a.compact = v != "0";
    } else if (k == "no_peer_id") {
      a.no_peer_id = v == "1";
    } else if (k == "event") {
      a.event = v;
    } else if (k == "key") {
      if (!v.empty()) a.key = key_hash(v);
    }
  }
  if (!a.info_hash) return "invalid info_hash";
  if (!a.peer_id) return "invalid peer_id";
  if (a.port < 0) return "invalid port";
  if (!known_event(a.event)) return "invalid event";
  return nullptr;
}

// The bencoded answer: counts of `swarm` and up to numwant of its HTTP peers.
std::string http_announce_reply(const HttpAnnounce& a, Registry& registry, Swarm* swarm, bool stopped,
                                const HttpTrackerConfig& config) {
  lt::entry e(lt::entry::dictionary_t);
  e["interval"] = static_cast<int64_t>(config.interval);
  e["min interval"] = static_cast<int64_t>(std::max(1, config.interval / 2));
  e["complete"] = static_cast<int64_t>(swarm ? swarm->complete : 0);
  e["incomplete"] = static_cast<int64_t>(swarm ? swarm->incomplete : 0);
  std::string peers4, peers6;
  lt::entry::list_type peer_list;
  if (swarm && !stopped) {
    const auto numwant = static_cast<size_t>(std::min<int64_t>(a.numwant, config.numwant_max));
    registry.pick_http_peers(*swarm, *a.peer_id, numwant, [&](const Peer& p) {
      if (a.compact) {
        append_compact(p.addr.v6 ? peers6 : peers4, p.addr);
      } else {
        lt::entry d(lt::entry::dictionary_t);
        if (!a.no_peer_id) d["peer id"] = std::string(p.peer_id.view());
        d["ip"] = ip_text(p.addr);
        d["port"] = static_cast<int64_t>(p.addr.port);
        peer_list.push_back(std::move(d));
      }
    });
  }
  if (a.compact) {
    e["peers"] = peers4;
    if (!peers6.empty()) e["peers6"] = peers6;
  } else {
    e["peers"] = std::move(peer_list);
  }
  std::string out;
  lt::bencode(std::back_inserter(out), e);
  return out;
}

}  // namespace

std::string http_announce(std::string_view query, const PeerAddr& remote, Registry& registry, Stats& stats,
                          const AllowList& allow, const HttpTrackerConfig& config, int64_t now_ms) {
  auto pairs = parse_query(query, 64);
  HttpAnnounce a;
  const char* invalid = pairs ? read_announce(*pairs, config, a) : "invalid query string";
  if (invalid) {
    stats.error(ErrorKind::http_tracker);
    return bencoded_failure(invalid);
  }
  if (!allow.allows(*a.info_hash)) {
    stats.error(ErrorKind::not_allowed);
    return bencoded_failure("info_hash is not allowed on this tracker");
  }
  ++stats.announces;
  ++stats.http_announces;

  PeerAddr addr = remote;
  addr.port = static_cast<uint16_t>(a.port);
  const bool stopped = a.event == "stopped";
  Swarm* swarm = nullptr;
  if (stopped) {
    // An HTTP peer only (never a WebSocket one), and only its own client's.
    registry.remove(*a.info_hash, *a.peer_id, 0, addr, a.key);
    swarm = registry.find(*a.info_hash);
  } else {
    const int complete = a.left == 0 || a.event == "completed" ? 1 : (a.left > 0 ? 0 : -1);
    auto up = registry.upsert(*a.info_hash, *a.peer_id, 0, addr, complete, a.event == "completed", now_ms, a.key);
    if (up.refused()) {
      stats.error(error_kind_of(up.result));
      return bencoded_failure(refusal_reason(up.result));
    }
    swarm = up.swarm;
  }
  return http_announce_reply(a, registry, swarm, stopped, config);
}

std::string http_scrape(std::string_view query, const Registry& registry, Stats& stats, const AllowList& allow,
                        const HttpTrackerConfig& config) {
  auto pairs = parse_query(query, config.max_scrape + 16);
  if (!pairs) {
    stats.error(ErrorKind::http_tracker);
    return bencoded_failure("invalid query string");
  }
  ScrapeRequest request;
  for (const auto& [k, v] : *pairs) {
    if (k != "info_hash") continue;
    if (v.size() != 20) {
      stats.error(ErrorKind::http_tracker);
      return bencoded_failure("invalid info_hash");
    }
    if (request.info_hashes.size() < config.max_scrape) request.info_hashes.push_back(Id20::from_raw(v));
  }
  request.full = request.info_hashes.empty();  // no info_hash: a full scrape, bounded
  ++stats.scrapes;
  ++stats.http_scrapes;
  lt::entry e(lt::entry::dictionary_t);
  lt::entry& files = e["files"];
  files = lt::entry(lt::entry::dictionary_t);
  const ScrapeSelection selected = select_scrape(request, registry, allow, config.max_scrape);
  for (const auto& f : selected.files) {
    lt::entry d(lt::entry::dictionary_t);
    d["complete"] = static_cast<int64_t>(f.complete);
    d["downloaded"] = static_cast<int64_t>(f.downloaded);
    d["incomplete"] = static_cast<int64_t>(f.incomplete);
    files[std::string(f.info_hash.view())] = std::move(d);
  }
  // As bittorrent-tracker: the base (HTTP) interval (BEP 48 flags).
  e["flags"]["min_request_interval"] = static_cast<int64_t>(config.interval);
  std::string out;
  lt::bencode(std::back_inserter(out), e);
  return out;
}

}  // namespace hlsmesh::sigd
