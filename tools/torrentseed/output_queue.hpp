#pragma once
// Events on their way to stdout, in input order. An event whose torrent is
// still being added (seed) or downloaded (follow) holds back the ones after
// it, so a magnet is only published once it can be served, and order is kept.
#include <deque>
#include <functional>
#include <string>

#include "common/event_io.hpp"

namespace hlsmesh::torrentseed {

class OutputQueue {
 public:
  // `waiting_on`: the infohash whose resolve() releases this event; empty = ready.
  void push(hlsmesh::Json event, std::string waiting_on = {});

  // Lets `edit` change every event waiting on `infohash`; returning false drops
  // that event. They become ready.
  void resolve(const std::string& infohash, const std::function<bool(hlsmesh::Json&)>& edit);

  // Writes the ready events at the front.
  void flush(hlsmesh::EventWriter& writer);
  // Writes everything, waiting or not (at exit).
  void flush_all(hlsmesh::EventWriter& writer);

  bool waiting() const;
  std::size_t size() const { return items_.size(); }

 private:
  struct Item {
    hlsmesh::Json event;
    std::string waiting_on;
    bool dropped = false;
  };
  std::deque<Item> items_;
};

}  // namespace hlsmesh::torrentseed
