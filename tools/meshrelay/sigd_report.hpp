#pragma once
// The relay's contribution reported to sigd (POST /relay-report, bearer
// token = sigd's --relay-token) so sigd's /metrics and dashboard show what
// relays carried. Posted from a thread of its own: a slow or vanished sigd
// never holds up the main loop. Reports are cumulative, so only the newest
// waits; one lost loses nothing.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/http_client.hpp"

namespace hlsmesh::meshrelay {

class SigdReporter {
 public:
  SigdReporter(std::string url, std::string token);
  SigdReporter(const SigdReporter&) = delete;
  SigdReporter& operator=(const SigdReporter&) = delete;
  ~SigdReporter();  // posts what is pending (a short timeout), then stops

  void submit(std::string body);  // replaces a report not sent yet
  std::uint64_t sent() const;     // reports sigd took (204)

 private:
  void run();
  void post(const std::string& body);

  std::string url_, token_;
  http::Client client_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<std::string> pending_;  // guarded by mutex_
  bool stop_ = false;                   // guarded by mutex_
  bool failing_ = false;                // the last post failed: logged once until one succeeds
  std::uint64_t sent_ = 0;              // guarded by mutex_
  std::thread thread_;
};

// Where a relay reports by default: sigd's /relay-report on the host of the
// first ws:// or wss:// tracker (http:// or https://); empty without one.
std::string default_report_url(const std::string& tracker);

// A random id for this run of the relay (sigd tells relays apart by it).
std::string make_relay_id();

}  // namespace hlsmesh::meshrelay
