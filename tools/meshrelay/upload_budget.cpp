#include "tools/meshrelay/upload_budget.hpp"

#include <algorithm>

namespace hlsmesh::meshrelay {

UploadBudget::UploadBudget(double bytes_per_s)
    : rate_(bytes_per_s), capacity_(std::max(bytes_per_s / 4, 2.0 * 65535)), tokens_(capacity_), last_(Clock::now()) {}

bool UploadBudget::take(std::size_t bytes, Clock::time_point now) {
  if (unlimited()) return true;
  if (now > last_) {
    const std::chrono::duration<double> elapsed = now - last_;
    last_ = now;
    tokens_ = std::min(capacity_, tokens_ + elapsed.count() * rate_);
  }
  if (tokens_ < static_cast<double>(bytes)) return false;
  tokens_ -= static_cast<double>(bytes);
  return true;
}

}  // namespace hlsmesh::meshrelay
