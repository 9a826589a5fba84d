#pragma once
// HTTP on libcurl, shared by r2push (S3 API) and tunnelcheck (probes):
// RAII handles, and a multi-handle runner that keeps connections alive
// (HTTP/2 multiplexing where offered) and fits into a poll loop.
#include <curl/curl.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hlsmesh::http {

// curl_global_init once per process (thread-safe since 7.84).
void global_init();

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct MultiDeleter {
  void operator()(CURLM* h) const { curl_multi_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using MultiHandle = std::unique_ptr<CURLM, MultiDeleter>;

// A header list that owns its curl_slist.
class HeaderList {
 public:
  void add(const std::string& line);
  curl_slist* get() const { return list_.get(); }
  bool empty() const { return !list_; }

 private:
  std::unique_ptr<curl_slist, SlistDeleter> list_;
};

struct Request {
  std::string method = "GET";  // GET, HEAD, PUT, POST, DELETE, OPTIONS
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // sent as is (kept in memory: SigV4 needs the whole body)
  long timeout_ms = 30000;
  long connect_timeout_ms = 10000;
  size_t max_body_bytes = 64 * 1024 * 1024;  // larger responses are cut and flagged
  bool follow_redirects = false;
  // Extra setup on the easy handle (CURLOPT_AWS_SIGV4, credentials, ...).
  std::function<void(CURL*)> customize;
};

struct Response {
  CURLcode curl_code = CURLE_OK;
  std::string error;  // curl's error text when curl_code != CURLE_OK
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; last value wins
  std::string body;
  bool body_truncated = false;
  double total_s = 0;
  double ttfb_s = 0;
  long new_connections = 0;  // CURLINFO_NUM_CONNECTS: 0 when a connection was reused
  std::string effective_url;

  bool ok() const { return curl_code == CURLE_OK && status >= 200 && status < 300; }
  std::string header(const std::string& lower_name) const;
};

// Runs requests concurrently on one multi handle; completion callbacks run
// from poll()/run(). Connections are reused across requests.
class Client {
 public:
  explicit Client(long max_connections_per_host = 8);
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client();

  using Callback = std::function<void(Response&&)>;
  void start(Request request, Callback on_done);

  // Waits up to timeout_ms for network activity (and for `extra_fd` to become
  // readable, if >= 0), runs transfers and completion callbacks. Returns true
  // when extra_fd is readable.
  bool poll(int timeout_ms, int extra_fd = -1);

  // Blocks until every started request has completed.
  void run();

  // One request, blocking.
  Response perform(Request request);

  size_t in_flight() const { return transfers_.size(); }
  // Total new TCP connections opened so far.
  long connections_opened() const { return connections_opened_; }

  struct Transfer;  // one request in flight (defined in the .cpp)

 private:
  std::size_t complete_finished();  // how many transfers it handed over

  MultiHandle multi_;
  std::map<CURL*, std::unique_ptr<Transfer>> transfers_;
  long connections_opened_ = 0;
};

// True when a comma-separated header value (Access-Control-Allow-Headers,
// Access-Control-Expose-Headers, ...) lists `token`, case-insensitively, or "*".
bool header_lists(const std::string& header_value, const std::string& token);

// "https://user:pass@host/p?token=x" → "https://***@host/p?token=***":
// for messages that must never print credentials or query secrets.
std::string redact_url(const std::string& url);

}  // namespace hlsmesh::http
