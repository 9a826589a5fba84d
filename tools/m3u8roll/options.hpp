#pragma once
// m3u8roll's command line.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "common/program.hpp"
#include "tools/m3u8roll/window.hpp"

namespace hlsmesh::m3u8roll {

struct Options {
  CommonOptions common;
  std::string out_template;     // --out, with {rendition} and {stream}
  std::string base_url;         // --base-url, with {rendition} and {stream}
  size_t window = 60;           // --window
  double window_seconds = 0;    // --window-seconds (0 = use --window)
  uint64_t target_duration = 0; // --target-duration (0 = the source's)
  std::string state_file;       // --state
  std::string master_template;  // --master, with {stream}
  bool finish_on_end = false;
  bool reopen_after_end = false;  // --reopen-after-end: a source back after its end continues the playlist
  bool keep_all = false;
  bool fsync = false;            // --fsync: playlists survive a power cut (slower publish)

  WindowPolicy policy() const;
};

// Registers every option (and the common ones) on `app`.
void add_options(CLI::App& app, Options& options);
// Checks what CLI11 cannot, after parsing (nothing yet: every rule is a CLI11 check).
void validate(const CLI::App& app, Options& options);
// The program: handles events until the input ends or a stop signal. In run.cpp.
int run(const Options& options);

}  // namespace hlsmesh::m3u8roll
