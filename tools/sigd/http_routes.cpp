// HTTP on the shared port: /health, /stats.json, /metrics, the HTTP tracker
// (/announce, /scrape) and --www static files; plus sniffed raw HTTP tracker
// requests that bypass lws's URL parser.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "common/log.hpp"
#include "common/time_util.hpp"
#include "common/url.hpp"
#include "tools/sigd/server.hpp"
#include "tools/sigd/static_files.hpp"

namespace hlsmesh::sigd {

namespace log = hlsmesh::log;

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

std::string header(lws* wsi, lws_token_indexes token) {
  int len = lws_hdr_total_length(wsi, token);
  if (len <= 0 || len > 8192) return {};
  std::string out(static_cast<size_t>(len) + 1, '\0');
  int n = lws_hdr_copy(wsi, out.data(), len + 1, token);
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

std::string custom_header(lws* wsi, const char* name) {
  const int nlen = static_cast<int>(std::strlen(name));
  int len = lws_hdr_custom_length(wsi, name, nlen);
  if (len <= 0 || len > 4096) return {};
  std::string out(static_cast<size_t>(len) + 1, '\0');
  int n = lws_hdr_custom_copy(wsi, out.data(), len + 1, name, nlen);
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

// X-Forwarded-For: a token of its own when lws is built with its uncommon
// headers (Debian's is), else a custom header.
std::string forwarded_for(lws* wsi) {
#if defined(LWS_WITH_HTTP_UNCOMMON_HEADERS) || defined(LWS_HTTP_HEADERS_ALL)
  return header(wsi, WSI_TOKEN_X_FORWARDED_FOR);
#else
  return custom_header(wsi, "x-forwarded-for:");
#endif
}

// Rebuilds a raw query string from lws's decoded URL-argument fragments.
std::string query_from_lws(lws* wsi) {
  std::string query;
  char buf[2048];
  for (int i = 0; i < 512; ++i) {
    int n = lws_hdr_copy_fragment(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_URI_ARGS, i);
    if (n < 0) break;
    std::string_view frag(buf, static_cast<size_t>(n));
    if (frag.empty()) continue;
    auto eq = frag.find('=');
    if (!query.empty()) query += '&';
    query += hlsmesh::url::encode(frag.substr(0, eq));
    if (eq != std::string_view::npos) {
      query += '=';
      query += hlsmesh::url::encode(frag.substr(eq + 1));
    }
  }
  return query;
}

bool write_headers(lws* wsi, unsigned status, std::string_view content_type, uint64_t length, const Headers& extra) {
  unsigned char buf[LWS_PRE + 4096];
  unsigned char* start = buf + LWS_PRE;
  unsigned char* p = start;
  unsigned char* end = buf + sizeof buf - 1;
  std::string type(content_type);
  if (lws_add_http_common_headers(wsi, status, type.c_str(), static_cast<lws_filepos_t>(length), &p, end)) return false;
  for (const auto& [name, value] : extra) {
    std::string n = name + ":";
    if (lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>(n.c_str()),
                                    reinterpret_cast<const unsigned char*>(value.data()), static_cast<int>(value.size()),
                                    &p, end))
      return false;
  }
  return lws_finalize_write_http_header(wsi, start, &p, end) == 0;
}

}  // namespace

std::optional<PeerAddr> Server::client_of(const PeerAddr& remote,
                                          const std::function<ProxyHeaders()>& proxy_headers) const {
  if (!trusted_proxies_.contains(remote)) return remote;
  const ProxyHeaders h = proxy_headers();
  return forwarded_client(h.cf_connecting_ip, h.x_forwarded_for);
}

namespace {
Server::ProxyHeaders lws_proxy_headers(lws* wsi) {
  return {custom_header(wsi, "cf-connecting-ip:"), forwarded_for(wsi)};
}
}  // namespace

PeerAddr Server::request_client(lws* wsi) {
  Session* s = session(wsi);
  const PeerAddr remote = s ? s->remote : PeerAddr{};
  return client_of(remote, [wsi] { return lws_proxy_headers(wsi); }).value_or(remote);
}

PeerAddr Server::upgrade_client(lws* wsi, const PeerAddr& remote) {
  if (auto named = client_of(remote, [wsi] { return lws_proxy_headers(wsi); })) return *named;
  if (!warned_unnamed_proxy_) {  // once: a misconfigured proxy would repeat it for every viewer
    warned_unnamed_proxy_ = true;
    log::warning("a WebSocket upgrade from a trusted proxy names no client (no CF-Connecting-IP or X-Forwarded-For "
                 "IP): counted as the proxy's own address; have the proxy send one",
                 {{"proxy", ip_text(remote)}});
  }
  return remote;
}

std::string Server::tracker_response(std::string_view path, std::string_view query, const PeerAddr& remote,
                                     const std::function<ProxyHeaders()>& proxy_headers) {
  const auto client = client_of(remote, proxy_headers);
  const int64_t now = hlsmesh::monotonic_ms();
  if (!http_limit_.take(client.value_or(remote), now)) {
    stats_.error(ErrorKind::http_rate);
    return bencoded_failure("too many requests from your address (--http-rate); announce at the interval you are given");
  }
  if (path == "/scrape") return http_scrape(query, registry_, stats_, allow_, http_config_);
  if (!client) {  // never list the proxy's own address as a peer
    stats_.error(ErrorKind::http_tracker);
    return bencoded_failure(
        "request from trusted proxy without a CF-Connecting-IP or X-Forwarded-For IP; have the proxy send one");
  }
  return http_announce(query, *client, registry_, stats_, allow_, http_config_, now);
}

int Server::respond(lws* wsi, unsigned status, std::string_view content_type, std::string body, const Headers& extra,
                    bool head_only) {
  Headers headers = extra;
  headers.emplace_back("access-control-allow-origin", opt_.cors_origin);
  if (!write_headers(wsi, status, content_type, body.size(), headers)) return -1;
  if (head_only || body.empty()) return lws_http_transaction_completed(wsi) ? -1 : 0;
  Session& s = sessions_[wsi];  // exists for accepted connections; created for any other stream
  s.http = std::make_unique<HttpTxn>();
  s.http->body = std::move(body);
  lws_callback_on_writable(wsi);
  return 0;
}

int Server::http_request(lws* wsi, const char* path_c) {
  ++stats_.http_requests;
  const std::string path = path_c && *path_c ? path_c : "/";
  const bool is_head = lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0;
  const bool is_get = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0;
  const bool is_options = lws_hdr_total_length(wsi, WSI_TOKEN_OPTIONS_URI) > 0;

  if (is_options) {  // CORS preflight, Range included
    std::string asked = custom_header(wsi, "access-control-request-headers:");
    Headers h = {{"access-control-allow-methods", "GET, HEAD, OPTIONS"},
                 {"access-control-allow-headers", asked.empty() ? "Range, Content-Type" : asked},
                 {"access-control-max-age", "86400"}};
    return respond(wsi, 204, "text/plain", {}, h);
  }
  if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0) {
    return report_begin(wsi, path, request_client(wsi));
  }
  if (!is_get && !is_head) {
    return respond(wsi, 405, "text/plain; charset=utf-8", "method not allowed: sigd serves GET, HEAD and OPTIONS\n",
                   {{"allow", "GET, HEAD, OPTIONS"}});
  }
  const int64_t now = hlsmesh::monotonic_ms();
  if (path == "/health") return respond(wsi, 200, "text/plain; charset=utf-8", "ok\n", {{"cache-control", "no-store"}}, is_head);
  if (path == "/stats.json" || path == "/stats")
    return respond(wsi, 200, "application/json", stats_json(stats_, registry_, now, &delivery_), {{"cache-control", "no-store"}},
                   is_head);
  if (path == "/metrics")
    return respond(wsi, 200, "text/plain; version=0.0.4; charset=utf-8", prometheus_text(stats_, registry_, now, &delivery_),
                   {{"cache-control", "no-store"}}, is_head);
  if (path == "/delivery.json")
    return respond(wsi, 200, "application/json", delivery_.history_json(now).dump() + "\n",
                   {{"cache-control", "no-store"}}, is_head);
  if (path == "/announce" || path == "/scrape") {
    Session* s = session(wsi);
    PeerAddr remote = s ? s->remote : PeerAddr{};
    return respond(wsi, 200, "text/plain",
                   tracker_response(path, query_from_lws(wsi), remote, [wsi] { return lws_proxy_headers(wsi); }),
                   {{"cache-control", "no-store"}}, is_head);
  }
  if (path == "/dashboard" || path == "/dashboard/") {
    if (!www_real_.empty()) return serve_static(wsi, "/dashboard.html", is_head);
    return respond(wsi, 404, "text/plain; charset=utf-8",
                   "no dashboard: start sigd with --www pointing at the installed viewer page "
                   "(share/hlsmesh/www), which holds dashboard.html\n");
  }
  if (!www_real_.empty()) return serve_static(wsi, path, is_head);
  if (path == "/")
    return respond(wsi, 200, "text/plain; charset=utf-8",
                   "sigd: WebTorrent tracker (WebSocket on this port, /announce), HTTP tracker (/announce, /scrape), "
                   "/events, /stats.json, /metrics, /health\n",
                   {}, is_head);
  return respond(wsi, 404, "text/plain; charset=utf-8", "not found\n");
}

