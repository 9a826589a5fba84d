#include "tools/meshrelay/feed_follower.hpp"

#include <memory>

#include "common/events.hpp"
#include "common/log.hpp"
#include "tools/meshrelay/master_renditions.hpp"

namespace hlsmesh::meshrelay {
namespace {

// Lines waiting for the worker, in count and bytes; older ones go first (the
// playlist poll fetches what they named).
constexpr std::size_t kQueued = 4096;
constexpr std::size_t kQueuedBytes = 16u << 20;

// The start of a bad line, printable, for the log.
std::string sample(const std::string& text) {
  std::string out = text.substr(0, 60);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return text.size() > 60 ? out + "…" : out;
}

}  // namespace

FeedFollower::FeedFollower(std::string url, RenditionMap& renditions, FetchStats& fetch_stats, OnSegment on_segment,
                           std::function<void(bool)> on_live)
    : url_(std::move(url)), renditions_(renditions), fetch_stats_(fetch_stats), on_segment_(std::move(on_segment)),
      on_live_(std::move(on_live)) {
  http::global_init();
  worker_ = std::thread([this] { run(); });
  client_ws_ = std::make_unique<FeedClient>(
      url_, FeedClient::Handlers{[this] {
                                   stats_.connected = true;
                                   ++stats_.connects;
                                 },
                                 [this] {
                                   stats_.connected = false;
                                   if (live_.exchange(false)) on_live_(false);
                                 },
                                 [this](std::string message) { enqueue(message); },
                                 [this] {
                                   ++stats_.bad_lines;
                                   log::warning("feed " + url_ + ": a message over 1 MiB; skipped");
                                 }});
}

FeedFollower::~FeedFollower() {
  client_ws_.reset();
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void FeedFollower::enqueue(const std::string& message) {
  const auto now = Clock::now();
  {
    std::lock_guard lock(mutex_);
    for (std::size_t at = 0; at < message.size();) {
      auto end = message.find('\n', at);
      if (end == std::string::npos) end = message.size();
      if (end > at) {
        queue_.push_back({message.substr(at, end - at), ++stats_.lines, now});
        queued_bytes_ += end - at;
      }
      at = end + 1;
    }
    while (queue_.size() > kQueued || queued_bytes_ > kQueuedBytes) {
      queued_bytes_ -= queue_.front().text.size();
      queue_.pop_front();
    }
  }
  wake_.notify_one();
}

void FeedFollower::run() {
  while (true) {
    Line line;
    {
      std::unique_lock lock(mutex_);
      // Segments are placed in the renditions the playlist follower found:
      // wait for its first round (the backlog waits in the queue).
      wake_.wait_for(lock, std::chrono::milliseconds(100),
                     [this] { return stop_ || (!queue_.empty() && renditions_.ready()); });
      if (stop_) return;
      if (queue_.empty() || !renditions_.ready()) continue;
      line = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= line.text.size();
    }
    handle(line);
  }
}

void FeedFollower::bad(const Line& line, const std::string& why) {
  ++stats_.bad_lines;
  log::warning("feed " + url_ + ": line " + std::to_string(line.number) + " " + why + " (" + sample(line.text) +
                   "); skipped",
               {{"feed", url_}, {"line", line.number}});
}

void FeedFollower::handle(const Line& line) {
  const auto event = nlohmann::json::parse(line.text, nullptr, false);
  const auto name = events::name(event);
  if (name.empty()) return bad(line, "is not a JSON event (an object with a string `event`)");
  const std::string rendition_name = events::text_field(event, "stream") + "/" + events::text_field(event, "rendition");
  if (name == "playlist") {
    if (auto url = events::string_field(event, "url")) renditions_.name_playlist(rendition_name, *url);
  } else if (name == "segment") {
    take_segment(event, line);
  }
}

void FeedFollower::take_segment(const nlohmann::json& event, const Line& line) {
  // m3u8roll's number is the viewers' (the playlist they load); without it
  // the source playlist's is theirs too.
  auto msn = events::integer_field(event, "playlist_msn");
  if (!msn) msn = events::integer_field(event, "msn");
  if (!msn || *msn < 0) return bad(line, "is a segment event without an integer msn or playlist_msn");
  if (event.contains("playlist_error")) return;  // m3u8roll did not list it: no viewer will ask for it
  const std::string name = events::text_field(event, "stream") + "/" + events::text_field(event, "rendition");
  std::string url = events::string_field(event, "url").value_or("");
  auto rendition = renditions_.place(name, url);
  if (!rendition) {
    ++stats_.unplaced;
    if (named_unplaced_.insert(name).second)
      log::notice("feed " + url_ + ": segments of " + name + " (" + http::redact_url(url) +
                  ") are under no playlist the relay follows; left out — another stream on the same sigd?");
    return;
  }
  if (url.empty()) {
    // Without r2push's public URL: its object key, else its URI, against the rendition's playlist.
    auto relative = events::string_field(event, "key");
    if (!relative) relative = events::string_field(event, "uri");
    if (!relative || relative->empty()) return bad(line, "is a segment event without url, key or uri");
    url = resolve_url(rendition->playlist_url, *relative);
  }
  if (!renditions_.claim(rendition->stream, *msn, url, true)) {
    ++stats_.already_held;
    return;
  }
  if (!live_.exchange(true)) on_live_(true);
  fetch(*rendition, *msn, url, line.arrived);
}

void FeedFollower::fetch(const Rendition& rendition, std::int64_t msn, const std::string& url,
                         Clock::time_point arrived) {
  http::Request request;
  request.url = url;
  request.timeout_ms = 15000;
  request.follow_redirects = true;
  auto got = client_.perform(std::move(request));
  ++fetch_stats_.segment_fetches;
  if (!got.ok()) {
    ++fetch_stats_.errors;
    renditions_.release(rendition.stream, msn);
    log::warning("segment " + http::redact_url(url) + " (from the feed): " +
                 (got.curl_code != CURLE_OK ? got.error : "HTTP " + std::to_string(got.status)) +
                 "; left to the playlist poll");
    return;
  }
  fetch_stats_.segment_bytes += got.body.size();
  ++stats_.segments;
  stats_.bytes += got.body.size();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - arrived).count();
  log::debug("segment " + std::to_string(msn) + " of rendition " + std::to_string(rendition.stream) +
                 " held from the feed, " + std::to_string(ms) + " ms after its event",
             {{"stream", rendition.stream}, {"msn", msn}, {"feed_ms", ms}, {"url", http::redact_url(url)}});
  on_segment_(FetchedSegment{rendition.stream, rendition.level, msn,
                             std::make_shared<const std::string>(std::move(got.body)), url});
}

}  // namespace hlsmesh::meshrelay
