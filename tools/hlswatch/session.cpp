#include "tools/hlswatch/session.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "common/log.hpp"
#include "common/m3u8.hpp"
#include "common/signals.hpp"
#include "common/time_util.hpp"
#include "tools/hlswatch/output.hpp"

namespace hlswatch {

namespace log = hlsmesh::log;
namespace m3u8 = hlsmesh::m3u8;
using hlsmesh::monotonic_ms;

namespace {

constexpr int64_t first_retry_ms = 250;
constexpr int64_t repeat_warning_ms = 60000;  // a problem that persists is logged again this often

std::string base_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

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

Session::Session(Options options, hlsmesh::EventWriter& writer) : options_(std::move(options)), writer_(writer) {
  if (options_.poll_ms == 0 && !options_.once) {
    if (std::getenv("HLSWATCH_NO_INOTIFY") == nullptr) inotify_ = Inotify::open();
    if (!inotify_) {
      std::string why = std::getenv("HLSWATCH_NO_INOTIFY") ? "HLSWATCH_NO_INOTIFY is set" : hlsmesh::errno_text(errno);
      options_.poll_ms = 250;
      log::notice("inotify is not available (" + why +
                  "); falling back to polling every 250 ms — pass --poll MS to choose the interval, or raise "
                  "fs.inotify.max_user_instances if the limit was reached");
    }
  }
  for (const auto& dir : options_.dirs) {
    auto root = std::make_unique<Root>();
    root->path = std::filesystem::absolute(dir).lexically_normal().string();
    if (root->path.size() > 1 && root->path.back() == '/') root->path.pop_back();
    root->stream = options_.stream.empty() ? base_of(root->path) : options_.stream;
    roots_.push_back(std::move(root));
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

int Session::watch(const std::string& dir, int& wd) {
  wd = -1;
  if (!inotify_) return check_dir(dir);
  wd = inotify_->watch_dir(dir);
  if (wd >= 0) {
    watched_[wd] = dir;
    return 0;
  }
  const int err = errno;
  if (err != ENOSPC && err != ENOMEM) return err;
  // Out of inotify watches: everything is polled from now on.
  log::notice("cannot add an inotify watch on " + dir + " (" + hlsmesh::errno_text(err) +
              ": fs.inotify.max_user_watches reached); falling back to polling every 250 ms — raise the limit "
              "with sysctl fs.inotify.max_user_watches to get inotify back");
  inotify_.reset();
  watched_.clear();
  if (options_.poll_ms == 0) options_.poll_ms = 250;
  return check_dir(dir);
}

bool Session::attach_root(Root& root, int64_t now) {
  const int err = watch(root.path, root.wd);
  if (err != 0) {
    report_problem(root.problem, err, root.path, "directory", now);
    return false;
  }
  clear_problem(root.problem, root.path);
  if (!inotify_) ::stat(root.path.c_str(), &root.dir_stat);
  root.dirty = true;
  return true;
}

void Session::lose_root(Root& root, int err, int64_t now) {
  root.wd = -1;
  for (auto& r : root.renditions) {
    // Gone is an end; unreadable is only a pause (the source may go on).
    if (err == ENOENT || err == ENOTDIR) write_items(writer_, r->tracker->on_source_gone("gone"), root.stream, r->name);
    r->wd = -1;
    r->reread_at.reset();
    r->dirty = false;
    r->playlist_seen = false;
  }
  report_problem(root.problem, err, root.path, "directory", now);
}

void Session::rediscover(Root& root, int64_t now) {
  root.dirty = false;
  root.rediscover_at.reset();
  Discovery found = discover(root.path, options_.playlist, options_.rendition);
  if (found.error != 0) {
    lose_root(root, found.error, now);
    return;
  }
  // Playlists found by the discovery at start (and its re-reads of a master
  // caught mid-write) hold old segments; anything found later is new.
  const bool initial = root.present_at_start && root.initial_discovery;
  if (!found.read_again) root.initial_discovery = false;
  if (found.kind != Discovery::Kind::none) root.discovered_once = true;
  root.kind = found.kind;
  root.master_path = found.master_path;
  if (!inotify_ && !root.master_path.empty()) ::stat(root.master_path.c_str(), &root.master_stat);

  if (found.kind == Discovery::Kind::master && (!root.master || *root.master != found.variants)) {
    writer_.write(master_event(found.variants, root.stream));
    root.master = found.variants;
  }

  for (const auto& d : found.renditions) {
    // The same playlist keeps its rendition (and name) when more playlists
    // show up next to it; a name whose playlist moved gets a new tracker.
    auto same = std::find_if(root.renditions.begin(), root.renditions.end(),
                             [&](const auto& r) { return r->playlist_path == d.playlist_path; });
    if (same != root.renditions.end()) {
      if ((*same)->wd < 0 && !(*same)->problem.active()) attach_rendition(**same, now);
      continue;
    }
    auto it = std::find_if(root.renditions.begin(), root.renditions.end(),
                           [&](const auto& r) { return r->name == d.name; });
    auto r = std::make_unique<Rendition>();
    r->name = d.name;
    r->playlist_path = d.playlist_path;
    r->playlist_name = base_of(d.playlist_path);
    r->dir = d.dir;
    TrackerOptions t;
    t.backlog = options_.backlog;
    t.once = options_.once;
    t.keep_offline = options_.keep_offline;
    struct stat st {};
    t.existed_at_start = initial && ::stat(d.playlist_path.c_str(), &st) == 0;
    r->tracker = std::make_unique<Tracker>(d.dir, t, root.stream + "/" + d.name);
    log::info("watching " + d.playlist_path + " as stream " + root.stream + ", rendition " + d.name +
              (options_.once ? "" : inotify_ ? " (inotify)" : " (polling every " + std::to_string(options_.poll_ms) + " ms)"));
    attach_rendition(*r, now);
    if (it != root.renditions.end()) {
      *it = std::move(r);
    } else {
      root.renditions.push_back(std::move(r));
    }
  }
  // A variant the master no longer lists is over.
  if (found.kind == Discovery::Kind::master) {
    for (auto it = root.renditions.begin(); it != root.renditions.end();) {
      bool listed = std::any_of(found.renditions.begin(), found.renditions.end(), [&](const auto& d) {
        return d.name == (*it)->name || d.playlist_path == (*it)->playlist_path;
      });
      if (listed) {
        ++it;
        continue;
      }
      log::notice(root.stream + "/" + (*it)->name + ": no longer in the master playlist");
      write_items(writer_, (*it)->tracker->on_source_gone("gone"), root.stream, (*it)->name);
      it = root.renditions.erase(it);
    }
  }
  // Nothing to watch yet, or variant directories that may still get their
  // playlist (no inotify watch on them yet): look again, with backoff.
  if (found.read_again) {
    root.rediscover_at = now + 20;
  } else if (found.kind == Discovery::Kind::none || found.kind == Discovery::Kind::subdirs) {
    root.rediscover_delay_ms =
        root.rediscover_delay_ms ? std::min<int64_t>(root.rediscover_delay_ms * 2, options_.retry_max_ms) : 100;
    root.rediscover_at = now + root.rediscover_delay_ms;
    if (found.kind == Discovery::Kind::none && !options_.once) {
      log::debug("no playlist in " + root.path + " yet; waiting for the source");
    }
  } else {
    root.rediscover_delay_ms = 0;
  }
}

bool Session::attach_rendition(Rendition& r, int64_t now) {
  const int err = watch(r.dir, r.wd);
  if (err != 0) {
    report_problem(r.problem, err, r.dir, "directory", now);
    return false;
  }
  r.dirty = true;
  return true;
}

void Session::lose_rendition(Root& root, Rendition& r, int err, int64_t now) {
  r.wd = -1;
  r.reread_at.reset();
  r.dirty = false;
  if (err == ENOENT) write_items(writer_, r.tracker->on_source_gone("gone"), root.stream, r.name);
  r.playlist_seen = false;
  report_problem(r.problem, err, r.dir, "directory", now);
}

FileState Session::probe(Rendition& r, const std::string& path) {
  FileState fs;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return fs;
  fs.exists = true;
  fs.size = static_cast<uint64_t>(st.st_size);
  if (inotify_) {
    fs.writing = r.writing.count(path) != 0;
  } else if (!options_.once) {
    // Polling: a size that changed since the previous look is still growing;
    // a file seen for the first time counts as settled once it is older than
    // one poll interval.
    auto it = r.polled.find(path);
    if (it == r.polled.end()) {
      auto age_ms = (std::chrono::system_clock::now().time_since_epoch() -
                     (std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec))) /
                    std::chrono::milliseconds(1);
      fs.writing = age_ms < options_.poll_ms;
    } else {
      fs.writing = it->second != fs.size;
    }
    if (r.polled.size() > 512) r.polled.clear();
    r.polled[path] = fs.size;
  }
  return fs;
}

void Session::read_playlist(Root& root, Rendition& r, int64_t now) {
  r.dirty = false;
  r.reread_at.reset();
  auto text = read_file(r.playlist_path);
  if (!text) {
    int err = errno;
    if (err == ENOENT) {
      // The directory may be gone too: that is the rendition's loss.
      int dir_err = check_dir(r.dir);
      if (dir_err != 0 && !inotify_) {
        if (dir_err == ENOENT && root.renditions.size() == 1 && r.dir == root.path) {
          lose_root(root, ENOENT, now);
        } else {
          lose_rendition(root, r, dir_err, now);
        }
        return;
      }
      if (r.playlist_seen) {
        log::notice(root.stream + "/" + r.name + ": " + r.playlist_path + " was removed; waiting for it to come back");
        write_items(writer_, r.tracker->on_source_gone("gone"), root.stream, r.name);
        r.playlist_seen = false;
      }
      clear_problem(r.problem, r.playlist_path);
      return;
    }
    report_problem(r.problem, err, r.playlist_path, "playlist", now);
    return;
  }
  clear_problem(r.problem, r.playlist_path);
  if (!inotify_) r.have_playlist_stat = ::stat(r.playlist_path.c_str(), &r.playlist_stat) == 0;

  m3u8::ParseResult parsed = m3u8::parse(*text);
  if (!parsed.complete || parsed.is_master()) {
    // Caught mid-write (Owncast rewrites in place): never act on it, read
    // again soon; inotify will usually tell us first.
    log::debug(r.playlist_path + " read half-written (" + std::to_string(text->size()) + " bytes); reading it again");
    if (r.incomplete_reads == 0) r.incomplete_since = now;
    ++r.incomplete_reads;
    int64_t delay = std::min<int64_t>(10LL << std::min(r.incomplete_reads, 7), 1000);
    r.reread_at = now + delay;
    if (now - r.incomplete_since > 5000 && r.incomplete_reads % 20 == 0) {
      log::warning(r.playlist_path + " has looked half-written for " + std::to_string((now - r.incomplete_since) / 1000) +
                   " s (no final newline, a dangling EXTINF or no #EXTM3U); check the program writing it");
    }
    return;
  }
  r.incomplete_reads = 0;
  r.playlist_seen = true;
  r.read_complete = true;
  const auto& media = std::get<m3u8::MediaPlaylist>(parsed.playlist);
  auto items =
      r.tracker->on_playlist(media, text_hash(*text), [&](const std::string& p) { return probe(r, p); }, now);
  write_items(writer_, items, root.stream, r.name);
  if (auto d = r.tracker->deadline()) r.reread_at = *d;
}

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

}  // namespace hlswatch
