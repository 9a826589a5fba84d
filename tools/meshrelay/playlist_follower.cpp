#include "tools/meshrelay/playlist_follower.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "common/log.hpp"
#include "common/m3u8.hpp"

namespace hlsmesh::meshrelay {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

// What hls.js parses out of a variant's attributes (its level).
LevelInfo level_of(const m3u8::Variant& v) {
  LevelInfo level;
  level.bandwidth = v.bandwidth;
  level.video_codecs = video_codecs_of(v.codecs);
  if (auto x = v.resolution.find('x'); x != std::string::npos) {
    level.width = std::strtoull(v.resolution.c_str(), nullptr, 10);
    level.height = std::strtoull(v.resolution.c_str() + x + 1, nullptr, 10);
  }
  for (const auto& [name, value] : v.other_attributes) {
    if (name == "FRAME-RATE") level.frame_rate = value;
    if (name == "VIDEO-RANGE") level.video_range = value;
    if (name == "NAME") level.name = value.size() >= 2 && value.front() == '"' ? value.substr(1, value.size() - 2) : value;
  }
  if (v.frame_rate && level.frame_rate.empty()) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3f", *v.frame_rate);
    level.frame_rate = buffer;
  }
  return level;
}

}  // namespace

std::string resolve_url(const std::string& base, const std::string& relative) {
  std::unique_ptr<CURLU, UrlDeleter> url(curl_url());
  if (curl_url_set(url.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK) return relative;
  if (curl_url_set(url.get(), CURLUPART_URL, relative.c_str(), 0) != CURLUE_OK) return relative;
  char* text = nullptr;
  if (curl_url_get(url.get(), CURLUPART_URL, &text, 0) != CURLUE_OK) return relative;
  std::string out = text;
  curl_free(text);
  return out;
}

PlaylistFollower::PlaylistFollower(std::string manifest_url, int backfill, OnSegment on_segment)
    : manifest_url_(std::move(manifest_url)), backfill_(backfill), on_segment_(std::move(on_segment)) {
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

void PlaylistFollower::sleep_for(double seconds) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return stop_; });
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
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stop_) return;
    }
    if (media_.empty() && !load_manifest()) {
      sleep_for(backoff);
      backoff = std::min(backoff * 2, 30.0);
      continue;
    }
    double next = 30;
    for (std::size_t k = 0; k < media_.size(); ++k) next = std::min(next, poll(media_[k], static_cast<int>(k)));
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
  if (!parsed.is_master()) {
    media_.emplace_back().url = base;
    return true;
  }
  for (const auto& v : std::get<m3u8::MasterPlaylist>(parsed.playlist).variants) {
    auto& media = media_.emplace_back();
    media.url = resolve_url(base, v.uri);
    media.level = level_of(v);
  }
  log::info("following " + std::to_string(media_.size()) + " rendition(s) of " + http::redact_url(manifest_url_));
  return !media_.empty();
}

// One poll of one media playlist; returns the seconds until the next one.
double PlaylistFollower::poll(Media& media, int stream) {
  std::vector<std::string> headers;
  if (!media.etag.empty()) headers.push_back("If-None-Match: " + media.etag);
  if (!media.last_modified.empty()) headers.push_back("If-Modified-Since: " + media.last_modified);
  ++stats_.playlist_requests;
  // A playlist that stalls longer than this is given up until the next poll:
  // waiting longer would only let the live edge run away from the relay.
  const auto timeout_ms = static_cast<long>(std::clamp(media.target_duration * 1500, 3000.0, 15000.0));
  auto response = get(media.url, headers, timeout_ms);
  if (response.curl_code == CURLE_OK && response.status == 304) {
    ++stats_.playlist_not_modified;
    return media.target_duration / 2;
  }
  if (!response.ok()) {
    ++stats_.errors;
    log::warning("media playlist " + http::redact_url(media.url) + ": " +
                     (response.curl_code != CURLE_OK ? response.error : "HTTP " + std::to_string(response.status)) +
                     "; still serving the segments held",
                 {{"url", http::redact_url(media.url)}});
    return media.target_duration / 2;
  }
  media.etag = response.header("etag");
  media.last_modified = response.header("last-modified");
  auto parsed = m3u8::parse(response.body);
  if (parsed.is_master()) return media.target_duration / 2;
  const auto& playlist = std::get<m3u8::MediaPlaylist>(parsed.playlist);
  media.target_duration = static_cast<double>(playlist.target_duration.value_or(2));
  const auto first = static_cast<std::int64_t>(playlist.first_msn());
  const auto count = static_cast<std::int64_t>(playlist.segments.size());
  if (media.next_msn < 0) media.next_msn = std::max(first, first + count - backfill_);
  if (media.next_msn < first) media.next_msn = first;  // fell behind the window
  const std::string base = response.effective_url.empty() ? media.url : response.effective_url;
  for (; media.next_msn < first + count; ++media.next_msn) {
    {
      std::lock_guard lock(mutex_);
      if (stop_) break;
    }
    const auto& segment = playlist.segments[static_cast<std::size_t>(media.next_msn - first)];
    const std::string url = resolve_url(base, segment.uri);
    auto got = get(url);
    ++stats_.segment_fetches;
    if (!got.ok()) {
      ++stats_.errors;
      log::warning("segment " + http::redact_url(url) + ": " +
                   (got.curl_code != CURLE_OK ? got.error : "HTTP " + std::to_string(got.status)) + "; skipped");
      continue;
    }
    stats_.segment_bytes += got.body.size();
    on_segment_(FetchedSegment{stream, media.level, media.next_msn,
                               std::make_shared<const std::string>(std::move(got.body)), url});
  }
  return media.target_duration / 2;
}

}  // namespace hlsmesh::meshrelay
