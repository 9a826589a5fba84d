#include "tools/torrentseed/window.hpp"

namespace hlsmesh::torrentseed {
namespace {

std::string scalar_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<long long>());
  if (value.is_number_unsigned()) return std::to_string(value.get<unsigned long long>());
  return {};
}

std::string field(const nlohmann::json& event, const char* name) {
  auto it = event.find(name);
  return it == event.end() ? std::string() : scalar_text(*it);
}

}  // namespace

std::vector<std::string> SegmentWindow::keys_of(const nlohmann::json& event) {
  std::vector<std::string> keys;
  if (auto ih = field(event, "infohash"); !ih.empty()) keys.push_back("ih:" + ih);
  if (auto path = field(event, "path"); !path.empty()) keys.push_back("path:" + path);
  if (auto url = field(event, "url"); !url.empty()) keys.push_back("url:" + url);
  if (auto msn = field(event, "msn"); !msn.empty()) {
    keys.push_back("msn:" + field(event, "stream") + "/" + field(event, "rendition") + "/" + msn);
  }
  return keys;
}

std::vector<WindowEntry> SegmentWindow::push(const nlohmann::json& event, const std::string& infohash) {
  WindowEntry entry{infohash, keys_of(event)};
  entry.keys.push_back("ih:" + infohash);
  std::uint64_t number = first_number_ + slots_.size();
  for (const auto& key : entry.keys) by_key_[key] = number;  // a repeated key names the newest
  slots_.push_back(Slot{std::move(entry), true});
  ++live_;

  // Beyond the last `keep` arrivals a segment goes, expired or not: this also
  // bounds the slots an expire-only stream leaves behind.
  std::vector<WindowEntry> evicted;
  while (slots_.size() > keep_) {
    if (slots_.front().live) evicted.push_back(take(0));
    slots_.pop_front();
    ++first_number_;
  }
  drop_dead_front();
  return evicted;
}

std::vector<WindowEntry> SegmentWindow::expire(const nlohmann::json& event) {
  std::vector<WindowEntry> removed;
  for (const auto& key : keys_of(event)) {
    auto it = by_key_.find(key);
    if (it == by_key_.end()) continue;
    std::size_t index = static_cast<std::size_t>(it->second - first_number_);
    if (index < slots_.size() && slots_[index].live) {
      removed.push_back(take(index));
      break;  // the first key that names a live entry decides
    }
  }
  drop_dead_front();
  return removed;
}

std::vector<WindowEntry> SegmentWindow::clear() {
  std::vector<WindowEntry> all;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].live) all.push_back(take(i));
  }
  drop_dead_front();
  return all;
}

WindowEntry SegmentWindow::take(std::size_t index) {
  Slot& slot = slots_[index];
  slot.live = false;
  --live_;
  std::uint64_t number = first_number_ + index;
  for (const auto& key : slot.entry.keys) {
    auto it = by_key_.find(key);
    if (it != by_key_.end() && it->second == number) by_key_.erase(it);
  }
  return std::move(slot.entry);
}

void SegmentWindow::drop_dead_front() {
  while (!slots_.empty() && !slots_.front().live) {
    slots_.pop_front();
    ++first_number_;
  }
}

}  // namespace hlsmesh::torrentseed
