#include "tools/hlswatch/options.hpp"

#include "common/log.hpp"

namespace hlsmesh::hlswatch {

void add_options(CLI::App& app, Options& o) {
  app.description(
      "Watch HLS output directories (Owncast, SRS, ffmpeg) and emit one `segment` event per new complete "
      "segment, exactly once, as JSON Lines on stdout.");
  hlsmesh::add_common_options(app, o.common, /*reads_events=*/false);
  app.add_option("DIR", o.dirs, "HLS output directory: a variant directory (Owncast data/hls/0) or one with a master "
                                "playlist (Owncast data/hls)")
      ->required();
  app.add_option("--stream", o.stream, "Stream name in events (default: the watched directory's name)")
      ->envname("HLSWATCH_STREAM");
  app.add_option("--rendition", o.rendition,
                 "Rendition name when the directory holds a single variant (default: the directory's name)");
  app.add_option("--playlist", o.playlist, "Playlist file name to watch (default: any *.m3u8 in DIR)");
  app.add_option("--poll", o.poll_ms,
                 "Poll every MS milliseconds instead of using inotify (network filesystems, bind mounts)")
      ->check(CLI::Range(10, 600000))
      ->envname("HLSWATCH_POLL_MS");
  app.add_option("--backlog", o.backlog, "At start, first emit the last N segments already listed (default 0)");
  app.add_flag("--once", o.once,
               "Emit the segments listed now (all, or the last --backlog N) and exit; a missing or unreadable "
               "directory is then fatal");
  app.add_flag("--keep-offline", o.keep_offline, "Emit Owncast's offline.ts segment instead of only reporting it");
  app.add_option("--retry-max", o.retry_max_ms,
                 "Longest wait in ms between retries of a missing or unreadable directory (default 2000)")
      ->check(CLI::Range(50, 600000));
}

void validate(const CLI::App&, Options& o) {
  if (!o.stream.empty() && o.dirs.size() > 1) {
    // One name for several directories would merge their streams.
    hlsmesh::log::warning("--stream applies to every DIR; their events share one stream name");
  }
}

}  // namespace hlsmesh::hlswatch