int Server::serve_static(lws* wsi, std::string_view path, bool head_only) {
  auto real = resolve_static_path(www_real_, path);
  if (!real) return respond(wsi, 404, "text/plain; charset=utf-8", "not found\n");
  hlsmesh::UniqueFd fd(::open(real->c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0) return respond(wsi, 404, "text/plain; charset=utf-8", "not found\n");
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  Headers h = {{"cache-control", std::string(cache_control_for(*real))},
               {"accept-ranges", "bytes"},
               {"access-control-allow-origin", opt_.cors_origin},
               {"access-control-expose-headers", "Content-Length, Content-Range, Accept-Ranges"}};
  ByteRange range;
  unsigned status = 200;
  uint64_t first = 0, length = size;
  std::string range_header = header(wsi, WSI_TOKEN_HTTP_RANGE);
  if (!range_header.empty()) {
    switch (parse_range(range_header, size, range)) {
      case RangeResult::ok:
        status = 206;
        first = range.first;
        length = range.last - range.first + 1;
        h.emplace_back("content-range", "bytes " + std::to_string(range.first) + "-" + std::to_string(range.last) + "/" +
                                             std::to_string(size));
        break;
      case RangeResult::unsatisfiable:
        h.emplace_back("content-range", "bytes */" + std::to_string(size));
        if (!write_headers(wsi, 416, "text/plain", 0, h)) return -1;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
      case RangeResult::none:
        break;
    }
  }
  if (!write_headers(wsi, status, mime_type_for(*real), length, h)) return -1;
  ++stats_.static_files;
  if (head_only || length == 0) return lws_http_transaction_completed(wsi) ? -1 : 0;
  Session& s = sessions_[wsi];
  s.http = std::make_unique<HttpTxn>();
  s.http->file = std::move(fd);
  s.http->file_pos = first;
  s.http->file_end = first + length;
  lws_callback_on_writable(wsi);
  return 0;
}

int Server::http_writeable(lws* wsi) {
  Session* s = session(wsi);
  if (!s || !s->http) return 0;
  HttpTxn& t = *s->http;
  constexpr size_t chunk = 32 * 1024;
  std::vector<unsigned char> buf(LWS_PRE + chunk);
  size_t n = 0;
  bool last = false;
  if (t.file) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(chunk, t.file_end - t.file_pos));
    ssize_t got = ::pread(t.file.get(), buf.data() + LWS_PRE, want, static_cast<off_t>(t.file_pos));
    if (got <= 0) return -1;  // file shrank under us: abort the response
    n = static_cast<size_t>(got);
    t.file_pos += n;
    last = t.file_pos >= t.file_end;
    stats_.static_bytes += n;
  } else {
    n = std::min(chunk, t.body.size() - t.body_sent);
    std::memcpy(buf.data() + LWS_PRE, t.body.data() + t.body_sent, n);
    t.body_sent += n;
    last = t.body_sent >= t.body.size();
  }
  if (lws_write(wsi, buf.data() + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < 0) return -1;
  if (last) {
    s->http.reset();
    return lws_http_transaction_completed(wsi) ? -1 : 0;
  }
  lws_callback_on_writable(wsi);
  return 0;
}

