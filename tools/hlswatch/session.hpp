#pragma once
// The watcher: one Root per DIR argument, one Rendition per variant playlist,
// an inotify instance (or a polling timer), retries with backoff for
// directories that are missing or unreadable, and the event loop.
#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/event_io.hpp"
#include "tools/hlswatch/discovery.hpp"
#include "tools/hlswatch/inotify.hpp"
#include "tools/hlswatch/options.hpp"
#include "tools/hlswatch/problems.hpp"
#include "tools/hlswatch/tracker.hpp"

namespace hlsmesh::hlswatch {

struct Rendition {
  std::string name;
  std::string playlist_path;
  std::string playlist_name;
  std::string dir;
  std::unique_ptr<Tracker> tracker;
  int wd = -1;
  Problem problem;
  bool dirty = false;                // read the playlist at the next turn
  std::optional<int64_t> reread_at;  // read it then (tracker wait, or a half-written read)
  int incomplete_reads = 0;
  int64_t incomplete_since = 0;
  bool playlist_seen = false;
  bool read_complete = false;  // at least one complete read (--once)
  std::unordered_set<std::string> writing;            // inotify: files open for writing
  std::unordered_map<std::string, uint64_t> polled;   // polling: sizes at the previous look
  struct stat playlist_stat {};                       // polling: to notice a new version
  bool have_playlist_stat = false;
};

struct Root {
  std::string path;
  std::string stream;
  int wd = -1;
  Problem problem;
  Discovery::Kind kind = Discovery::Kind::none;
  std::string master_path;
  std::optional<std::vector<MasterVariant>> master;  // last emitted
  bool present_at_start = false;
  bool discovered_once = false;
  bool initial_discovery = true;
  bool dirty = false;
  std::optional<int64_t> rediscover_at;
  int64_t rediscover_delay_ms = 0;
  struct stat dir_stat {};       // polling
  struct stat master_stat {};    // polling
  std::vector<std::unique_ptr<Rendition>> renditions;
};

class Session {
 public:
  Session(Options options, hlsmesh::EventWriter& writer);
  // Runs until SIGINT/SIGTERM (or, with --once, until what is there is out).
  int run();

 private:
  int run_once();
  void start();
  void turn(int64_t now);  // everything that is due or dirty
  std::optional<int64_t> next_deadline() const;

  bool attach_root(Root& root, int64_t now);
  void lose_root(Root& root, int err, int64_t now);
  void rediscover(Root& root, int64_t now);
  // One discovered playlist: kept when it is watched already, else a new
  // rendition (replacing one of the same name whose playlist moved).
  void adopt_rendition(Root& root, const DiscoveredRendition& found, bool initial, int64_t now);
  // A variant the master no longer lists is over.
  void drop_unlisted(Root& root, const Discovery& found);
  // When to look at the root again (nothing to watch yet, or a playlist caught mid-write).
  void schedule_rediscovery(Root& root, const Discovery& found, int64_t now);
  bool attach_rendition(Rendition& rendition, int64_t now);
  // Watches `dir` (inotify, wd set) or checks it (polling); 0 or an errno.
  // Running out of inotify watches switches everything to polling.
  int watch(const std::string& dir, int& wd);
  void lose_rendition(Root& root, Rendition& rendition, int err, int64_t now);
  void read_playlist(Root& root, Rendition& rendition, int64_t now);
  FileState probe(Rendition& rendition, const std::string& path);

  // What changed in the watched directories (changes.cpp).
  void on_dir_event(const DirEvent& event, int64_t now);
  void poll_scan(int64_t now);

  // Unreadable or missing paths: said once, retried with backoff (problems.cpp).
  void report_problem(Problem& problem, int err, const std::string& path, const std::string& what, int64_t now);
  void clear_problem(Problem& problem, const std::string& path);

  Options options_;
  hlsmesh::EventWriter& writer_;
  std::optional<Inotify> inotify_;
  std::unordered_map<int, std::string> watched_;  // wd → directory
  std::vector<std::unique_ptr<Root>> roots_;
  int64_t next_poll_ = 0;
};

}  // namespace hlsmesh::hlswatch
