#pragma once
// RAII inotify instance watching directories (never files: writers replace
// playlists by rename, which a file watch would lose).
#include <sys/inotify.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/fd.hpp"

namespace hlsmesh::hlswatch {

struct DirEvent {
  int wd = -1;
  uint32_t mask = 0;
  std::string name;  // empty for events on the directory itself
};

class Inotify {
 public:
  // nullopt (errno set) when inotify cannot be used here.
  static std::optional<Inotify> open();

  int fd() const { return fd_.get(); }
  // Watches a directory; returns the watch descriptor, or -1 with errno set.
  int watch_dir(const std::string& dir);
  // Reads every queued event (the fd is non-blocking).
  std::vector<DirEvent> read_events();

  static constexpr uint32_t dir_mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MODIFY | IN_CREATE | IN_DELETE |
                                       IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB | IN_ONLYDIR;

 private:
  explicit Inotify(hlsmesh::UniqueFd fd) : fd_(std::move(fd)) {}
  hlsmesh::UniqueFd fd_;
};

}  // namespace hlsmesh::hlswatch
