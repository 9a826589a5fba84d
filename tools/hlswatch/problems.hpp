#pragma once
// Directories and playlists hlswatch cannot use right now (missing,
// unreadable): what to tell the operator, and when to try again. The seeds'
// broadcaster looped silently on EACCES; hlswatch names the path, the uid and
// the fix once, then retries with backoff and resumes by itself.
#include <cstdint>
#include <string>

namespace hlsmesh::hlswatch {

// A directory or file we cannot use right now, and when to try again.
struct Problem {
  int err = 0;  // 0: fine
  int64_t retry_at = 0;
  int64_t delay_ms = 0;
  int64_t logged_at = -1;
  bool active() const { return err != 0; }
};

// 0 when `dir` is a directory we can list, else the errno that stops us.
int check_dir(const std::string& dir);

// "EACCES on /data/hls/0: the directory is not readable by uid 1000 ...; fix ...".
std::string access_problem_text(int err, const std::string& path, const std::string& what);

}  // namespace hlsmesh::hlswatch
