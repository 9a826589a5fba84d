#pragma once
// Surviving restarts: a window is resumed from m3u8roll's own output playlist
// (parsed with the common parser) or, exactly, from the --state JSON file,
// which also keeps source positions and the events needed for `expire`.
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "common/event_io.hpp"
#include "tools/m3u8roll/window.hpp"

namespace hlsmesh::m3u8roll {

struct ResumedWindow {
  RenditionWindow window;
  std::string playlist_type;  // of the resumed playlist ("" / EVENT)
  bool had_endlist = false;
};

// nullopt when `path` does not exist. A playlist that exists but does not
// parse is fatal (Error(Exit::data)): resuming blind could send MSN back.
std::optional<ResumedWindow> resume_from_playlist(const std::filesystem::path& path);

Json window_to_json(const RenditionWindow& window);
RenditionWindow window_from_json(const Json& json);  // throws Error(Exit::data) naming what is wrong

// The --state file: one JSON object, windows keyed by output playlist path.
class StateFile {
 public:
  explicit StateFile(std::filesystem::path path);
  bool enabled() const { return !path_.empty(); }
  const std::filesystem::path& path() const { return path_; }
  // Loads the file if it exists (throws Error(Exit::data) if it is corrupt).
  void load();
  std::optional<RenditionWindow> window_for(const std::string& playlist_path) const;
  // Replaces one window's record and writes the whole file atomically.
  void save(const std::string& playlist_path, const RenditionWindow& window);

 private:
  std::filesystem::path path_;
  std::map<std::string, Json> windows_;
};

}  // namespace hlsmesh::m3u8roll
