#pragma once
// hlswatch's command line.
#include <string>
#include <vector>

#include "common/program.hpp"

namespace hlswatch {

struct Options {
  hlsmesh::CommonOptions common;
  std::vector<std::string> dirs;
  std::string stream;        // --stream: default the watched directory's name
  std::string rendition;     // --rendition: name of a lone rendition
  std::string playlist;      // --playlist: the playlist file name to watch (default: any *.m3u8)
  int poll_ms = 0;           // --poll MS: poll instead of inotify
  size_t backlog = 0;        // --backlog N
  bool once = false;         // --once
  bool keep_offline = false; // --keep-offline
  int retry_max_ms = 2000;   // --retry-max MS: longest wait between retries of a missing/unreadable directory
};

// Parses argv (exits 0 for --help/--version, 64 on bad usage).
Options parse_options(int argc, char** argv);

}  // namespace hlswatch
