// WebSocket connections: upgrade filtering, the send queue, receiving and
// reassembling messages for the WebTorrent tracker (ws_tracker.cpp), /events
// subscribers and /publish publishers.
#include <algorithm>
#include <cstring>

#include "common/events.hpp"
#include "common/log.hpp"
#include "common/time_util.hpp"
#include "tools/sigd/server.hpp"

namespace hlsmesh::sigd {

namespace log = hlsmesh::log;

namespace {

std::string uri_path(lws* wsi) {
  char buf[512];
  int n = lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_GET_URI);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

std::string header(lws* wsi, lws_token_indexes token) {
  int len = lws_hdr_total_length(wsi, token);
  if (len <= 0 || len > 4096) return {};
  std::string out(static_cast<size_t>(len) + 1, '\0');
  int n = lws_hdr_copy(wsi, out.data(), len + 1, token);
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

// Largest write handed to lws at once, in whole frames.
constexpr size_t max_write = 64 * 1024;
// A drained send buffer up to this size is kept for the next messages.
constexpr size_t keep_capacity = 2048;

// The header of a final, unmasked text frame (RFC 6455 5.2). sigd frames its
// messages itself: server frames are unmasked and no extension is
// negotiated, so the bytes are what lws_write(LWS_WRITE_TEXT) would send.
void append_frame_header(std::string& out, size_t len) {
  out += static_cast<char>(0x81);
  if (len < 126) {
    out += static_cast<char>(len);
  } else if (len < 65536) {
    out += static_cast<char>(126);
    out += static_cast<char>(len >> 8);
    out += static_cast<char>(len & 0xFF);
  } else {
    out += static_cast<char>(127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((static_cast<uint64_t>(len) >> shift) & 0xFF);
  }
}

// The size of a frame append_frame_header() began at `p`; `payload` its payload's.
size_t frame_size(const unsigned char* p, size_t& payload) {
  const uint8_t code = p[1];
  if (code < 126) {
    payload = code;
    return 2 + payload;
  }
  if (code == 126) {
    payload = (static_cast<size_t>(p[2]) << 8) | p[3];
    return 4 + payload;
  }
  payload = 0;
  for (int i = 0; i < 8; ++i) payload = (payload << 8) | p[2 + i];
  return 10 + payload;
}

// Closes with a status and a static reason; lws wants a mutable pointer but
// does not write through it. Returns -1, what the callback must return.
int close_with(lws* wsi, lws_close_status status, std::string_view reason) {
  lws_close_reason(wsi, status, reinterpret_cast<unsigned char*>(const_cast<char*>(reason.data())), reason.size());
  return -1;
}

}  // namespace

int Server::ws_filter(lws* wsi) {
  const std::string path = uri_path(wsi);
  ConnKind kind;
  if (std::find(opt_.ws_paths.begin(), opt_.ws_paths.end(), path) != opt_.ws_paths.end()) {
    kind = ConnKind::tracker;
  } else if (path == "/events") {
    kind = ConnKind::events;
  } else if (path == "/publish") {
    kind = ConnKind::publish;
  } else {
    return 1;  // no WebSocket here
  }
  if (kind == ConnKind::tracker || kind == ConnKind::events) {
    if (!origins_.permits(header(wsi, WSI_TOKEN_ORIGIN))) {
      stats_.error(ErrorKind::origin);
      return 1;
    }
  }
  if (kind == ConnKind::publish) {
    std::string presented;
    char arg[512];
    // lws copies "token=VALUE" into arg and returns where VALUE starts.
    if (const char* value = lws_get_urlarg_by_name(wsi, "token=", arg, sizeof arg)) presented = value;
    std::string auth = header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
    if (presented.empty() && auth.rfind("Bearer ", 0) == 0) presented = auth.substr(7);
    if (opt_.publish_token.empty() || !token_matches(presented, opt_.publish_token)) {
      stats_.error(ErrorKind::publish_auth);
      log::warning("refused a /publish connection: wrong or missing token (give ?token= or Authorization: Bearer)");
      return 1;
    }
  }
  Session* s = session(wsi);
  if (!s) s = &sessions_[wsi];
  // Through a trusted proxy the viewer is the client its upgrade names: the
  // per-IP cap, and everything keyed on the address, count that one.
  if (trusted_proxies_.contains(s->remote)) {
    const PeerAddr client = upgrade_client(wsi, s->remote);
    if (!admit_per_ip(*s, client)) {
      log::debug("refused a WebSocket upgrade: --max-per-ip reached", {{"client", ip_text(client)}});
      return 1;
    }
    s->client = client;
  }
  s->ws = std::make_unique<Conn>();
  s->ws->wsi = wsi;
  s->ws->kind = kind;
  s->ws->client = s->client;
  return 0;
}

int Server::ws_established(lws* wsi) {
  Session* s = session(wsi);
  if (!s || !s->ws) return -1;
  Conn& c = *s->ws;
  c.established = true;
  c.bucket = TokenBucket(opt_.msg_rate, opt_.msg_burst, hlsmesh::monotonic_ms());
  switch (c.kind) {
    case ConnKind::tracker:
      ++stats_.ws_open;
      c.id = add_tracker_conn(c);
      break;
    case ConnKind::events:
      ++stats_.feed_subscribers;
      subscribers_.insert(&c);
      for (const auto& line : backlog_) send_text(c, line);
      break;
    case ConnKind::publish:
      ++stats_.publishers;
      break;
  }
  return 0;
}

void Server::ws_closed(lws* wsi) {
  Session* s = session(wsi);
  if (!s || !s->ws) return;
  Conn& c = *s->ws;
  if (c.established) {
    switch (c.kind) {
      case ConnKind::tracker:
        --stats_.ws_open;
        leave_all(c);
        remove_tracker_conn(c.id);
        break;
      case ConnKind::events:
        --stats_.feed_subscribers;
        subscribers_.erase(&c);
        break;
      case ConnKind::publish:
        --stats_.publishers;
        break;
    }
  }
  s->ws.reset();
}

void Server::leave_all(Conn& c) {
  for (const auto& [ih, pid] : c.memberships) registry_.remove(ih, pid, c.id);
  c.memberships.clear();
}

void Server::drop_membership(Conn& c, const Id20& ih, const Id20& pid) {
  auto& m = c.memberships;
  for (size_t i = 0; i < m.size(); ++i)
    if (m[i].first == ih && m[i].second == pid) {
      m[i] = m.back();
      m.pop_back();
      return;
    }
}

void Server::kill(Conn& c) {
  if (c.closing) return;
  c.closing = true;
  // Drop what is queued now: this connection cannot keep up, and its memory is the point.
  std::string().swap(c.out);
  c.out_head = c.out_bytes = 0;
  lws_set_timeout(c.wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

void Server::send_text(Conn& c, std::string_view text) {
  if (c.closing) return;
  if (c.out_bytes + text.size() > opt_.send_queue) {
    stats_.error(ErrorKind::send_queue);
    if (c.kind == ConnKind::events) ++stats_.feed_dropped;
    log::info("dropping a connection whose send queue is full", {{"queued_bytes", c.out_bytes}});
    kill(c);
    return;
  }
  // With something queued, a writeable callback is pending already.
  const bool idle = c.out_head == c.out.size();
  if (c.out.empty()) {
    c.out.assign(LWS_PRE, '\0');
    c.out_head = LWS_PRE;
  }
  const size_t before = c.out.size();
  append_frame_header(c.out, text.size());
  c.out.append(text);
  c.out_bytes += c.out.size() - before;
  if (idle) lws_callback_on_writable(c.wsi);
}

int Server::ws_writeable(lws* wsi) {
  Session* s = session(wsi);
  if (!s || !s->ws) return -1;
  Conn& c = *s->ws;
  if (c.closing) return -1;
  if (c.out_head == c.out.size()) return 0;
  // Whole frames only (lws may send a ping or pong between two writes), as
  // many as fit in max_write: one send() for all that is queued, mostly.
  auto* data = reinterpret_cast<unsigned char*>(c.out.data());
  size_t end = c.out_head, messages = 0, payload = 0;
  while (end < c.out.size()) {
    size_t len = 0;
    const size_t frame = frame_size(data + end, len);
    if (end > c.out_head && end - c.out_head + frame > max_write) break;
    end += frame;
    payload += len;
    ++messages;
  }
  // Every byte before out_head is LWS_PRE headroom or already written.
  if (lws_write(wsi, data + c.out_head, end - c.out_head, LWS_WRITE_RAW) < 0) return -1;
  stats_.bytes_out += payload;
  stats_.messages_out += messages;
  c.out_bytes -= end - c.out_head;
  c.out_head = end;
  if (c.out_head == c.out.size()) {
    c.out_head = 0;
    if (c.out.capacity() > keep_capacity) std::string().swap(c.out);
    else c.out.clear();
    return 0;
  }
  if (c.out_head > max_write && c.out_head * 2 > c.out.size()) {
    c.out.erase(LWS_PRE, c.out_head - LWS_PRE);  // keeps the headroom, drops what was written
    c.out_head = LWS_PRE;
  }
  lws_callback_on_writable(wsi);
  return 0;
}

int Server::ws_receive(lws* wsi, const void* in, size_t len) {
  Session* s = session(wsi);
  if (!s || !s->ws) return -1;
  Conn& c = *s->ws;
  if (c.closing) return -1;
  const bool first = lws_is_first_fragment(wsi) != 0;
  const bool last = lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0;
  if (first) c.rx.clear();
  if (c.rx.size() + len > opt_.max_message) {
    stats_.error(ErrorKind::too_large);
    ++stats_.closed_for_abuse;
    return close_with(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too large");
  }
  std::string assembled;
  std::string_view message;
  if (first && last) {
    // The common case, a whole message in one piece: handled in lws's buffer, no copy.
    message = std::string_view(static_cast<const char*>(in), len);
  } else {
    c.rx.append(static_cast<const char*>(in), len);
    if (!last) return 0;
    assembled.swap(c.rx);  // leaves rx without a buffer while idle
    message = assembled;
  }
  ++stats_.messages_in;
  stats_.bytes_in += message.size();
  if (on_ws_message(c, message, lws_frame_is_binary(wsi)) == 0) return 0;
  ++stats_.closed_for_abuse;
  log::info("closing a WebSocket connection: too many bad or over-rate messages",
            {{"client", ip_text(c.client)}, {"bad_messages", c.bad_messages}});
  return close_with(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, "too many bad messages");
}

int Server::on_ws_message(Conn& c, std::string_view message, bool binary) {
  switch (c.kind) {
    case ConnKind::tracker:
      if (!binary) return handle_tracker_message(c, message);
      stats_.error(ErrorKind::binary);
      send_text(c, failure_message({"invalid request: binary frame", "binary", "announce", std::nullopt}));
      return ++c.bad_messages >= static_cast<uint32_t>(opt_.max_bad_messages) ? 1 : 0;
    case ConnKind::events:
      return 0;  // subscribers only listen
    case ConnKind::publish:
      publish_lines(message);
      return 0;
  }
  return 0;
}

void Server::publish_lines(std::string_view message) {
  std::string_view rest(message);
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    hlsmesh::EventReader parser(-1, false, "/publish");
    if (auto ev = parser.parse_line(line)) feed_event(std::move(*ev));
    else stats_.error(ErrorKind::feed_bad_event);
  }
}

void Server::feed_event(hlsmesh::Json&& event) {
  std::string line = hlsmesh::dump_event(event);
  ++stats_.feed_events;
  if (hlsmesh::events::name(event) == "segment" && opt_.feed_backlog > 0) {
    backlog_.push_back(line);
    while (backlog_.size() > static_cast<size_t>(opt_.feed_backlog)) backlog_.pop_front();
  }
  for (Conn* sub : subscribers_) send_text(*sub, line);
}

void Server::stdin_readable(lws* /*wsi*/) {
  if (!stdin_reader_) return;
  stdin_reader_->read_available([this](hlsmesh::Json&& ev) { feed_event(std::move(ev)); });
}

}  // namespace hlsmesh::sigd
