#pragma once
// A bounded set of recently seen keys, the oldest forgotten first. Follow mode
// keeps the infohashes it followed: sigd replays its last segment events to
// every new /events subscriber, so a feed reconnect brings back segments the
// relay already handled (and may have evicted since).
#include <cstddef>
#include <deque>
#include <string>
#include <unordered_set>

namespace hlsmesh::torrentseed {

class RecentSet {
 public:
  explicit RecentSet(std::size_t capacity) : capacity_(capacity > 0 ? capacity : 1) {}

  // Remembers `key`; false when it was already there (a repeat).
  bool insert(const std::string& key);
  bool contains(const std::string& key) const { return keys_.count(key) != 0; }
  std::size_t size() const { return order_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  std::size_t capacity_;
  std::deque<std::string> order_;  // arrival order, oldest first
  std::unordered_set<std::string> keys_;
};

}  // namespace hlsmesh::torrentseed
