#include "common/hls_check.hpp"

#include <cmath>
#include <cstdio>
#include <unordered_set>

#include "common/time_util.hpp"

namespace hlsmesh::m3u8 {
namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

std::string without_query(const std::string& uri) { return uri.substr(0, uri.find('?')); }

struct Out {
  std::vector<Diagnostic> d;
  void add(Severity s, std::string code, size_t line, std::string message, std::string fix) {
    d.push_back({s, std::move(code), line, std::move(message), std::move(fix)});
  }
};

}  // namespace

bool has_errors(const std::vector<Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics)
    if (d.severity == Severity::error) return true;
  return false;
}

std::vector<Diagnostic> check_media(const MediaPlaylist& pl, const CheckOptions& options) {
  Out out;
  const bool live = !pl.endlist;

  // S2: TARGETDURATION and round(EXTINF) ≤ TD.
  if (pl.target_duration) {
    const uint64_t td = *pl.target_duration;
    for (const auto& s : pl.segments) {
      uint64_t r = rounded_duration(s.duration);
      if (r > td) {
        out.add(Severity::error, "target-duration-exceeded", s.line,
                "segment " + s.uri + " lasts " + num(s.duration) + " s, which rounds to " + std::to_string(r) +
                    " s, above EXT-X-TARGETDURATION " + std::to_string(td),
                "raise the target duration to at least " + std::to_string(r) +
                    " before the stream starts, or make the encoder cut shorter segments (keyframe interval ≤ segment "
                    "time); players stall on segments longer than TD (RFC 8216 §4.3.3.1)");
      } else if (s.duration > static_cast<double>(td) + 1e-9) {
        out.add(Severity::warning, "extinf-above-target-duration", s.line,
                "segment " + s.uri + " lasts " + num(s.duration) + " s, above EXT-X-TARGETDURATION " + std::to_string(td) +
                    " (allowed after rounding, but stricter players and ffmpeg use ceil)",
                "give the target duration one second of headroom");
      }
    }
  }

  // S3: version.
  const int required = pl.required_version();
  const int declared = pl.version.value_or(1);
  if (declared < required) {
    out.add(Severity::error, "version-too-low", 0,
            "EXT-X-VERSION is " + std::to_string(declared) + " but the features used need " + std::to_string(required) +
                (required >= 6 ? " (EXT-X-MAP)" : required >= 4 ? " (BYTERANGE)" : " (fractional EXTINF)"),
            "write #EXT-X-VERSION:" + std::to_string(required) + " (RFC 8216 §7)");
  } else if (pl.version && declared > required && declared > 3) {
    // Versions up to 3 are what every muxer writes for float EXTINF; flag only needless higher ones.
    out.add(Severity::info, "version-higher-than-needed", 0,
            "EXT-X-VERSION is " + std::to_string(declared) + " but the features used need only " + std::to_string(required),
            "write the lowest version the features need (rfc8216bis §8)");
  }

  // S5: playlist type vs live.
  if (pl.playlist_type == "VOD" && !pl.endlist) {
    out.add(Severity::error, "vod-without-endlist", 0, "EXT-X-PLAYLIST-TYPE:VOD but no EXT-X-ENDLIST",
            "a VOD playlist never changes: add EXT-X-ENDLIST, or remove the type for a live stream");
  }
  if (pl.playlist_type == "EVENT" && pl.first_msn() > 0) {
    out.add(Severity::error, "event-playlist-removed-segments", 0,
            "EXT-X-PLAYLIST-TYPE:EVENT but EXT-X-MEDIA-SEQUENCE is " + std::to_string(pl.first_msn()) +
                ": an EVENT playlist may only grow",
            "drop the PLAYLIST-TYPE tag for a sliding window, or keep every segment");
  }

  // S6: window length.
  if (live) {
    if (pl.segments.empty()) {
      out.add(Severity::error, "no-segments", 0, "the live playlist lists no segments",
              "check that the packager is running and writing this playlist");
    } else if (pl.target_duration) {
      double need = 3.0 * static_cast<double>(*pl.target_duration);
      if (pl.total_duration() + 1e-6 < need) {
        out.add(Severity::error, "window-too-short", 0,
                "the playlist lasts " + num(pl.total_duration()) + " s, below 3 × target duration (" + num(need) + " s)",
                "keep more segments in the window (m3u8roll --window 60): players start 3 × TD from the end and "
                "stall on short windows (RFC 8216 §6.2.2)");
      }
    }
    if (options.min_segments && pl.segments.size() < options.min_segments) {
      out.add(Severity::warning, "window-below-minimum", 0,
              "the playlist lists " + std::to_string(pl.segments.size()) + " segments, fewer than the expected " +
                  std::to_string(options.min_segments),
              "point viewers at the rolling playlist (m3u8roll --window 60), not the packager's short one");
    }
  }

  // S7: PROGRAM-DATE-TIME.
  bool any_pdt = false;
  for (const auto& s : pl.segments) any_pdt = any_pdt || s.program_date_time.has_value();
  std::optional<SystemTime> previous_end;
  for (size_t i = 0; i < pl.segments.size(); ++i) {
    const auto& s = pl.segments[i];
    std::optional<SystemTime> t;
    if (s.program_date_time) {
      t = parse_iso8601(*s.program_date_time);
      if (!t) {
        out.add(Severity::error, "bad-program-date-time", s.line,
                "EXT-X-PROGRAM-DATE-TIME '" + *s.program_date_time + "' is not ISO 8601 with a time zone",
                "write e.g. 2026-01-01T12:00:00.000Z (RFC 8216 §4.3.2.6)");
      }
    } else if (any_pdt && s.discontinuity) {
      out.add(Severity::warning, "discontinuity-without-pdt", s.line,
              "segment " + s.uri + " follows a DISCONTINUITY but has no PROGRAM-DATE-TIME",
              "write a PROGRAM-DATE-TIME on every segment after a discontinuity (RFC 8216 §4.3.2.6)");
    }
    if (t && previous_end && !s.discontinuity) {
      double drift = std::chrono::duration<double>(*t - *previous_end).count();
      if (std::fabs(drift) > options.pdt_tolerance_s) {
        out.add(Severity::warning, "pdt-drift", s.line,
                "PROGRAM-DATE-TIME of " + s.uri + " is " + num(drift) +
                    " s off the previous one plus its EXTINF: declared durations do not match the media timeline",
                "fix the EXTINF durations (measure them from PTS) or mark the jump with EXT-X-DISCONTINUITY");
      }
    }
    if (t) {
      previous_end = *t + std::chrono::duration_cast<SystemTime::duration>(std::chrono::duration<double>(s.duration));
    } else if (previous_end) {
      *previous_end += std::chrono::duration_cast<SystemTime::duration>(std::chrono::duration<double>(s.duration));
    }
  }

  // S8: unique URIs.
  std::unordered_set<std::string> seen;
  for (const auto& s : pl.segments) {
    if (!s.byterange && !seen.insert(s.uri).second) {
      out.add(Severity::error, "duplicate-uri", s.line, "segment URI " + s.uri + " is listed twice",
              "every media sequence number needs its own segment URI");
    }
  }
  return out.d;
}

