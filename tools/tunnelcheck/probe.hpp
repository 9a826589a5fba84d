#pragma once
// The live probe behind `tunnelcheck probe`, split by concern: prober.cpp
// fetches and checks the playlist, its variants and segments; freshness.cpp
// reloads it after 1.5 × target duration and keeps polling for --watch.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "common/http_client.hpp"
#include "common/m3u8.hpp"
#include "fetch.hpp"
#include "report.hpp"
#include "segments.hpp"

namespace hlsmesh::tunnelcheck {

std::string num(double v, int places = 1);  // fixed-point, for messages

// One media playlist being probed: the URL itself, or a master's variant.
struct Target {
  std::string url;
  std::string subject;  // redacted URL
  std::map<std::string, std::string> labels;
  std::optional<hlsmesh::m3u8::Variant> variant;
  bool ok = false;
  hlsmesh::m3u8::MediaPlaylist playlist;
  int64_t fetched_ms = 0;
  int64_t last_advance_ms = 0;
  std::shared_ptr<SegmentStats> stats = std::make_shared<SegmentStats>();
  std::shared_ptr<Aggregator> segment_findings = std::make_shared<Aggregator>();
  // --watch
  double longest_stall_s = 0;
  size_t stalls = 0;
  bool stalled = false;
};

class Probe {
 public:
  Probe(const Options& o, const Deadline& d, Report& r)
      : o_(o), deadline_(d), report_(r), fetcher_(d, o.parallel), segments_(o, origin_for(o), fetcher_) {}

  void run();

 private:
  void check_stream();
  static std::string origin_for(const Options& o);
  bool fetch_playlist(const std::string& url, hlsmesh::http::Client::Callback cb);
  void record_http_metrics(const hlsmesh::http::Response& r, const std::map<std::string, std::string>& labels);
  // Status is 200: body size, Content-Type, CORS, then the static lint.
  std::optional<hlsmesh::m3u8::ParseResult> check_playlist_body(const hlsmesh::http::Response& r, const std::string& subject);
  void accept_media(Target& t, const hlsmesh::http::Response& r, const hlsmesh::m3u8::ParseResult* parsed_top);
  void latency(Target& t);  // now − PROGRAM-DATE-TIME of the live edge
  // Starts the segment checks: the --segments choice plus the MSNs every
  // rendition lists (aligned), which the alignment check compares.
  void start_segments(Target& t, const std::vector<uint64_t>& aligned);
  void finish_segments(Target& t);
  // Refetches every target in parallel; returns the new playlists (nullopt where it failed).
  std::vector<std::optional<hlsmesh::m3u8::MediaPlaylist>> refetch(Aggregator* quiet);
  void update_check();  // freshness.cpp
  // The segment that left the window between two fetches still answers (freshness.cpp).
  void check_just_expired(const Target& t, const hlsmesh::m3u8::MediaPlaylist& before,
                          const hlsmesh::m3u8::MediaPlaylist& after);
  void watch();         // freshness.cpp

  const Options& o_;
  const Deadline& deadline_;
  Report& report_;
  Fetcher fetcher_;
  SegmentChecker segments_;
  std::vector<std::unique_ptr<Target>> targets_;
};

}  // namespace hlsmesh::tunnelcheck
