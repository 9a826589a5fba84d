#pragma once
// The seeding window: which segments are live, in arrival order. A segment
// leaves on its `expire` event (matched by infohash, path, url or
// rendition+msn) or when more than `keep` segments are live, so memory stays
// flat however long the stream runs.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

namespace hlsmesh::torrentseed {

struct WindowEntry {
  std::string infohash;
  std::vector<std::string> keys;  // every key the entry can be matched by
};

class SegmentWindow {
 public:
  explicit SegmentWindow(std::size_t keep) : keep_(keep) {}

  // The keys an event can be matched by: "ih:<infohash>", "path:<path>",
  // "url:<url>", "msn:<stream>/<rendition>/<msn>".
  static std::vector<std::string> keys_of(const nlohmann::json& event);

  // Adds a segment; returns the entries pushed out beyond `keep`.
  std::vector<WindowEntry> push(const nlohmann::json& event, const std::string& infohash);

  // Removes the entries an `expire` event names (normally one); returns them.
  std::vector<WindowEntry> expire(const nlohmann::json& event);

  // Removes and returns every entry (at exit).
  std::vector<WindowEntry> clear();

  std::size_t size() const { return live_; }
  std::size_t keep() const { return keep_; }

 private:
  struct Slot {
    WindowEntry entry;
    bool live = true;
  };
  void drop_dead_front();
  WindowEntry take(std::size_t slot_index);

  std::size_t keep_;
  std::size_t live_ = 0;
  std::deque<Slot> slots_;         // arrival order; expired ones become dead until they reach the front
  std::uint64_t first_number_ = 0;  // the sequence number of slots_.front()
  std::unordered_map<std::string, std::uint64_t> by_key_;  // key -> sequence number
};

}  // namespace hlsmesh::torrentseed
