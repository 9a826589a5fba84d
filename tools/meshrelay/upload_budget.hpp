#pragma once
// The volunteer's upload cap, shared by every peer: a token bucket refilled
// at `bytes_per_s` that holds a quarter second of it (at least two messages).
#include <chrono>
#include <cstddef>

namespace hlsmesh::meshrelay {

class UploadBudget {
 public:
  using Clock = std::chrono::steady_clock;
  explicit UploadBudget(double bytes_per_s);  // 0: unlimited

  // True (and the bytes spent) when `bytes` may be sent now.
  bool take(std::size_t bytes, Clock::time_point now = Clock::now());
  bool unlimited() const { return rate_ <= 0; }

 private:
  double rate_;
  double capacity_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace hlsmesh::meshrelay
