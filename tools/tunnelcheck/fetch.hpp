#pragma once
// Requests under the global deadline, and naming what went wrong: transport
// failures (timeout, refused, cut mid-body, garbage) and Cloudflare's own
// failure statuses (530/1033 tunnel down, 502 origin down, 524 origin
// timeout, 404 from the catch-all rule).
#include <string>
#include <vector>

#include "commands.hpp"
#include "common/http_client.hpp"
#include "report.hpp"

namespace hlsmesh::tunnelcheck {

class Fetcher {
 public:
  Fetcher(const Deadline& deadline, long connections_per_host) : deadline_(deadline), client_(connections_per_host) {}

  // A request whose timeouts end at the deadline at the latest. Returns false
  // (and starts nothing) when no time is left.
  bool start(const std::string& method, const std::string& url, std::vector<std::string> headers, size_t max_bytes,
             hlsmesh::http::Client::Callback on_done);
  void run() { client_.run(); }
  // Sleeps up to ms (bounded by the deadline) while transfers progress;
  // returns false if a stop signal arrived.
  bool wait(long ms);
  const Deadline& deadline() const { return deadline_; }
  long connections_opened() const { return client_.connections_opened(); }
  size_t requests() const { return requests_; }

 private:
  const Deadline& deadline_;
  hlsmesh::http::Client client_;
  size_t requests_ = 0;
};

// Reports a failed exchange (transport error or unexpected status) and returns
// false; returns true when the status is one of `expected`.
bool check_response(const hlsmesh::http::Response& r, const std::string& subject, const std::vector<long>& expected,
                    Report& report, const std::string& what);

using hlsmesh::http::header_lists;

}  // namespace hlsmesh::tunnelcheck
