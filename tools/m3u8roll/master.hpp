#pragma once
// The master playlist (--master): one EXT-X-STREAM-INF per published
// rendition, BANDWIDTH measured as the peak segment bitrate over the window
// and AVERAGE-BANDWIDTH as the mean, CODECS/RESOLUTION/FRAME-RATE carried
// from the source's `master` event.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/event_io.hpp"
#include "tools/m3u8roll/window.hpp"

namespace hlsmesh::m3u8roll {

struct Bitrates {
  uint64_t peak = 0;     // max over segments of bytes * 8 / duration
  uint64_t average = 0;  // sum(bytes) * 8 / sum(duration)
};
// nullopt when no segment in the window carries `bytes`.
std::optional<Bitrates> measure_bitrates(const RenditionWindow& window);

class MasterPlaylists {
 public:
  explicit MasterPlaylists(std::string path_template) : template_(std::move(path_template)) {}
  bool enabled() const { return !template_.empty(); }

  // A `master` event: remembers each rendition's CODECS/RESOLUTION/FRAME-RATE.
  void set_source(const std::string& stream, const Json& master_event);

  // After `rendition`'s media playlist was published at `playlist_path`:
  // rewrites the stream's master playlist if its text changed and returns the
  // `playlist` event to emit for it.
  std::optional<Json> update(const std::string& stream, const std::string& rendition,
                             const std::string& playlist_path, const RenditionWindow& window);

 private:
  struct SourceVariant {
    std::optional<uint64_t> bandwidth;
    std::string codecs;
    std::string resolution;
    std::optional<double> frame_rate;
  };
  struct Published {
    std::string playlist_path;
    std::optional<Bitrates> bitrates;
  };
  struct StreamMaster {
    std::string path;
    std::vector<std::string> source_order;
    std::map<std::string, SourceVariant> source;
    std::vector<std::string> published_order;
    std::map<std::string, Published> published;
    std::string written;
    bool warned_unmeasured = false;
  };
  StreamMaster& stream_master(const std::string& stream);

  std::string template_;
  std::map<std::string, StreamMaster> streams_;
};

}  // namespace hlsmesh::m3u8roll
