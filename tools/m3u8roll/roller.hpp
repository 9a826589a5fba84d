#pragma once
// The event loop's brain: for every event, decide what it means for which
// rendition's window, publish playlists, and emit the events that go on
// (the event itself first, then `playlist`, then `expire`).
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "common/event_io.hpp"
#include "common/refusal.hpp"
#include "tools/m3u8roll/master.hpp"
#include "tools/m3u8roll/options.hpp"
#include "tools/m3u8roll/persistence.hpp"
#include "tools/m3u8roll/window.hpp"

namespace hlsmesh::m3u8roll {

struct RollerStats {
  uint64_t listed = 0;
  uint64_t rejected = 0;
  uint64_t replayed = 0;
  uint64_t published = 0;
  uint64_t expired = 0;
};

class Roller {
 public:
  using Emit = std::function<void(const Json&)>;
  Roller(Options options, Emit emit);

  void handle(Json event);
  const RollerStats& stats() const { return stats_; }

 private:
  struct Rendition {
    std::string stream;
    std::string name;
    std::string path;  // absolute output playlist path
    std::optional<RenditionWindow> window;
    std::map<std::string, std::string> init_urls;  // init segment uri → CDN URL
    bool directory_ready = false;
    bool announced_wait = false;
    bool warned_ended = false;
  };
  using Key = std::pair<std::string, std::string>;  // stream, rendition

  void on_segment(Json& event);
  void pass_replay(Json& event, const WindowEntry& listed);
  void on_init(Json& event);
  void on_end(Json& event);

  // The refusals of these three say why (and what to do); reject() says what.
  Refusable<Rendition*> rendition_for(const std::string& stream, const std::string& name);
  Refusable<std::string> resolve_uri(const Rendition& r, const Json& event) const;
  Refusable<std::optional<std::string>> resolve_map(const Rendition& r, const Json& event) const;  // nullopt: no map
  RenditionWindow& ensure_window(Rendition& r, const Json& event);  // open_window at its first segment
  // A segment that is not listed: says why loudly, marks the gap, passes the
  // event on with `playlist_error`, and lets later stages clean it up.
  void reject(Rendition* r, Json& event, Refusal refusal);
  void publish(Rendition& r);
  void expire(const Rendition& r, const WindowEntry& entry);

  Options options_;
  WindowPolicy policy_;
  Emit emit_;
  StateFile state_;
  MasterPlaylists masters_;
  std::map<Key, Rendition> renditions_;
  std::map<std::string, Key> path_owner_;
  RollerStats stats_;
};

}  // namespace hlsmesh::m3u8roll
