#include "tools/torrentseed/piece_hasher.hpp"

#include <libtorrent/hasher.hpp>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "common/error.hpp"

namespace hlsmesh::torrentseed {

using hlsmesh::Error;
using hlsmesh::Exit;

int PieceHasher::auto_threads() {
  auto hardware = static_cast<int>(std::thread::hardware_concurrency());
  return std::clamp(hardware, 1, max_auto_threads);
}

PieceHasher::PieceHasher(int threads) {
  if (threads <= 0) threads = auto_threads();
  workers_.reserve(static_cast<std::size_t>(threads - 1));
  for (int i = 1; i < threads; ++i) {
    workers_.emplace_back([this](std::stop_token stop) { worker_main(stop); });
  }
}

PieceHasher::~PieceHasher() {
  for (auto& worker : workers_) worker.request_stop();
  wake_.notify_all();
  workers_.clear();  // joins
}

std::vector<lt::sha1_hash> PieceHasher::hash_file(int fd, std::int64_t size, int piece_size,
                                                  const std::string& path) {
  Job job;
  job.from_file = true;
  job.fd = fd;
  job.size = size;
  job.piece_size = piece_size;
  job.path = &path;
  return run(job);
}

std::vector<lt::sha1_hash> PieceHasher::hash_bytes(std::string_view bytes, int piece_size) {
  Job job;
  job.bytes = bytes;
  job.size = static_cast<std::int64_t>(bytes.size());
  job.piece_size = piece_size;
  return run(job);
}

std::vector<lt::sha1_hash> PieceHasher::run(Job& job) {
  if (job.piece_size <= 0) throw std::invalid_argument("piece size must be positive");
  std::vector<lt::sha1_hash> hashes(static_cast<std::size_t>((job.size + job.piece_size - 1) / job.piece_size));
  job.pieces = static_cast<int>(hashes.size());
  job.out = &hashes;
  // Worth waking the pool only when there is a piece for someone else.
  if (!workers_.empty() && job.pieces > 1) {
    {
      std::lock_guard lock(mutex_);
      job_ = &job;
      ++generation_;
    }
    wake_.notify_all();
    work(job, caller_buffer_);
    std::unique_lock lock(mutex_);
    // Every piece is claimed; wait for the workers still hashing theirs.
    left_.wait(lock, [this] { return inside_ == 0; });
    job_ = nullptr;  // a worker waking late finds nothing to do
  } else {
    work(job, caller_buffer_);
  }
  if (job.error) std::rethrow_exception(job.error);
  return hashes;
}

void PieceHasher::work(Job& job, std::vector<char>& buffer) {
  for (;;) {
    int piece = 0;
    {
      std::lock_guard lock(mutex_);
      if (job.next >= job.pieces || job.error) return;
      piece = job.next++;
    }
    try {
      hash_piece(job, piece, buffer, (*job.out)[static_cast<std::size_t>(piece)]);
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!job.error) job.error = std::current_exception();
      return;
    }
  }
}

void PieceHasher::hash_piece(const Job& job, int piece, std::vector<char>& buffer, lt::sha1_hash& out) const {
  const std::int64_t offset = static_cast<std::int64_t>(piece) * job.piece_size;
  const auto length = static_cast<std::size_t>(std::min<std::int64_t>(job.piece_size, job.size - offset));
  if (!job.from_file) {
    out = lt::hasher(job.bytes.data() + offset, static_cast<int>(length)).final();
    return;
  }
  // The buffer lives as long as its thread: its pages stay mapped and warm.
  if (buffer.size() < length) buffer.resize(static_cast<std::size_t>(job.piece_size));
  std::size_t have = 0;
  while (have < length) {
    ssize_t n = ::pread(job.fd, buffer.data() + have, length - have, static_cast<off_t>(offset) + static_cast<off_t>(have));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      throw Error(Exit::io, "cannot read " + *job.path + ": " + hlsmesh::errno_text(errno));
    }
    if (n == 0) {
      throw Error(Exit::io, "cannot read " + *job.path + ": the file shrank while it was being hashed (expected " +
                                std::to_string(job.size) + " bytes); the writer must finish a segment before "
                                "listing it");
    }
    have += static_cast<std::size_t>(n);
  }
  out = lt::hasher(buffer.data(), static_cast<int>(length)).final();
}

void PieceHasher::worker_main(std::stop_token stop) {
  std::vector<char> buffer;
  std::uint64_t seen = 0;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, stop, [&] { return generation_ != seen; });
    if (stop.stop_requested()) return;
    seen = generation_;
    Job* job = job_;
    if (job == nullptr) continue;  // that job is already done
    ++inside_;
    lock.unlock();
    work(*job, buffer);
    lock.lock();
    if (--inside_ == 0) left_.notify_one();
  }
}

}  // namespace hlsmesh::torrentseed
