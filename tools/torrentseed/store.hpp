#pragma once
// The segment store: torrentseed's own copies of what it seeds, so the source
// deleting a segment (ffmpeg delete_segments, Owncast) never breaks a seed.
// Layout: DIR/<infohash>/<name>; DIR/.staging/ for files being taken in.
// A store directory belongs to one torrentseed process at a time.
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>

#include "common/fd.hpp"

namespace hlsmesh::torrentseed {

class SegmentStore {
 public:
  // Empty `dir`: a private directory under $TMPDIR, removed with the store.
  // A given `dir` is swept of what a killed run left: .staging and every
  // DIR/<40 lowercase hex>/ (a stored copy; nothing else is touched).
  explicit SegmentStore(const std::string& dir);
  SegmentStore(const SegmentStore&) = delete;
  SegmentStore& operator=(const SegmentStore&) = delete;
  ~SegmentStore();

  const std::filesystem::path& root() const { return root_; }

  // Takes `source` in under a unique staging name: a hard link, or a copy
  // across file systems (not fsynced: the store only lives as long as the
  // process, and a crash empties it). Throws hlsmesh::Error naming the path.
  std::filesystem::path stage(const std::filesystem::path& source);

  // Moves a staged file to DIR/<infohash>/<name> (replacing a stale one) and
  // returns that path. Throws hlsmesh::Error on failure.
  std::filesystem::path place(const std::filesystem::path& staged, const std::string& infohash, const std::string& name);

  // A staged file opened read-only, and its size. Read it with pread()
  // (PieceHasher): hashing through a fresh mmap of every segment costs about
  // twice as much here (page-table setup, TLB flush on munmap).
  struct Opened {
    hlsmesh::UniqueFd fd;
    std::int64_t size = 0;
  };
  // Throws hlsmesh::Error naming the path.
  static Opened open(const std::filesystem::path& path);

  // Removes a staged file (after a failure); never throws.
  void discard(const std::filesystem::path& staged) noexcept;

  // Where libtorrent saves/reads the torrent with this infohash.
  std::filesystem::path dir_for(const std::string& infohash) const { return root_ / infohash; }

  // Registers DIR/<infohash>/ as in use, so it is removed at exit at the latest.
  void claim(const std::string& infohash) { claimed_.insert(infohash); }

  // Deletes DIR/<infohash>/ and everything in it; never throws (logs).
  // `name`: the file expected there (one unlink + rmdir instead of a
  // directory walk when it is the only one); ignored unless a plain name.
  void remove(const std::string& infohash, const std::string& name = {}) noexcept;

  // True when stage() had to copy instead of link (different file systems).
  std::uint64_t copies() const { return copies_; }

  // Stored copies of an earlier run removed at start.
  std::size_t leftovers_removed() const { return leftovers_removed_; }

 private:
  void remove_leftovers();

  std::filesystem::path root_;
  std::filesystem::path staging_;
  bool owned_ = false;
  std::uint64_t next_stage_ = 0;
  std::uint64_t copies_ = 0;
  std::size_t leftovers_removed_ = 0;
  std::set<std::string> claimed_;
};

}  // namespace hlsmesh::torrentseed
