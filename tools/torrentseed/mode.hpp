#pragma once
// What the event loop drives: the seeding filter (Seeder) or the relay
// (Follower). Both share the session, the torrent table, the store, the
// window and the output queue, which the loop owns.
#include <libtorrent/alert.hpp>

#include <cstdint>

#include "common/event_io.hpp"
#include "tools/torrentseed/options.hpp"
#include "tools/torrentseed/output_queue.hpp"
#include "tools/torrentseed/session.hpp"
#include "tools/torrentseed/store.hpp"
#include "tools/torrentseed/torrents.hpp"
#include "tools/torrentseed/window.hpp"

namespace hlsmesh::torrentseed {

struct Parts {
  const Options& options;
  TorrentSession& session;
  SegmentStore& store;
  TorrentTable& torrents;
  SegmentWindow& window;
  OutputQueue& output;
};

class Mode {
 public:
  explicit Mode(Parts parts) : parts_(parts) {}
  Mode(const Mode&) = delete;
  Mode& operator=(const Mode&) = delete;
  virtual ~Mode() = default;

  virtual const char* name() const = 0;
  virtual void on_event(hlsmesh::Json&& event) = 0;
  // Called for every alert, after TorrentTable::handle().
  virtual void on_alert(const lt::alert& alert) = 0;
  // An add settled (its alert, or TorrentTable::reconcile()).
  virtual void on_added(const AddOutcome& outcome) = 0;
  // Called about four times a second.
  virtual void on_tick(std::int64_t now_ms) = 0;
  // Work in flight that the end of input should wait for.
  virtual bool busy() const = 0;
  // Exiting: settle what is still pending in the output queue.
  virtual void on_stop() = 0;
  // Mode-specific seedstats fields.
  virtual void add_stats(hlsmesh::Json& stats) const = 0;

  // Drops window entries and the torrents only they named.
  void release_all(const std::vector<WindowEntry>& entries) {
    for (const auto& entry : entries) parts_.torrents.release(entry.infohash);
  }

 protected:
  Parts parts_;
};

}  // namespace hlsmesh::torrentseed
