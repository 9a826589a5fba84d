#include "tools/torrentseed/output_queue.hpp"

#include <algorithm>

namespace hlsmesh::torrentseed {

void OutputQueue::push(hlsmesh::Json event, std::string waiting_on) {
  items_.push_back(Item{std::move(event), std::move(waiting_on)});
}

void OutputQueue::resolve(const std::string& infohash, const std::function<bool(hlsmesh::Json&)>& edit) {
  for (auto& item : items_) {
    if (item.waiting_on != infohash) continue;
    item.waiting_on.clear();
    item.dropped = !edit(item.event);
  }
}

void OutputQueue::flush(hlsmesh::EventWriter& writer) {
  while (!items_.empty() && items_.front().waiting_on.empty()) {
    Item item = std::move(items_.front());
    items_.pop_front();
    if (!item.dropped) writer.write(item.event);
  }
}

void OutputQueue::flush_all(hlsmesh::EventWriter& writer) {
  while (!items_.empty()) {
    Item item = std::move(items_.front());
    items_.pop_front();
    if (!item.dropped) writer.write(item.event);
  }
}

bool OutputQueue::waiting() const {
  return std::any_of(items_.begin(), items_.end(), [](const Item& item) { return !item.waiting_on.empty(); });
}

}  // namespace hlsmesh::torrentseed
