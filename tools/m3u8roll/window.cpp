#include "tools/m3u8roll/window.hpp"

#include <cmath>

#include "common/error.hpp"

namespace hlsmesh::m3u8roll {

int64_t duration_us(double seconds) { return std::llround(seconds * 1e6); }

RenditionWindow::RenditionWindow(uint64_t target_duration, uint64_t first_msn, uint64_t discontinuity_sequence)
    : target_duration_(target_duration), next_msn_(first_msn), dsn_(discontinuity_sequence) {}

WindowEntry& RenditionWindow::append(WindowEntry entry) {
  entry.msn = next_msn_++;
  total_us_ += duration_us(entry.duration);
  entries_.push_back(std::move(entry));
  return entries_.back();
}

void RenditionWindow::restore(WindowEntry entry) {
  if (entry.msn != next_msn_) {
    throw Error(Exit::software, "restored segment " + entry.uri + " has media sequence " + std::to_string(entry.msn) +
                                    ", expected " + std::to_string(next_msn_));
  }
  append(std::move(entry));
}

std::vector<WindowEntry> RenditionWindow::trim(const WindowPolicy& policy) {
  std::vector<WindowEntry> removed;
  if (policy.keep_all || ended) return removed;
  const int64_t floor_us = 3 * static_cast<int64_t>(target_duration_) * 1000000;
  while (!entries_.empty()) {
    const int64_t front_us = duration_us(entries_.front().duration);
    const int64_t rest_us = total_us_ - front_us;
    if (rest_us < floor_us) break;  // RFC 8216 §6.2.2: never below 3 × TD
    bool too_long = policy.max_seconds ? static_cast<double>(rest_us) / 1e6 >= *policy.max_seconds
                                       : entries_.size() > policy.max_segments;
    if (!too_long) break;
    WindowEntry& front = entries_.front();
    // The DISCONTINUITY tag leaves with its segment: the DSN keeps the
    // remaining segments' discontinuity numbers (RFC 8216 §6.2.2).
    if (front.discontinuity) ++dsn_;
    total_us_ = rest_us;
    removed.push_back(std::move(front));
    entries_.pop_front();
  }
  return removed;
}

bool RenditionWindow::publishable() const {
  if (entries_.empty()) return false;
  if (ended) return true;
  return total_us_ >= 3 * static_cast<int64_t>(target_duration_) * 1000000;
}

void RenditionWindow::mark_published() {
  const double total = duration();
  for (auto& e : entries_) e.longest_playlist = std::max(e.longest_playlist, total);
}

const WindowEntry* RenditionWindow::find_uri(const std::string& uri) const {
  for (const auto& e : entries_)
    if (e.uri == uri) return &e;
  return nullptr;
}

m3u8::MediaPlaylist RenditionWindow::playlist(bool keep_all) const {
  m3u8::MediaPlaylist pl;
  pl.target_duration = target_duration_;
  pl.media_sequence = first_msn();
  // Always written: valid with no DISCONTINUITY at all, required once one scrolled out.
  pl.discontinuity_sequence = dsn_;
  if (keep_all) pl.playlist_type = "EVENT";
  pl.endlist = ended;
  pl.segments.reserve(entries_.size());
  for (const auto& e : entries_) {
    m3u8::Segment s;
    s.uri = e.uri;
    s.duration = e.duration;
    s.discontinuity = e.discontinuity;
    s.program_date_time = e.pdt;
    if (e.map_uri) s.map = m3u8::Map{*e.map_uri, std::nullopt};
    pl.segments.push_back(std::move(s));
  }
  pl.version = pl.required_version();
  return pl;
}

}  // namespace hlsmesh::m3u8roll
