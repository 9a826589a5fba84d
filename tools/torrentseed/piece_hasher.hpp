#pragma once
// SHA-1 of every piece of a segment, on a small persistent pool of threads
// (the caller is one of them). Each thread reads its pieces with pread() into
// its own long-lived buffer and hashes them with lt::hasher there: mapping a
// fresh file per segment (mmap, then munmap with its TLB flush) costs more
// than the hash itself (figures in docs/torrentseed.md).
#include <libtorrent/sha1_hash.hpp>

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace hlsmesh::torrentseed {

class PieceHasher {
 public:
  // `threads`: hashing threads including the caller (1 = no extra thread);
  // 0 = one per hardware thread, at most max_auto_threads.
  explicit PieceHasher(int threads);
  PieceHasher(const PieceHasher&) = delete;
  PieceHasher& operator=(const PieceHasher&) = delete;
  ~PieceHasher();  // stops and joins the workers

  static constexpr int max_auto_threads = 4;
  static int auto_threads();

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Piece hashes of the `size` bytes of the file open on `fd` (read with
  // pread, so the file offset is untouched). Throws hlsmesh::Error naming
  // `path` when a read fails or the file is shorter than `size`.
  std::vector<lt::sha1_hash> hash_file(int fd, std::int64_t size, int piece_size, const std::string& path);

  // Piece hashes of bytes already in memory.
  std::vector<lt::sha1_hash> hash_bytes(std::string_view bytes, int piece_size);

 private:
  // One call's work: pieces are claimed one at a time by whichever thread is
  // free, so a slow (descheduled) thread never holds up the rest for long.
  struct Job {
    bool from_file = false;
    int fd = -1;                // from_file: read from this file...
    std::string_view bytes;     // ...otherwise hash these bytes
    std::int64_t size = 0;
    int piece_size = 0;
    int pieces = 0;
    const std::string* path = nullptr;
    std::vector<lt::sha1_hash>* out = nullptr;
    int next = 0;                 // next unclaimed piece (under mutex_)
    std::exception_ptr error;     // first failure (under mutex_)
  };

  std::vector<lt::sha1_hash> run(Job& job);
  void work(Job& job, std::vector<char>& buffer);
  void hash_piece(const Job& job, int piece, std::vector<char>& buffer, lt::sha1_hash& out) const;
  void worker_main(std::stop_token stop);

  std::mutex mutex_;
  std::condition_variable_any wake_;     // a job was posted, or stop
  std::condition_variable left_;         // a worker left the job
  Job* job_ = nullptr;                   // the job in progress (under mutex_)
  std::uint64_t generation_ = 0;         // bumped per job, so a worker joins each job once
  int inside_ = 0;                       // workers currently working on job_
  std::vector<char> caller_buffer_;      // the calling thread's read buffer
  std::vector<std::jthread> workers_;    // last: joined before the rest is destroyed
};

}  // namespace hlsmesh::torrentseed
