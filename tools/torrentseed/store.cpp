#include "tools/torrentseed/store.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/fd.hpp"
#include "common/log.hpp"

namespace torrentseed {

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
  }
  staging_ = root_ / ".staging";
  std::error_code ec;
  fs::remove_all(staging_, ec);  // leftovers of a killed run
  hlsmesh::ensure_directory(staging_);
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
  fs::path staged = staging_ / (std::to_string(next_stage_++) + "-" + source.filename().string());
  if (!hlsmesh::link_or_copy_atomic(source, staged)) ++copies_;
  return staged;
}

fs::path SegmentStore::place(const fs::path& staged, const std::string& infohash, const std::string& name) {
  fs::path dir = dir_for(infohash);
  hlsmesh::ensure_directory(dir);
  fs::path target = dir / name;
  std::error_code ec;
  fs::rename(staged, target, ec);
  if (ec) {
    throw Error(Exit::io, "cannot move " + staged.string() + " to " + target.string() + ": " + ec.message() +
                              "; check that the store " + root_.string() + " is writable");
  }
  return target;
}

SegmentStore::Mapped::Mapped(const fs::path& path) {
  hlsmesh::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0) {
    throw Error(Exit::io, "cannot read " + path.string() + ": " + hlsmesh::errno_text(errno));
  }
  size_ = static_cast<std::size_t>(st.st_size);
  if (size_ == 0) return;  // nothing to map; make_torrent rejects empty segments
  // MAP_POPULATE: one call maps every page instead of a fault per page.
  void* addr = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd.get(), 0);
  if (addr == MAP_FAILED) {
    throw Error(Exit::io, "cannot map " + path.string() + ": " + hlsmesh::errno_text(errno));
  }
  data_ = static_cast<char*>(addr);
}

SegmentStore::Mapped::~Mapped() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

void SegmentStore::discard(const fs::path& staged) noexcept {
  std::error_code ec;
  fs::remove(staged, ec);
}

void SegmentStore::remove(const std::string& infohash) noexcept {
  claimed_.erase(infohash);
  std::error_code ec;
  fs::remove_all(dir_for(infohash), ec);
  if (ec) {
    hlsmesh::log::warning("cannot remove the stored copy " + dir_for(infohash).string() + ": " + ec.message() +
                          "; remove it by hand");
  }
}

}  // namespace torrentseed
