#pragma once
// The live window the relay serves from: each rendition's most recent
// segments, in memory, bounded in bytes across all renditions (the oldest
// segment of any rendition goes first) and in count per rendition.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hlsmesh::meshrelay {

using SegmentBytes = std::shared_ptr<const std::string>;

class SegmentWindow {
 public:
  SegmentWindow(std::size_t max_bytes, std::size_t max_segments_per_stream)
      : max_bytes_(max_bytes), max_segments_(max_segments_per_stream) {}

  // Adds segment `id` (its media sequence number) of stream `stream`; drops
  // what no longer fits. Returns false (and keeps nothing) for a segment
  // larger than the whole budget or one already held.
  bool add(int stream, std::int64_t id, SegmentBytes data);

  // Peers hold a reference to what they are sending: a dropped segment
  // stays alive until its upload ends.
  SegmentBytes find(int stream, std::int64_t id) const;
  std::vector<std::int64_t> ids(int stream) const;
  bool has(int stream, std::int64_t id) const { return find(stream, id) != nullptr; }

  std::size_t bytes() const { return bytes_; }
  std::size_t count() const;
  std::uint64_t dropped() const { return dropped_; }

 private:
  void drop_oldest();

  std::size_t max_bytes_;
  std::size_t max_segments_;
  std::size_t bytes_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t next_order_ = 0;
  struct Held {
    SegmentBytes data;
    std::uint64_t order;  // arrival, across streams
  };
  std::map<int, std::map<std::int64_t, Held>> streams_;
};

}  // namespace hlsmesh::meshrelay
