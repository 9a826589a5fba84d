#include "tools/torrentseed/seedstats.hpp"

#include <chrono>

#include "common/resident_memory.hpp"
#include "common/time_util.hpp"

namespace hlsmesh::torrentseed {

hlsmesh::Json make_seedstats(const Mode& mode, const TorrentTable& torrents, const SegmentWindow& window,
                             const hlsmesh::EventReaderStats& input) {
  hlsmesh::Json stats = {
      {"event", "seedstats"},
      {"time", hlsmesh::format_iso8601_ms(std::chrono::system_clock::now())},
      {"mode", mode.name()},
      {"torrents", torrents.live()},
      {"window", window.size()},
      {"peers", torrents.peers()},
      {"uploaded", torrents.uploaded_total()},
      {"downloaded", torrents.downloaded_total()},
      {"upload_rate", torrents.upload_rate()},
      {"added", torrents.added_count()},
      {"removed", torrents.removed_count()},
      {"port", torrents.listen_port()},
      {"rss_kib", hlsmesh::resident_bytes() / 1024},
      {"errors", torrents.errors().to_json()},
      {"bad_lines", input.bad_lines},
      {"seeds", torrents.torrents_json()},
      {"peer_uploads", torrents.peers_json(20)},
  };
  mode.add_stats(stats);
  return stats;
}

std::string make_summary(const Mode& mode, const TorrentTable& torrents, const hlsmesh::EventReaderStats& input) {
  hlsmesh::Json extra = hlsmesh::Json::object();
  mode.add_stats(extra);
  std::string text = "summary (" + std::string(mode.name()) + "): " + std::to_string(torrents.added_count()) +
                     " torrents added, " + std::to_string(torrents.removed_count()) + " removed, " +
                     std::to_string(torrents.live()) + " live at exit; uploaded " +
                     std::to_string(torrents.uploaded_total()) + " B, downloaded " +
                     std::to_string(torrents.downloaded_total()) + " B, to/from " +
                     std::to_string(torrents.peers_seen()) + " peer addresses; " + std::to_string(input.events) +
                     " events read, " + std::to_string(input.bad_lines) + " bad lines; errors " +
                     torrents.errors().to_json().dump() + "; " + extra.dump();
  auto top = torrents.peers_json(5);
  if (!top.empty()) text += "; top peers " + top.dump();
  return text;
}

}  // namespace hlsmesh::torrentseed
