#include "tools/meshrelay/segment_window.hpp"

#include <limits>

namespace hlsmesh::meshrelay {

bool SegmentWindow::add(int stream, std::int64_t id, SegmentBytes data) {
  if (!data || data->size() > max_bytes_ || has(stream, id)) return false;
  auto& held = streams_[stream];
  bytes_ += data->size();
  held.emplace(id, Held{std::move(data), next_order_++});
  while (held.size() > max_segments_) {
    bytes_ -= held.begin()->second.data->size();
    held.erase(held.begin());
    ++dropped_;
  }
  while (bytes_ > max_bytes_) drop_oldest();
  return true;
}

void SegmentWindow::drop_oldest() {
  std::map<std::int64_t, Held>* oldest = nullptr;
  auto first = std::numeric_limits<std::uint64_t>::max();
  for (auto& [stream, held] : streams_) {
    if (!held.empty() && held.begin()->second.order < first) {
      first = held.begin()->second.order;
      oldest = &held;
    }
  }
  if (oldest == nullptr) return;
  bytes_ -= oldest->begin()->second.data->size();
  oldest->erase(oldest->begin());
  ++dropped_;
}

SegmentBytes SegmentWindow::find(int stream, std::int64_t id) const {
  auto s = streams_.find(stream);
  if (s == streams_.end()) return nullptr;
  auto it = s->second.find(id);
  return it == s->second.end() ? nullptr : it->second.data;
}

std::vector<std::int64_t> SegmentWindow::ids(int stream) const {
  std::vector<std::int64_t> out;
  auto s = streams_.find(stream);
  if (s == streams_.end()) return out;
  for (const auto& [id, held] : s->second) out.push_back(id);
  return out;
}

std::size_t SegmentWindow::count() const {
  std::size_t n = 0;
  for (const auto& [stream, held] : streams_) n += held.size();
  return n;
}

}  // namespace hlsmesh::meshrelay
