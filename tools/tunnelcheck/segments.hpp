#pragma once
// Segment checks of one media playlist, run in parallel on the shared
// Fetcher: GET (status, Content-Type, Content-Length, CORS, TS sync, PTS
// duration vs EXTINF, bitrate), Range bytes=0-187 (206 + Content-Range,
// exposed headers) and the CORS preflight for Range.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/m3u8.hpp"
#include "fetch.hpp"
#include "options.hpp"
#include "policy.hpp"

namespace hlsmesh::tunnelcheck {

// Where one fetched segment starts on the media timeline, for the
// cross-rendition alignment check.
struct SegmentTiming {
  double first_pts_s = 0;  // 33-bit clock, seconds
  double frame_s = 0;      // one frame on that PID (0 when unknown)
  std::string media_kind;  // "video" or "audio"
};

struct SegmentStats {
  size_t checked = 0;
  double bytes = 0;
  double seconds = 0;   // EXTINF sum of the segments fetched whole
  double peak_bps = 0;  // highest bytes*8/EXTINF
  double worst_duration_error_s = 0;
  std::map<uint64_t, SegmentTiming> timing;  // by MSN, the segments whose PTS was read
};

class SegmentChecker {
 public:
  SegmentChecker(const Options& options, std::string origin, Fetcher& fetcher)
      : options_(options), origin_(std::move(origin)), fetcher_(fetcher) {}

  // Starts the checks of the chosen segments (indices into playlist.segments).
  void start(const hlsmesh::m3u8::MediaPlaylist& playlist, const std::string& playlist_url,
             const std::vector<size_t>& indices, const std::shared_ptr<SegmentStats>& stats,
             const std::shared_ptr<Aggregator>& findings);

  // Is `url` fetched cross-origin from the --origin page?
  bool cross_origin(const std::string& url) const;
  const std::string& origin() const { return origin_; }

 private:
  const Options& options_;
  std::string origin_;
  Fetcher& fetcher_;
};

// newest, oldest and an evenly spaced sample; or every segment.
std::vector<size_t> choose_segments(size_t count, const Options& options);

// Checks Access-Control-Allow-Origin on a response fetched with Origin: origin.
void check_allow_origin(const hlsmesh::http::Response& r, const std::string& origin, const std::string& subject,
                        const std::string& what, Aggregator& out);

}  // namespace hlsmesh::tunnelcheck
