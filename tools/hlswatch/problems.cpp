// Directories and playlists that cannot be used right now: one message with
// the path, the uid and the fix, then retries with backoff (problems.hpp).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "common/log.hpp"
#include "tools/hlswatch/problems.hpp"
#include "tools/hlswatch/session.hpp"

namespace hlsmesh::hlswatch {

namespace log = hlsmesh::log;

namespace {

constexpr int64_t first_retry_ms = 250;
constexpr int64_t repeat_warning_ms = 60000;  // a problem that persists is logged again this often

std::string seconds_text(int64_t ms) {
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

}  // namespace

int check_dir(const std::string& dir) {
  hlsmesh::UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return fd ? 0 : errno;
}

std::string access_problem_text(int err, const std::string& path, const std::string& what) {
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  std::string who = "uid " + std::to_string(uid) + " (gid " + std::to_string(gid) + ")";
  switch (err) {
    case ENOENT:
      return path + " does not exist (ENOENT); start the source that writes it or fix the path — hlswatch waits for " +
             what + " to appear";
    case ENOTDIR:
      return path + " is not a directory (ENOTDIR); pass the HLS output directory (e.g. Owncast's data/hls or "
                    "data/hls/0)";
    case EACCES:
    case EPERM: {
      struct stat st {};
      std::string owner;
      if (::stat(path.c_str(), &st) == 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        owner = " (it is owned by uid " + std::to_string(st.st_uid) + " gid " + std::to_string(st.st_gid) +
                ", mode " + mode + ")";
        return hlsmesh::errno_text(err) + " on " + path + ": the " + what + " is not readable by " + who + owner +
               "; fix its permissions (e.g. chmod o+rx " + path +
               ((st.st_mode & S_IRGRP) && (st.st_mode & S_IXGRP)
                    ? ", add uid " + std::to_string(uid) + " to group " + std::to_string(st.st_gid)
                    : std::string()) +
               ", or run hlswatch as uid " + std::to_string(st.st_uid) + ")";
      }
      return hlsmesh::errno_text(err) + " on " + path + ": " + who + " cannot reach the " + what +
             " (a parent directory is not searchable); fix the permissions along the path (chmod o+x on each "
             "parent) or run hlswatch as a user that can read it";
    }
    default:
      return "cannot read " + what + " " + path + ": " + hlsmesh::errno_text(err) + "; check the path and the filesystem";
  }
}

void Session::report_problem(Problem& problem, int err, const std::string& path, const std::string& what,
                             int64_t now) {
  const bool changed = problem.err != err;
  problem.err = err;
  problem.delay_ms = changed ? first_retry_ms : std::min<int64_t>(problem.delay_ms * 2, options_.retry_max_ms);
  problem.retry_at = now + problem.delay_ms;
  if (changed || problem.logged_at < 0 || now - problem.logged_at >= repeat_warning_ms) {
    problem.logged_at = now;
    std::string text = access_problem_text(err, path, what);
    if (!options_.once) text += " — retrying with backoff up to every " + seconds_text(options_.retry_max_ms);
    if (err == ENOENT) {
      log::warning(text, {{"path", path}, {"errno", "ENOENT"}});
    } else {
      log::error(text, {{"path", path}, {"errno", hlsmesh::errno_text(err)}, {"uid", ::geteuid()}});
    }
  }
}

void Session::clear_problem(Problem& problem, const std::string& path) {
  if (problem.active()) log::notice(path + " is readable again; resuming");
  problem = Problem{};
}

}  // namespace hlsmesh::hlswatch