std::vector<Diagnostic> check_master(const MasterPlaylist& pl) {
  Out out;
  if (pl.variants.empty()) {
    out.add(Severity::error, "no-variants", 0, "the master playlist lists no variants",
            "write one EXT-X-STREAM-INF + URI per rendition");
  }
  std::unordered_set<std::string> seen;
  for (const auto& v : pl.variants) {
    if (v.bandwidth < 10000) {
      out.add(Severity::error, "bandwidth-implausible", v.line,
              "variant " + v.uri + " declares BANDWIDTH=" + std::to_string(v.bandwidth) +
                  " bit/s, far below any real video stream",
              "declare the measured peak bitrate of the variant's segments (m3u8roll --master measures it); "
              "players pick renditions by it");
    }
    if (v.average_bandwidth && *v.average_bandwidth > v.bandwidth) {
      out.add(Severity::error, "average-above-peak", v.line,
              "variant " + v.uri + " has AVERAGE-BANDWIDTH above BANDWIDTH",
              "BANDWIDTH is the peak and must be ≥ AVERAGE-BANDWIDTH");
    }
    if (v.codecs.empty()) {
      out.add(Severity::warning, "missing-codecs", v.line, "variant " + v.uri + " has no CODECS attribute",
              "add CODECS (e.g. \"avc1.64001f,mp4a.40.2\"); the HLS authoring spec requires it");
    }
    if (v.resolution.empty()) {
      out.add(Severity::warning, "missing-resolution", v.line, "variant " + v.uri + " has no RESOLUTION attribute",
              "add RESOLUTION=WxH for video variants");
    }
    if (!seen.insert(v.uri).second) {
      out.add(Severity::warning, "duplicate-variant", v.line, "variant URI " + v.uri + " is listed twice",
              "list each rendition once");
    }
  }
  return out.d;
}

