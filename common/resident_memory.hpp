#pragma once
// This process's resident set size, for the programs that report their own
// memory (sigd's /stats.json and /metrics, torrentseed's seedstats).
#include <cstdint>

namespace hlsmesh {

// Bytes resident now (/proc/self/statm); 0 when it cannot be read.
std::uint64_t resident_bytes();

}  // namespace hlsmesh
