// What changed in the watched directories: inotify events (on_dir_event) or,
// without inotify, a stat() scan every --poll interval (poll_scan). Both only
// mark roots and renditions dirty; the turn reads what is marked.
#include <sys/inotify.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <string_view>

#include "common/log.hpp"
#include "tools/hlswatch/session.hpp"

namespace hlsmesh::hlswatch {

namespace log = hlsmesh::log;

namespace {

bool same_stat(const struct stat& a, const struct stat& b) {
  return a.st_ino == b.st_ino && a.st_dev == b.st_dev && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

bool is_temp_name(const std::string& name) {
  auto ends = [&](const char* s) {
    std::string_view suffix(s);
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends(".tmp") || ends(".temp");
}

}  // namespace

void Session::on_dir_event(const DirEvent& e, int64_t now) {
  auto watched = watched_.find(e.wd);
  if (watched == watched_.end()) return;
  const std::string dir = watched->second;
  const bool self_gone = (e.mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) != 0;
  if (e.mask & IN_IGNORED) watched_.erase(watched);

  for (auto& root_ptr : roots_) {
    Root& root = *root_ptr;
    if (root.wd == e.wd && root.path == dir) {
      if (self_gone) {
        if (root.wd >= 0 && !root.problem.active()) {
          log::warning(root.path + " was removed or moved away; waiting for it to come back");
          lose_root(root, ENOENT, now);
        }
      } else if (e.name.empty()) {
        if (e.mask & IN_ATTRIB) root.dirty = true;  // permissions may have changed
      } else if ((e.mask & IN_ISDIR) && (e.mask & (IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM))) {
        root.dirty = true;
      } else if (!is_temp_name(e.name) && (e.name == base_of(root.master_path) ||
                                          ((e.name.ends_with(".m3u8") || e.name.ends_with(".m3u")) &&
                                           (e.mask & (IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE))))) {
        bool known = std::any_of(root.renditions.begin(), root.renditions.end(),
                                 [&](const auto& r) { return r->dir == dir && r->playlist_name == e.name; });
        if (!known) root.dirty = true;
      }
    }
    for (auto& r_ptr : root.renditions) {
      Rendition& r = *r_ptr;
      if (r.wd != e.wd || r.dir != dir) continue;
      if (self_gone) {
        if (r.wd >= 0 && r.dir != root.path) lose_rendition(root, r, ENOENT, now);
        continue;
      }
      if (e.name.empty()) {
        if ((e.mask & IN_ATTRIB) && r.problem.active()) r.problem.retry_at = now;
        continue;
      }
      if (e.name == r.playlist_name) {
        r.dirty = true;
        continue;
      }
      if (is_temp_name(e.name) || (e.mask & IN_ISDIR)) continue;
      std::string path = r.dir + "/" + e.name;
      if (e.mask & IN_MODIFY) {
        if (r.writing.size() > 1024) r.writing.clear();
        r.writing.insert(path);
      } else if (e.mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM)) {
        r.writing.erase(path);
        if (r.reread_at) r.dirty = true;  // a listed segment may have been waiting for this
      }
    }
  }
}

void Session::poll_scan(int64_t now) {
  for (auto& root_ptr : roots_) {
    Root& root = *root_ptr;
    if (root.problem.active()) continue;
    struct stat st {};
    if (::stat(root.path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      const int err = S_ISDIR(st.st_mode) || st.st_mode == 0 ? errno : ENOTDIR;
      log::warning(root.path + " was removed or moved away; waiting for it to come back");
      lose_root(root, err, now);
      continue;
    }
    if (st.st_mtim.tv_sec != root.dir_stat.st_mtim.tv_sec || st.st_mtim.tv_nsec != root.dir_stat.st_mtim.tv_nsec ||
        st.st_ino != root.dir_stat.st_ino) {
      root.dir_stat = st;
      // New names in the directory: only rediscover when it could matter.
      if (root.kind != Discovery::Kind::media || root.renditions.empty()) root.dirty = true;
    }
    if (!root.master_path.empty()) {
      struct stat ms {};
      if (::stat(root.master_path.c_str(), &ms) == 0 && !same_stat(ms, root.master_stat)) root.dirty = true;
    }
    for (auto& r_ptr : root.renditions) {
      Rendition& r = *r_ptr;
      if (r.problem.active()) continue;
      struct stat ps {};
      if (::stat(r.playlist_path.c_str(), &ps) != 0) {
        if (r.playlist_seen || errno != ENOENT) r.dirty = true;  // read_playlist says what is wrong
        if (errno == ENOENT && check_dir(r.dir) != 0) r.dirty = true;
        continue;
      }
      if (!r.have_playlist_stat || !same_stat(ps, r.playlist_stat)) r.dirty = true;
    }
  }
}

}  // namespace hlsmesh::hlswatch
