#include "tools/torrentseed/recent_set.hpp"

namespace hlsmesh::torrentseed {

bool RecentSet::insert(const std::string& key) {
  if (!keys_.insert(key).second) return false;
  order_.push_back(key);
  if (order_.size() > capacity_) {
    keys_.erase(order_.front());
    order_.pop_front();
  }
  return true;
}

}  // namespace hlsmesh::torrentseed