std::vector<Diagnostic> check_update(const MediaPlaylist& before, const MediaPlaylist& after) {
  Out out;
  if (before.target_duration && after.target_duration && *before.target_duration != *after.target_duration) {
    out.add(Severity::error, "target-duration-changed", 0,
            "EXT-X-TARGETDURATION changed from " + std::to_string(*before.target_duration) + " to " +
                std::to_string(*after.target_duration),
            "the target duration must never change in a live playlist (RFC 8216 §6.2.1); fix it up front");
  }
  if (before.endlist) {
    out.add(Severity::error, "changed-after-endlist", 0, "the playlist changed after EXT-X-ENDLIST",
            "a playlist with ENDLIST must not change");
  }
  const uint64_t b0 = before.first_msn(), a0 = after.first_msn();
  if (a0 < b0) {
    out.add(Severity::error, "media-sequence-regressed", 0,
            "EXT-X-MEDIA-SEQUENCE went back from " + std::to_string(b0) + " to " + std::to_string(a0),
            "the media sequence must never decrease, even across encoder restarts; keep a monotonic counter "
            "(m3u8roll does) and mark restarts with EXT-X-DISCONTINUITY");
    return out.d;
  }
  if (after.first_dsn() < before.first_dsn()) {
    out.add(Severity::error, "discontinuity-sequence-regressed", 0,
            "EXT-X-DISCONTINUITY-SEQUENCE went back from " + std::to_string(before.first_dsn()) + " to " +
                std::to_string(after.first_dsn()),
            "the discontinuity sequence must never decrease (RFC 8216 §6.2.2)");
  }
  const uint64_t b_end = b0 + before.segments.size();
  if (a0 > b_end) return out.d;  // no overlap: nothing more to compare
  if (a0 == b0 && after.segments.size() < before.segments.size()) {
    out.add(Severity::error, "playlist-shrank", 0,
            "the playlist lost segments from its end at the same media sequence " + std::to_string(a0),
            "only remove segments from the head, raising EXT-X-MEDIA-SEQUENCE by one per removed segment");
  }
  for (uint64_t msn = a0; msn < b_end && msn - a0 < after.segments.size(); ++msn) {
    size_t bi = static_cast<size_t>(msn - b0), ai = static_cast<size_t>(msn - a0);
    const auto& bs = before.segments[bi];
    const auto& as = after.segments[ai];
    if (without_query(bs.uri) != without_query(as.uri)) {
      out.add(Severity::error, "uri-changed", as.line,
              "media sequence " + std::to_string(msn) + " was " + bs.uri + " and is now " + as.uri,
              "the same media sequence number must keep the same URI; a cache or second origin may serve stale "
              "playlists, or the MSN is not counted per removed segment");
      break;
    }
    if (std::fabs(bs.duration - as.duration) > 0.001) {
      out.add(Severity::error, "duration-changed", as.line,
              "media sequence " + std::to_string(msn) + " changed EXTINF from " + num(bs.duration) + " to " + num(as.duration),
              "never rewrite a listed segment");
    }
    if (before.discontinuity_number(bi) != after.discontinuity_number(ai)) {
      out.add(Severity::error, "discontinuity-number-changed", as.line,
              "media sequence " + std::to_string(msn) + " moved from discontinuity " +
                  std::to_string(before.discontinuity_number(bi)) + " to " + std::to_string(after.discontinuity_number(ai)),
              "raise EXT-X-DISCONTINUITY-SEQUENCE by one for each DISCONTINUITY tag that scrolls out (RFC 8216 §6.2.2)");
      break;
    }
  }
  return out.d;
}

}  // namespace hlsmesh::m3u8
