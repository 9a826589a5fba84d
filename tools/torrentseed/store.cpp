#include "tools/torrentseed/store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/fd.hpp"
#include "common/log.hpp"

namespace hlsmesh::torrentseed {

namespace fs = std::filesystem;
using hlsmesh::Error;
using hlsmesh::Exit;

SegmentStore::SegmentStore(const std::string& dir) {
  if (dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/torrentseed-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw Error(Exit::io, "cannot create a temporary store " + pattern + ": " + hlsmesh::errno_text(errno) +
                                "; set TMPDIR to a writable directory or pass --store DIR");
    }
    root_ = pattern;
    owned_ = true;
  } else {
    root_ = fs::absolute(dir);
    hlsmesh::ensure_directory(root_);
    remove_leftovers();
  }
  staging_ = root_ / ".staging";
  std::error_code ec;
  fs::remove_all(staging_, ec);  // leftovers of a killed run
  hlsmesh::ensure_directory(staging_);
}

namespace {

// What dir_for() makes: exactly 40 lowercase hex digits (a v1 infohash).
bool is_stored_copy_name(const std::string& name) {
  return name.size() == 40 &&
         name.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

void SegmentStore::remove_leftovers() {
  // Copies live only as long as their torrents, so any found now belong to a
  // run that was killed (SIGKILL, OOM, power loss) and would stay forever.
  std::error_code ec;
  std::size_t failed = 0;
  for (fs::directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code type_ec;
    if (!is_stored_copy_name(name) || !it->is_directory(type_ec) || it->is_symlink(type_ec)) continue;
    std::error_code rm_ec;
    fs::remove_all(it->path(), rm_ec);
    if (rm_ec) {
      ++failed;
    } else {
      ++leftovers_removed_;
    }
  }
  if (ec) {
    hlsmesh::log::warning("cannot list the store " + root_.string() + ": " + ec.message() +
                          "; stored copies of an earlier run may remain there");
  }
  if (leftovers_removed_ > 0 || failed > 0) {
    hlsmesh::log::notice("store " + root_.string() + ": removed " + std::to_string(leftovers_removed_) +
                         " stored segment copies left by an earlier run that did not exit cleanly" +
                         (failed > 0 ? "; " + std::to_string(failed) + " could not be removed: remove them by hand"
                                     : std::string()));
  }
}

SegmentStore::~SegmentStore() {
  std::error_code ec;
  if (owned_) {
    fs::remove_all(root_, ec);
  } else {
    // Stored copies live exactly as long as their torrents: all end here.
    for (const auto& infohash : claimed_) fs::remove_all(dir_for(infohash), ec);
    fs::remove_all(staging_, ec);
  }
}

fs::path SegmentStore::stage(const fs::path& source) {
  // The staging name is unique to this process (a counter in a directory it
  // emptied at start), so a plain link() is atomic enough: no temp + rename.
  fs::path staged = staging_ / (std::to_string(next_stage_++) + "-" + source.filename().string());
  if (::link(source.c_str(), staged.c_str()) == 0) return staged;
  int err = errno;
  if (err == ENOENT && ::access(source.c_str(), F_OK) != 0) {
    throw Error(Exit::no_input, "cannot read " + source.string() +
                                    ": the file does not exist (deleted by the source before torrentseed got to it?); "
                                    "keep segments longer at the source or run torrentseed earlier in the pipe");
  }
  if (err != EXDEV && err != EPERM && err != EMLINK && err != EOPNOTSUPP) {
    throw Error(Exit::io, "cannot link " + source.string() + " into the store " + staged.string() + ": " +
                              hlsmesh::errno_text(err) + "; check that the store " + root_.string() + " is writable");
  }
  // Another file system (or no hard links there): copy. copy_file uses
  // copy_file_range/sendfile; no fsync, see stage() in the header.
  std::error_code ec;
  fs::copy_file(source, staged, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    discard(staged);
    throw Error(Exit::io, "cannot copy " + source.string() + " into the store " + staged.string() + ": " +
                              ec.message() + "; check that the store " + root_.string() + " is writable and has room");
  }
  ++copies_;
  return staged;
}

fs::path SegmentStore::place(const fs::path& staged, const std::string& infohash, const std::string& name) {
  fs::path dir = dir_for(infohash);
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    hlsmesh::ensure_directory(dir);  // the root went away? recreate it, or throw naming the path
  }
  fs::path target = dir / name;
  std::error_code ec;
  fs::rename(staged, target, ec);
  if (ec) {
    throw Error(Exit::io, "cannot move " + staged.string() + " to " + target.string() + ": " + ec.message() +
                              "; check that the store " + root_.string() + " is writable");
  }
  return target;
}

SegmentStore::Opened SegmentStore::open(const fs::path& path) {
  Opened opened;
  opened.fd = hlsmesh::UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!opened.fd || ::fstat(opened.fd.get(), &st) != 0) {
    throw Error(Exit::io, "cannot read " + path.string() + ": " + hlsmesh::errno_text(errno));
  }
  opened.size = static_cast<std::int64_t>(st.st_size);
  return opened;
}

void SegmentStore::discard(const fs::path& staged) noexcept {
  std::error_code ec;
  fs::remove(staged, ec);
}

void SegmentStore::remove(const std::string& infohash, const std::string& name) noexcept {
  claimed_.erase(infohash);
  // Only a plain file name (a follower's name comes from a magnet's dn=).
  if (!name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos) {
    const fs::path dir = dir_for(infohash);
    ::unlink((dir / name).c_str());
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
    // Not empty (a follower's part file, say): walk it.
  }
  std::error_code ec;
  fs::remove_all(dir_for(infohash), ec);
  if (ec) {
    hlsmesh::log::warning("cannot remove the stored copy " + dir_for(infohash).string() + ": " + ec.message() +
                          "; remove it by hand");
  }
}

}  // namespace hlsmesh::torrentseed
