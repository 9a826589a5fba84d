#pragma once
// Static playlist checks shared by `lint` and `probe`: the RFC checker from
// common/hls_check.hpp plus the segment URL policy (CDN hosts only; no
// origin, localhost, private IPs, IP literals, or http under https).
#include <map>
#include <string>

#include "common/m3u8.hpp"
#include "options.hpp"
#include "report.hpp"

namespace hlsmesh::tunnelcheck {

// Collapses repeated findings (one per segment) into one per code, counting
// the rest, so 60 segments without CORS give one line, not 60.
class Aggregator {
 public:
  void add(Severity s, const std::string& code, const std::string& subject, std::string message, std::string fix);
  void add(Finding finding);
  void flush(Report& report, const std::string& noun);  // "segments", "URLs"

 private:
  struct Entry {
    Finding first;
    size_t count = 0;
  };
  std::vector<std::string> order_;
  std::map<std::string, Entry> entries_;
};

// Runs check_media/check_master on parsed text and reports parser and checker
// diagnostics. Returns the parse result.
hlsmesh::m3u8::ParseResult lint_text(const std::string& text, const std::string& subject, const Options& options,
                                     Report& report);

// URL policy over every segment URI of a media playlist (relative URIs are
// resolved against playlist_url; with no playlist_url they are skipped).
void check_segment_urls(const hlsmesh::m3u8::MediaPlaylist& playlist, const std::string& playlist_url,
                        const Options& options, const std::string& subject, Report& report);

}  // namespace hlsmesh::tunnelcheck
