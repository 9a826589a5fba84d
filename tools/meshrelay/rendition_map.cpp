#include "tools/meshrelay/rendition_map.hpp"

#include <algorithm>

namespace hlsmesh::meshrelay {
namespace {

constexpr std::size_t kTakenKept = 4096;  // per rendition: far more than any live window

}  // namespace

std::string url_directory(const std::string& url) {
  const auto end = url.find_first_of("?#");
  const auto slash = url.rfind('/', end == std::string::npos ? std::string::npos : end);
  return slash == std::string::npos ? std::string() : url.substr(0, slash + 1);
}

void RenditionMap::set(std::vector<Rendition> renditions) {
  std::lock_guard lock(mutex_);
  renditions_ = std::move(renditions);
  directories_.clear();
  names_.clear();
}

void RenditionMap::mark_ready() {
  std::lock_guard lock(mutex_);
  ready_ = true;
}

bool RenditionMap::ready() const {
  std::lock_guard lock(mutex_);
  return ready_;
}

bool RenditionMap::listed(int stream, std::int64_t msn, const std::string& url) {
  std::lock_guard lock(mutex_);
  const auto directory = url_directory(url);
  if (!directory.empty()) {
    auto [it, added] = directories_.emplace(directory, stream);
    if (!added && it->second != stream) it->second = kShared;
  }
  auto& taken = taken_[stream];
  auto held = taken.claims.find(msn);
  if (held == taken.claims.end() || !held->second.held || held->second.url == url || taken.feed_untrusted)
    return true;
  taken.feed_untrusted = true;
  return false;
}

void RenditionMap::set_floor(int stream, std::int64_t msn) {
  std::lock_guard lock(mutex_);
  taken_[stream].floor = msn;
}

std::optional<Rendition> RenditionMap::place(const std::string& key, const std::string& url) {
  std::lock_guard lock(mutex_);
  int stream = -1;
  if (auto named = names_.find(key); named != names_.end()) {
    stream = named->second;
  } else if (auto dir = directories_.find(url_directory(url)); !url.empty() && dir != directories_.end() &&
                                                                dir->second != kShared) {
    stream = dir->second;
    names_.emplace(key, stream);
  }
  for (const auto& r : renditions_) {
    if (r.stream == stream) return r;
  }
  return std::nullopt;
}

void RenditionMap::name_playlist(const std::string& key, const std::string& url) {
  std::lock_guard lock(mutex_);
  for (const auto& r : renditions_) {
    if (r.playlist_url == url) names_[key] = r.stream;
  }
}

bool RenditionMap::claim(int stream, std::int64_t msn, const std::string& url, bool from_feed) {
  std::lock_guard lock(mutex_);
  auto& taken = taken_[stream];
  if ((from_feed && taken.feed_untrusted) || msn < taken.floor) return false;
  auto [it, added] = taken.claims.emplace(msn, Claim{url});
  if (!added) {
    if (it->second.held || it->second.failures >= 3) return false;
    it->second = Claim{url, true, it->second.failures};
  }
  if (from_feed) taken.fed = std::chrono::steady_clock::now();
  while (taken.claims.size() > kTakenKept) {
    taken.floor = std::max(taken.floor, taken.claims.begin()->first + 1);
    taken.claims.erase(taken.claims.begin());
  }
  return true;
}

bool RenditionMap::fed_within(int stream, double seconds) const {
  std::lock_guard lock(mutex_);
  auto it = taken_.find(stream);
  return it != taken_.end() && std::chrono::steady_clock::now() - it->second.fed < std::chrono::duration<double>(seconds);
}

void RenditionMap::release(int stream, std::int64_t msn) {
  std::lock_guard lock(mutex_);
  auto& claims = taken_[stream].claims;
  if (auto it = claims.find(msn); it != claims.end()) {
    it->second.held = false;
    ++it->second.failures;
  }
}

}  // namespace hlsmesh::meshrelay
