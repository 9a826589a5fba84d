#include "tools/meshrelay/playlist_follower.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "common/log.hpp"
#include "tools/meshrelay/master_renditions.hpp"

namespace hlsmesh::meshrelay {

PlaylistFollower::PlaylistFollower(std::string manifest_url, int backfill, RenditionMap& renditions,
                                   FetchStats& stats, OnSegment on_segment)
    : manifest_url_(std::move(manifest_url)), backfill_(backfill), renditions_(renditions), stats_(stats),
      on_segment_(std::move(on_segment)) {
  http::global_init();
  thread_ = std::thread([this] { run(); });
}

PlaylistFollower::~PlaylistFollower() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PlaylistFollower::set_feed_live(bool live) {
  {
    std::lock_guard lock(mutex_);
    if (feed_live_ == live) return;
    feed_live_ = live;
    poke_ = !live;
  }
  wake_.notify_all();
}

bool PlaylistFollower::stopping() {
  std::lock_guard lock(mutex_);
  return stop_;
}

void PlaylistFollower::sleep_for(double seconds) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return stop_ || poke_; });
  poke_ = false;
}

// Slowly only for a rendition the feed brings: one it cannot place (or
// stopped bringing) is polled at the usual pace.
double PlaylistFollower::interval(const Media& media) const {
  const double slow = media.target_duration * 3;
  {
    std::lock_guard lock(mutex_);
    if (!feed_live_) return media.target_duration / 2;
  }
  return renditions_.fed_within(media.rendition.stream, slow) ? slow : media.target_duration / 2;
}

http::Response PlaylistFollower::get(const std::string& url, const std::vector<std::string>& headers, long timeout_ms) {
  http::Request request;
  request.url = url;
  request.headers = headers;
  request.timeout_ms = timeout_ms;
  request.follow_redirects = true;
  return client_.perform(std::move(request));
}

void PlaylistFollower::run() {
  double backoff = 1;
  bool ready = false;
  while (!stopping()) {
    if (media_.empty() && !load_manifest()) {
      sleep_for(backoff);
      backoff = std::min(backoff * 2, 30.0);
      continue;
    }
    double next = 30;
    for (auto& media : media_) next = std::min(next, poll(media));
    if (!ready) renditions_.mark_ready();
    ready = true;
    sleep_for(next);
  }
}

bool PlaylistFollower::load_manifest() {
  ++stats_.playlist_requests;
  auto response = get(manifest_url_);
  if (!response.ok()) {
    ++stats_.errors;
    log::warning("playlist " + http::redact_url(manifest_url_) + ": " +
                     (response.curl_code != CURLE_OK ? response.error : "HTTP " + std::to_string(response.status)) +
                     "; retrying — check the URL and that the stream is live",
                 {{"url", http::redact_url(manifest_url_)}});
    return false;
  }
  const std::string base = response.effective_url.empty() ? manifest_url_ : response.effective_url;
  auto parsed = m3u8::parse(response.body);
  std::vector<Rendition> found;
  if (parsed.is_master()) {
    found = renditions_of(std::get<m3u8::MasterPlaylist>(parsed.playlist), base);
  } else {
    found.push_back({0, LevelInfo{}, base});
  }
  for (const auto& r : found) media_.emplace_back().rendition = r;
  renditions_.set(std::move(found));
  const auto audio = std::count_if(media_.begin(), media_.end(),
                                   [](const Media& m) { return m.rendition.level.type == "secondary"; });
  log::info("following " + std::to_string(media_.size()) + " rendition(s) of " + http::redact_url(manifest_url_) +
            (audio ? " (" + std::to_string(audio) + " audio)" : ""));
  return !media_.empty();
}

// One poll of one media playlist; returns the seconds until the next one.
double PlaylistFollower::poll(Media& media) {
  const auto& url = media.rendition.playlist_url;
  std::vector<std::string> headers;
  if (!media.etag.empty()) headers.push_back("If-None-Match: " + media.etag);
  if (!media.last_modified.empty()) headers.push_back("If-Modified-Since: " + media.last_modified);
  ++stats_.playlist_requests;
  // A playlist that stalls longer than this is given up until the next poll:
  // waiting longer would only let the live edge run away from the relay.
  const auto timeout_ms = static_cast<long>(std::clamp(media.target_duration * 1500, 3000.0, 15000.0));
  auto response = get(url, headers, timeout_ms);
  if (response.curl_code == CURLE_OK && response.status == 304) {
    ++stats_.playlist_not_modified;
    return interval(media);
  }
  if (!response.ok()) {
    ++stats_.errors;
    log::warning("media playlist " + http::redact_url(url) + ": " +
                     (response.curl_code != CURLE_OK ? response.error : "HTTP " + std::to_string(response.status)) +
                     "; still serving the segments held",
                 {{"url", http::redact_url(url)}});
    return interval(media);
  }
  media.etag = response.header("etag");
  media.last_modified = response.header("last-modified");
  auto parsed = m3u8::parse(response.body);
  if (parsed.is_master()) return interval(media);
  const auto& playlist = std::get<m3u8::MediaPlaylist>(parsed.playlist);
  media.target_duration = static_cast<double>(playlist.target_duration.value_or(2));
  fetch_new(media, playlist, response.effective_url.empty() ? url : response.effective_url);
  return interval(media);
}

// Fetches what the playlist lists that neither source took yet.
void PlaylistFollower::fetch_new(Media& media, const m3u8::MediaPlaylist& playlist, const std::string& base) {
  const int stream = media.rendition.stream;
  const auto first = static_cast<std::int64_t>(playlist.first_msn());
  const auto count = static_cast<std::int64_t>(playlist.segments.size());
  if (!media.loaded) renditions_.set_floor(stream, std::max(first, first + count - backfill_));
  media.loaded = true;
  std::vector<std::string> urls;
  for (std::int64_t k = 0; k < count; ++k) {
    urls.push_back(resolve_url(base, playlist.segments[static_cast<std::size_t>(k)].uri));
    if (!renditions_.listed(stream, first + k, urls.back()))
      log::warning("the feed named segment " + std::to_string(first + k) + " of " + http::redact_url(media.rendition.playlist_url) +
                   " differently from the playlist (" + http::redact_url(urls.back()) +
                   "); its segments now come from the playlist only — check that the feed is this stream's");
  }
  // Claims skip what either source holds (or gave up on), and what is below the floor.
  for (std::int64_t k = 0; k < count && !stopping(); ++k) {
    const auto& url = urls[static_cast<std::size_t>(k)];
    const auto msn = first + k;
    if (!renditions_.claim(stream, msn, url, false)) continue;
    auto got = get(url);
    ++stats_.segment_fetches;
    if (!got.ok()) {
      ++stats_.errors;
      renditions_.release(stream, msn);
      log::warning("segment " + http::redact_url(url) + ": " +
                   (got.curl_code != CURLE_OK ? got.error : "HTTP " + std::to_string(got.status)) +
                   "; tried again at the next poll, 3 times at most");
      continue;
    }
    stats_.segment_bytes += got.body.size();
    log::debug("segment " + std::to_string(msn) + " of rendition " + std::to_string(stream) + " held from the playlist",
               {{"stream", stream}, {"msn", msn}, {"url", http::redact_url(url)}});
    on_segment_(FetchedSegment{stream, media.rendition.level, msn,
                               std::make_shared<const std::string>(std::move(got.body)), url});
  }
}

}  // namespace hlsmesh::meshrelay
