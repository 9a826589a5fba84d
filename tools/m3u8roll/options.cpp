#include "tools/m3u8roll/options.hpp"

namespace hlsmesh::m3u8roll {

WindowPolicy Options::policy() const {
  WindowPolicy p;
  p.max_segments = window;
  if (window_seconds > 0) p.max_seconds = window_seconds;
  p.keep_all = keep_all;
  return p;
}

void add_options(CLI::App& app, Options& o) {
  app.description(
      "Reads hlsmesh events on stdin and keeps an RFC 8216 live media playlist per rendition whose URIs are the "
      "segments' CDN URLs; passes every event through and adds `playlist` and `expire` events.");
  app.add_option("-o,--out", o.out_template,
                 "Output media playlist path; {rendition} and {stream} are replaced by the event's names")
      ->required()
      ->envname("M3U8ROLL_OUT");
  app.add_option("--base-url", o.base_url,
                 "Prefix for segments without a `url` field: URI = BASE/uri ({rendition}, {stream} allowed)")
      ->envname("M3U8ROLL_BASE_URL");
  auto* window = app.add_option("--window", o.window, "Segments kept in the live window")
                     ->capture_default_str()
                     ->check(CLI::Range(size_t{1}, size_t{1000000}))
                     ->envname("M3U8ROLL_WINDOW");
  auto* window_seconds =
      app.add_option("--window-seconds", o.window_seconds, "Keep the newest S seconds instead of a segment count")
          ->check(CLI::PositiveNumber)
          ->envname("M3U8ROLL_WINDOW_SECONDS");
  window->excludes(window_seconds);
  app.add_option("--target-duration", o.target_duration,
                 "EXT-X-TARGETDURATION in seconds (default: the first segment's source target_duration); it never "
                 "changes, so give the largest segment length the encoder can produce")
      ->check(CLI::Range(uint64_t{1}, uint64_t{3600}))
      ->envname("M3U8ROLL_TARGET_DURATION");
  app.add_option("--state", o.state_file,
                 "JSON state file (window, MSN, source positions) to resume from exactly after a restart")
      ->envname("M3U8ROLL_STATE");
  app.add_option("--master", o.master_template,
                 "Also write a master playlist here (one STREAM-INF per rendition, measured BANDWIDTH); {stream} allowed")
      ->envname("M3U8ROLL_MASTER");
  auto* finish = app.add_flag("--finish-on-end", o.finish_on_end,
                              "Write EXT-X-ENDLIST when an `end` event arrives (the playlist is then final)");
  app.add_flag("--reopen-after-end", o.reopen_after_end,
               "With --finish-on-end: a segment for a finished playlist (its source back after the end) drops "
               "EXT-X-ENDLIST and continues the playlist as live after an EXT-X-DISCONTINUITY, instead of being "
               "refused")
      ->needs(finish);
  auto* keep_all = app.add_flag("--keep-all", o.keep_all,
                                "Never remove segments: an EXT-X-PLAYLIST-TYPE:EVENT playlist (DVR)");
  keep_all->excludes(window)->excludes(window_seconds);
  app.add_flag("--fsync", o.fsync,
               "fsync every playlist before and after its rename (survives a power cut; costs milliseconds per "
               "write on a disk). Without it a playlist is still replaced atomically; --state is always fsynced");
  add_common_options(app, o.common);
}

void validate(const CLI::App&, Options&) {}

}  // namespace hlsmesh::m3u8roll
