#pragma once
// The RFC 8216 checker (reference/hls.md §1 linter checklist). m3u8roll's
// property test and tunnelcheck's linter both use it, so every rule lives here.
#include <vector>

#include "common/m3u8.hpp"

namespace hlsmesh::m3u8 {

struct CheckOptions {
  // Warn when a live playlist lists fewer segments (0 = no such check).
  size_t min_segments = 0;
  // Tolerance for PROGRAM-DATE-TIME advancing by the previous EXTINF.
  double pdt_tolerance_s = 0.5;
};

// Every static check on a parsed playlist: the model checks below plus the
// rules that need the lines as written (attribute lists, EXT-X-VERSION
// features, EXT-X-MEDIA groups, byte ranges, DATERANGE, LL-HLS tags).
// Parser diagnostics are not repeated; policy findings carry Rule::policy.
std::vector<Diagnostic> check(const ParseResult& parsed, const CheckOptions& options = {});

// Static checks on one media playlist model (S2–S8).
std::vector<Diagnostic> check_media(const MediaPlaylist& playlist, const CheckOptions& options = {});

// Static checks on a master playlist (BANDWIDTH sanity, CODECS/RESOLUTION present).
std::vector<Diagnostic> check_master(const MasterPlaylist& playlist);

// Temporal checks between two successive versions of one live playlist
// (T9, T10): TD unchanged, MSN never back, same MSN → same URI/EXTINF/
// discontinuity number, MSN and DSN advance by exactly what was removed.
std::vector<Diagnostic> check_update(const MediaPlaylist& before, const MediaPlaylist& after);

bool has_errors(const std::vector<Diagnostic>& diagnostics);

}  // namespace hlsmesh::m3u8
