#include "common/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>

#include "common/error.hpp"
#include "common/text.hpp"

namespace hlsmesh::http {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

void HeaderList::add(const std::string& line) {
  curl_slist* next = curl_slist_append(list_.get(), line.c_str());
  if (!next) throw std::bad_alloc();
  (void)list_.release();  // curl_slist_append returned the same head (or a new one for the first item)
  list_.reset(next);
}

std::string Response::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

struct Client::Transfer {
  Request request;
  Response response;
  Callback on_done;
  EasyHandle easy;
  HeaderList headers;
  char error_buffer[CURL_ERROR_SIZE] = {};
};

namespace {

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Client::Transfer*>(user);
  size_t n = size * count;
  Response& r = t->response;
  const size_t cap = t->request.max_body_bytes;
  if (r.body.size() + n > cap) {
    r.body.append(data, cap - r.body.size());
    r.body_truncated = true;
    return 0;  // abort the transfer: the caller capped the size
  }
  r.body.append(data, n);
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* r = static_cast<Response*>(user);
  size_t n = size * count;
  std::string line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {
    r->headers.clear();  // a new response (after 100-continue or a redirect)
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string::npos) return n;
  std::string name = line.substr(0, colon);
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t b = line.find_first_not_of(" \t", colon + 1);
  size_t e = line.find_last_not_of(" \t\r\n");
  r->headers[name] = b == std::string::npos || e < b ? std::string() : line.substr(b, e - b + 1);
  return n;
}

}  // namespace

Client::Client(long max_connections_per_host) : multi_(curl_multi_init()) {
  global_init();
  if (!multi_) throw std::bad_alloc();
  curl_multi_setopt(multi_.get(), CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  curl_multi_setopt(multi_.get(), CURLMOPT_MAX_HOST_CONNECTIONS, max_connections_per_host);
  // Keep every connection we may open alive between requests (curl's default
  // cache is smaller than a high --jobs would need).
  curl_multi_setopt(multi_.get(), CURLMOPT_MAXCONNECTS, std::max(16L, max_connections_per_host * 2));
}

Client::~Client() {
  for (auto& [easy, t] : transfers_) curl_multi_remove_handle(multi_.get(), easy);
}

void Client::start(Request request, Callback on_done) {
  auto t = std::make_unique<Transfer>();
  t->request = std::move(request);
  t->on_done = std::move(on_done);
  t->easy.reset(curl_easy_init());
  if (!t->easy) throw std::bad_alloc();
  CURL* h = t->easy.get();
  const Request& rq = t->request;
  curl_easy_setopt(h, CURLOPT_URL, rq.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, rq.timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, rq.connect_timeout_ms);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, rq.follow_redirects ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t->error_buffer);
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L);  // prefer multiplexing on an existing HTTP/2 connection
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  if (rq.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (rq.method == "PUT" || rq.method == "POST") {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(rq.body.size()));
    if (rq.method == "PUT") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
  } else if (rq.method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq.method.c_str());
    if (!rq.body.empty()) {
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq.body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(rq.body.size()));
    }
  }
  for (const auto& line : rq.headers) t->headers.add(line);
  // No "Expect:" removal entry: curl 7.88.1 lists it in SigV4's SignedHeaders
  // (reference/r2-tunnel.md §0). Bodies go via POSTFIELDS; callers that care
  // about the 100-continue wait set CURLOPT_EXPECT_100_TIMEOUT_MS in customize.
  if (!t->headers.empty()) curl_easy_setopt(h, CURLOPT_HTTPHEADER, t->headers.get());
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t->response);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, t.get());
  if (rq.customize) rq.customize(h);
  CURLMcode mc = curl_multi_add_handle(multi_.get(), h);
  if (mc != CURLM_OK) throw Error(Exit::software, std::string("curl_multi_add_handle: ") + curl_multi_strerror(mc));
  transfers_.emplace(h, std::move(t));
}

