#pragma once
// hlswatch's command line.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "common/program.hpp"

namespace hlsmesh::hlswatch {

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

// Declares every option (and the common ones) on `app`.
void add_options(CLI::App& app, Options& o);
// Checks what CLI11 cannot, after parsing (warns about --stream with several DIRs).
void validate(const CLI::App& app, Options& o);
// The program: watches until stopped (or once); returns the exit code. In session.cpp.
int run(const Options& o);

}  // namespace hlsmesh::hlswatch
