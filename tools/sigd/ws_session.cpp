// WebSocket connections: upgrade filtering, the send queue, receiving and
// reassembling messages for the WebTorrent tracker (ws_tracker.cpp), /events
// subscribers and /publish publishers.
#include <algorithm>
#include <cstring>

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

std::string framed(std::string_view text) {
  std::string out = frame_headroom(text.size());
  out.append(text);
  return out;
}

}  // namespace

std::string frame_headroom(size_t text_size) {
  std::string out;
  out.reserve(LWS_PRE + text_size);
  out.append(LWS_PRE, '\0');
  return out;
}

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
      c.id = next_conn_id_++;
      tracker_conns_.emplace(c.id, &c);
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
        tracker_conns_.erase(c.id);
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
  c.out.clear();
  c.out.shrink_to_fit();
  c.out_head = c.out_bytes = 0;
  lws_set_timeout(c.wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

void Server::send(Conn& c, std::string&& frame) {
  if (c.closing) return;
  const size_t payload = frame.size() - LWS_PRE;
  if (c.out_bytes + payload > opt_.send_queue) {
    stats_.error(ErrorKind::send_queue);
    if (c.kind == ConnKind::events) ++stats_.feed_dropped;
    log::info("dropping a connection whose send queue is full", {{"queued_bytes", c.out_bytes}});
    kill(c);
    return;
  }
  c.out.push_back(std::move(frame));
  c.out_bytes += payload;
  lws_callback_on_writable(c.wsi);
}

void Server::send_text(Conn& c, std::string_view text) { send(c, framed(text)); }

int Server::ws_writeable(lws* wsi) {
  Session* s = session(wsi);
  if (!s || !s->ws) return -1;
  Conn& c = *s->ws;
  if (c.closing) return -1;
  const size_t queued = c.out.size() - c.out_head;
  if (queued == 1) {
    // The common case: one message, written in place behind its LWS_PRE headroom.
    std::string& m = c.out[c.out_head];
    const size_t len = m.size() - LWS_PRE;
    if (lws_write(wsi, reinterpret_cast<unsigned char*>(m.data()) + LWS_PRE, len, LWS_WRITE_TEXT) < 0) return -1;
    stats_.bytes_out += len;
    ++stats_.messages_out;
    c.out_bytes -= len;
    ++c.out_head;
  } else if (queued > 1) {
    // Several: frame them ourselves (server frames are unmasked, and no
    // extension is negotiated) and hand lws one buffer, one send().
    std::string batch(LWS_PRE, '\0');
    while (c.out_head < c.out.size() && batch.size() < 64 * 1024) {
      std::string& m = c.out[c.out_head];
      const size_t len = m.size() - LWS_PRE;
      batch += static_cast<char>(0x81);
      if (len < 126) {
        batch += static_cast<char>(len);
      } else if (len < 65536) {
        batch += static_cast<char>(126);
        batch += static_cast<char>(len >> 8);
        batch += static_cast<char>(len & 0xFF);
      } else {
        batch += static_cast<char>(127);
        for (int shift = 56; shift >= 0; shift -= 8) batch += static_cast<char>((static_cast<uint64_t>(len) >> shift) & 0xFF);
      }
      batch.append(m, LWS_PRE, len);
      stats_.bytes_out += len;
      ++stats_.messages_out;
      c.out_bytes -= len;
      std::string().swap(m);
      ++c.out_head;
    }
    const size_t n = batch.size() - LWS_PRE;
    if (lws_write(wsi, reinterpret_cast<unsigned char*>(batch.data()) + LWS_PRE, n, LWS_WRITE_RAW) < 0) return -1;
  }
  if (c.out_head == c.out.size()) {
    c.out.clear();
    c.out_head = 0;
    if (c.out.capacity() > 16) c.out.shrink_to_fit();
  } else {
    lws_callback_on_writable(wsi);
  }
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
    static const char reason[] = "message too large";
    lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                     reinterpret_cast<unsigned char*>(const_cast<char*>(reason)), sizeof reason - 1);
    return -1;
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
  const bool binary = lws_frame_is_binary(wsi);

  int rc = 0;
  switch (c.kind) {
    case ConnKind::tracker:
      if (binary) {
        stats_.error(ErrorKind::binary);
        send_text(c, failure_message({"invalid request: binary frame", "binary", "announce", std::nullopt}));
        rc = ++c.bad_messages >= static_cast<uint32_t>(opt_.max_bad_messages) ? 1 : 0;
      } else {
        rc = handle_tracker_message(c, message);
      }
      break;
    case ConnKind::events:
      break;  // subscribers only listen
    case ConnKind::publish: {
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
      break;
    }
  }
  if (rc) {
    ++stats_.closed_for_abuse;
    log::info("closing a WebSocket connection: too many bad or over-rate messages",
              {{"client", ip_text(c.client)}, {"bad_messages", c.bad_messages}});
    static const char reason[] = "too many bad messages";
    lws_close_reason(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION,
                     reinterpret_cast<unsigned char*>(const_cast<char*>(reason)), sizeof reason - 1);
    return -1;
  }
  return 0;
}

void Server::feed_event(hlsmesh::Json&& event) {
  std::string line = hlsmesh::dump_event(event);
  ++stats_.feed_events;
  auto kind = event.find("event");
  if (kind != event.end() && kind->is_string() && *kind == "segment" && opt_.feed_backlog > 0) {
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