std::size_t Client::complete_finished() {
  std::size_t completed = 0;
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* h = msg->easy_handle;
    auto it = transfers_.find(h);
    if (it == transfers_.end()) continue;
    std::unique_ptr<Transfer> t = std::move(it->second);
    transfers_.erase(it);
    curl_multi_remove_handle(multi_.get(), h);
    Response& r = t->response;
    r.curl_code = msg->data.result;
    if (r.curl_code == CURLE_WRITE_ERROR && r.body_truncated) r.curl_code = CURLE_OK;  // our own cap
    if (r.curl_code != CURLE_OK) r.error = t->error_buffer[0] ? t->error_buffer : curl_easy_strerror(r.curl_code);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &r.total_s);
    curl_easy_getinfo(h, CURLINFO_STARTTRANSFER_TIME, &r.ttfb_s);
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &r.new_connections);
    char* eff = nullptr;
    curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff);
    if (eff) r.effective_url = eff;
    connections_opened_ += r.new_connections;
    ++completed;
    if (t->on_done) t->on_done(std::move(r));
  }
  return completed;
}

bool Client::poll(int timeout_ms, int extra_fd) {
  int running = 0;
  curl_multi_perform(multi_.get(), &running);
  // A transfer this perform finished (its last bytes came in since the last
  // call) goes back to a caller with no fd of its own at once: waiting on the
  // sockets first would hold it for the whole timeout.
  if (complete_finished() > 0 && extra_fd < 0) return false;
  curl_waitfd extra{};
  extra.fd = extra_fd;
  extra.events = CURL_WAIT_POLLIN;
  int numfds = 0;
  curl_multi_poll(multi_.get(), extra_fd >= 0 ? &extra : nullptr, extra_fd >= 0 ? 1u : 0u, timeout_ms, &numfds);
  curl_multi_perform(multi_.get(), &running);
  complete_finished();
  return extra_fd >= 0 && (extra.revents & CURL_WAIT_POLLIN);
}

void Client::run() {
  while (!transfers_.empty()) poll(1000);
}

Response Client::perform(Request request) {
  Response out;
  bool done = false;
  start(std::move(request), [&](Response&& r) {
    out = std::move(r);
    done = true;
  });
  while (!done) poll(1000);
  return out;
}

bool header_lists(const std::string& header_value, const std::string& token) {
  const std::string value = ascii_lower(header_value), wanted = ascii_lower(token);
  for (size_t at = 0; at <= value.size();) {
    size_t comma = value.find(',', at);
    if (comma == std::string::npos) comma = value.size();
    size_t b = value.find_first_not_of(" \t", at);
    if (b != std::string::npos && b < comma) {
      size_t e = value.find_last_not_of(" \t", comma - 1);
      std::string_view item(value.data() + b, e - b + 1);
      if (item == wanted || item == "*") return true;
    }
    at = comma + 1;
  }
  return false;
}

std::string redact_url(const std::string& url) {
  std::string out = url;
  size_t scheme = out.find("://");
  size_t host_start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t path_start = out.find_first_of("/?#", host_start);
  size_t at = out.rfind('@', path_start == std::string::npos ? std::string::npos : path_start);
  if (at != std::string::npos && at >= host_start) {
    out.replace(host_start, at - host_start, "***");
  }
  size_t q = out.find('?');
  if (q != std::string::npos) {
    // Keep parameter names, hide values: X-Amz-Signature, token, key, ...
    std::string query = out.substr(q + 1), redacted;
    size_t i = 0;
    while (i <= query.size()) {
      size_t amp = query.find('&', i);
      std::string part = query.substr(i, amp == std::string::npos ? std::string::npos : amp - i);
      size_t eq = part.find('=');
      if (!redacted.empty()) redacted += '&';
      redacted += eq == std::string::npos ? part : part.substr(0, eq) + "=***";
      if (amp == std::string::npos) break;
      i = amp + 1;
    }
    out = out.substr(0, q + 1) + redacted;
  }
  return out;
}

}  // namespace hlsmesh::http
