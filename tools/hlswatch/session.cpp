// The watcher's roots and renditions: discovery of the variant playlists of
// each DIR, watches on their directories, and reading each playlist into its
// tracker. Changes are noticed in changes.cpp, problems said in problems.cpp,
// the loop is session_loop.cpp.
#include "tools/hlswatch/session.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/m3u8.hpp"
#include "common/time_util.hpp"
#include "tools/hlswatch/output.hpp"

namespace hlsmesh::hlswatch {

namespace log = hlsmesh::log;
namespace m3u8 = hlsmesh::m3u8;
using hlsmesh::monotonic_ms;

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

  for (const auto& d : found.renditions) adopt_rendition(root, d, initial, now);
  drop_unlisted(root, found);
  schedule_rediscovery(root, found, now);
}

void Session::adopt_rendition(Root& root, const DiscoveredRendition& d, bool initial, int64_t now) {
  // The same playlist keeps its rendition (and name) when more playlists
  // show up next to it; a name whose playlist moved gets a new tracker.
  auto same = std::find_if(root.renditions.begin(), root.renditions.end(),
                           [&](const auto& r) { return r->playlist_path == d.playlist_path; });
  if (same != root.renditions.end()) {
    if ((*same)->wd < 0 && !(*same)->problem.active()) attach_rendition(**same, now);
    return;
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

void Session::drop_unlisted(Root& root, const Discovery& found) {
  if (found.kind != Discovery::Kind::master) return;
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

void Session::schedule_rediscovery(Root& root, const Discovery& found, int64_t now) {
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

int run(const Options& o) {
  EventWriter writer(1, o.common.quiet);
  Session session(o, writer);
  return session.run();
}

}  // namespace hlsmesh::hlswatch
