#include "tools/meshrelay/sigd_report.hpp"

#include <chrono>
#include <random>

#include "common/log.hpp"

namespace hlsmesh::meshrelay {

SigdReporter::SigdReporter(std::string url, std::string token) : url_(std::move(url)), token_(std::move(token)) {
  http::global_init();
  thread_ = std::thread([this] { run(); });
}

SigdReporter::~SigdReporter() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void SigdReporter::submit(std::string body) {
  {
    std::lock_guard lock(mutex_);
    pending_ = std::move(body);
  }
  wake_.notify_all();
}

std::uint64_t SigdReporter::sent() const {
  std::lock_guard lock(mutex_);
  return sent_;
}

// Runs until stopped; the report pending at the stop (the relay's last one)
// is still posted.
void SigdReporter::run() {
  for (;;) {
    std::string body;
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stop_ || pending_; });
      if (!pending_) return;
      body = std::move(*pending_);
      pending_.reset();
      stopping = stop_;
    }
    post(body);
    if (stopping) return;
  }
}

void SigdReporter::post(const std::string& body) {
  http::Request request;
  request.method = "POST";
  request.url = url_;
  request.body = body;
  request.headers = {"Content-Type: application/json", "Authorization: Bearer " + token_};
  request.timeout_ms = 5000;
  request.connect_timeout_ms = 3000;
  const http::Response response = client_.perform(std::move(request));
  if (response.ok()) {
    std::lock_guard lock(mutex_);
    ++sent_;
    if (failing_) log::notice("sigd takes the relay's reports again", {{"url", http::redact_url(url_)}});
    failing_ = false;
    return;
  }
  if (failing_) return;  // said once; the next success says it recovered
  failing_ = true;
  std::string why = response.curl_code != CURLE_OK ? response.error
                                                   : "HTTP " + std::to_string(response.status) + ": " + response.body;
  while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
  log::warning("sigd refused or missed the relay's report (" + why +
                   "); the relay keeps serving and retries with the next one. A 403 means --relay-token is not sigd's",
               {{"url", http::redact_url(url_)}});
}

std::string default_report_url(const std::string& tracker) {
  std::string_view t = tracker;
  std::string scheme;
  if (t.rfind("ws://", 0) == 0) scheme = "http://", t.remove_prefix(5);
  else if (t.rfind("wss://", 0) == 0) scheme = "https://", t.remove_prefix(6);
  else return {};
  return scheme + std::string(t.substr(0, t.find_first_of("/?#"))) + "/relay-report";
}

std::string make_relay_id() {
  static constexpr std::string_view symbols = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device device;
  std::uniform_int_distribution<std::size_t> pick(0, symbols.size() - 1);
  std::string id = "meshrelay-";
  while (id.size() < 26) id += symbols[pick(device)];
  return id;
}

}  // namespace hlsmesh::meshrelay