int Server::raw_receive(lws* wsi, const void* in, size_t len) {
  Session* s = session(wsi);
  if (!s) {
    s = &sessions_[wsi];
    s->remote = s->client = adopting_remote_;
  }
  if (s->bridge) return bridge_receive(wsi, *s, in, len);
  if (!s->raw) s->raw = std::make_unique<RawHttp>();
  RawHttp& r = *s->raw;
  if (!r.response.empty() || r.responded) return 0;  // one request per connection
  r.request.append(static_cast<const char*>(in), len);
  if (s->tls) {  // sniffed only now, after the handshake: lws's unless a tracker request
    const RequestKind kind = classify_request(r.request);
    if (kind == RequestKind::other) {
      std::string first = std::move(r.request);
      s->raw.reset();
      return bridge_tls(wsi, *s, std::move(first)) ? 0 : -1;
    }
    if (kind == RequestKind::incomplete && r.request.size() <= 16 * 1024) return 0;
  }
  if (r.request.size() > 16 * 1024) {
    stats_.error(ErrorKind::http_tracker);
    return -1;
  }
  auto end = r.request.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  return raw_respond(wsi, *s, end);
}

int Server::raw_respond(lws* wsi, Session& s, size_t end) {
  RawHttp& r = *s.raw;
  ++stats_.http_requests;
  std::string_view line(r.request.data(), r.request.find("\r\n"));
  std::string body;
  // "GET <target> HTTP/1.x"
  auto sp1 = line.find(' '), sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 <= sp1) {
    body = bencoded_failure("malformed request line");
    stats_.error(ErrorKind::http_tracker);
  } else {
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    auto q = target.find('?');
    std::string_view path = target.substr(0, q), query = q == std::string_view::npos ? "" : target.substr(q + 1);
    body = tracker_response(path, query, s.remote, [&] {
      const size_t head_at = line.size() + 2;  // the header lines, if any, up to the blank line
      std::string_view head = head_at < end ? std::string_view(r.request).substr(head_at, end - head_at) : "";
      return ProxyHeaders{std::string(header_value(head, "cf-connecting-ip")),
                          std::string(header_value(head, "x-forwarded-for"))};
    });
  }
  r.response.assign(LWS_PRE, '\0');
  r.response += "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\nCache-Control: no-store\r\nAccess-Control-Allow-Origin: " + opt_.cors_origin +
                "\r\nConnection: close\r\n\r\n" + body;
  lws_callback_on_writable(wsi);
  return 0;
}

int Server::raw_writeable(lws* wsi) {
  Session* s = session(wsi);
  if (s && s->bridge) return bridge_writeable(wsi, *s);
  if (!s || !s->raw) return -1;
  RawHttp& r = *s->raw;
  if (r.responded) return -1;  // everything flushed: close
  if (r.response.empty()) return 0;
  const size_t n = r.response.size() - LWS_PRE;
  if (lws_write(wsi, reinterpret_cast<unsigned char*>(r.response.data()) + LWS_PRE, n, LWS_WRITE_RAW) < 0) return -1;
  r.responded = true;
  lws_callback_on_writable(wsi);
  return 0;
}

}  // namespace hlsmesh::sigd
