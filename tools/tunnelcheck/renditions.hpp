#pragma once
// Checks across the renditions of a master playlist: which MSNs to fetch from
// every rendition, aligned segment boundaries (the same MSN starts at the
// same PTS, within a frame, in every rendition) and measured vs declared
// BANDWIDTH / AVERAGE-BANDWIDTH (RFC 8216 §4.3.4.2).
#include <cstdint>
#include <memory>
#include <vector>

#include "options.hpp"
#include "probe.hpp"
#include "report.hpp"

namespace hlsmesh::tunnelcheck {

// The newest `count` MSNs listed by every fetched rendition, ascending.
std::vector<uint64_t> common_msns(const std::vector<std::unique_ptr<Target>>& targets, size_t count);

// Compares the first PTS of each common MSN across the renditions; the
// segments must have been fetched (SegmentStats::timing).
void check_alignment(const std::vector<std::unique_ptr<Target>>& targets, const std::vector<uint64_t>& msns,
                     Report& report);

// A variant's declared BANDWIDTH and AVERAGE-BANDWIDTH vs its fetched segments.
void check_bandwidth(const Target& t, const Options& o, Report& report);

}  // namespace hlsmesh::tunnelcheck
