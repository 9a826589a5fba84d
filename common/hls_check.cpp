#include "common/hls_check.hpp"

#include <cmath>
#include <cstdio>
#include <set>
#include <unordered_set>

#include "common/hls_check_detail.hpp"
#include "common/time_util.hpp"

namespace hlsmesh::m3u8 {
namespace detail {

std::string num(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, std::fabs(v) < 1e12 ? "%.3f" : "%.6g", v);
  return buf;
}

}  // namespace detail

namespace {

using detail::num;
using detail::Out;

std::string without_query(const std::string& uri) { return uri.substr(0, uri.find('?')); }

// S2: round(EXTINF) ≤ TD, computed in double so 1e60 cannot overflow.
void check_target_duration(const MediaPlaylist& pl, Out& out) {
  if (!pl.target_duration) return;
  const uint64_t td = *pl.target_duration;
  for (const auto& s : pl.segments) {
    const double rounded = std::floor(s.duration + 0.5);
    if (rounded > static_cast<double>(td)) {
      out.must("target-duration-exceeded", s.line, "RFC 8216 §4.3.3.1",
               "segment " + s.uri + " lasts " + num(s.duration) + " s, which rounds to " + num(rounded) +
                   " s, above EXT-X-TARGETDURATION " + std::to_string(td),
               "raise the target duration to at least the longest rounded EXTINF before the stream starts, or make "
               "the encoder cut shorter segments (keyframe interval ≤ segment time)");
    } else if (s.duration > static_cast<double>(td) + 1e-9) {
      out.policy(Severity::warning, "extinf-above-target-duration", s.line,
                 "segment " + s.uri + " lasts " + num(s.duration) + " s, above EXT-X-TARGETDURATION " +
                     std::to_string(td) + " (the RFC allows it after rounding; ffmpeg and stricter players use ceil)",
                 "give the target duration one second of headroom");
    }
  }
}

// §6.2.2 forbids removing segments below 3 × TD; the playlist alone shows a
// removal only through EXT-X-MEDIA-SEQUENCE > 0 (a hint, not proof), and an
// EXT-X-SKIP's segments count too. A young playlist is legal.
void check_window(const MediaPlaylist& pl, const std::vector<Line>& lines, const CheckOptions& o, Out& out) {
  if (pl.endlist) return;
  if (pl.segments.empty()) {
    out.policy(Severity::error, "no-segments", 0, "the live playlist lists no segments",
               "check that the packager is running and writing this playlist");
    return;
  }
  bool skipped = false;
  for (const auto& l : lines) skipped = skipped || l.tag == "#EXT-X-SKIP";
  const double need = 3.0 * static_cast<double>(pl.target_duration.value_or(0));
  const double have = pl.total_duration();
  if (pl.target_duration && !skipped && have + 1e-6 < need) {
    if (pl.first_msn() > 0 && pl.playlist_type.empty())
      out.likely("removed-below-3td", 0, "RFC 8216 §6.2.2",
                 "the playlist lasts " + num(have) + " s, below 3 × target duration (" + num(need) +
                     " s), and EXT-X-MEDIA-SEQUENCE " + std::to_string(pl.first_msn()) +
                     " says segments were removed: a server MUST NOT remove one below that length",
                 "keep at least 3 × target duration of segments when removing old ones");
    out.policy(Severity::error, "window-too-short", 0,
               "the playlist lasts " + num(have) + " s, below 3 × target duration (" + num(need) +
                   " s): players start 3 × TD from the end and stall",
               "keep more segments in the window (m3u8roll --window 60)");
  }
  if (o.min_segments && pl.segments.size() < o.min_segments) {
    out.policy(Severity::warning, "window-below-minimum", 0,
               "the playlist lists " + std::to_string(pl.segments.size()) + " segments, fewer than the expected " +
                   std::to_string(o.min_segments),
               "point viewers at the rolling playlist (m3u8roll --window 60), not the packager's short one");
  }
}

// A date the ISO 8601 grammar accepts but a nanosecond clock cannot hold.
bool beyond_clock(const std::string& pdt) {
  if (pdt.size() < 5) return false;
  return parse_iso8601("2000" + pdt.substr(4)).has_value();
}

std::optional<SystemTime> segment_time(const Segment& s, Out& out) {
  auto t = parse_iso8601(*s.program_date_time);
  if (t) return t;
  if (beyond_clock(*s.program_date_time))
    out.should("pdt-out-of-range", s.line, "RFC 8216 §4.3.2.6",
               "EXT-X-PROGRAM-DATE-TIME '" + *s.program_date_time +
                   "' is outside years 1678-2261: valid ISO 8601, but players' clocks and this check cannot use it",
               "write the real wall-clock time of the segment", Severity::info);
  else
    out.must("bad-program-date-time", s.line, "RFC 8216 §4.3.2.6",
             "EXT-X-PROGRAM-DATE-TIME '" + *s.program_date_time + "' is not ISO 8601 with a time zone",
             "write e.g. 2026-01-01T12:00:00.000Z");
  return std::nullopt;
}

// S7: PROGRAM-DATE-TIME syntax, after DISCONTINUITY, and drift against EXTINF.
void check_program_date_time(const MediaPlaylist& pl, const CheckOptions& o, Out& out) {
  bool any_pdt = false;
  for (const auto& s : pl.segments) any_pdt = any_pdt || s.program_date_time.has_value();
  // The previous segment's PDT plus its EXTINF, when known (a plain pair: GCC
  // misjudges std::optional<time_point> as maybe-uninitialized here).
  bool have_end = false;
  SystemTime previous_end{};
  for (const auto& s : pl.segments) {
    std::optional<SystemTime> t;
    if (s.program_date_time) {
      t = segment_time(s, out);
    } else if (any_pdt && s.discontinuity) {
      out.should("discontinuity-without-pdt", s.line, "RFC 8216 §4.3.2.6",
                 "segment " + s.uri + " follows a DISCONTINUITY but has no PROGRAM-DATE-TIME",
                 "write a PROGRAM-DATE-TIME on every segment after a discontinuity");
    }
    if (t && have_end && !s.discontinuity) {
      double drift = std::chrono::duration<double>(*t - previous_end).count();
      if (std::fabs(drift) > o.pdt_tolerance_s)
        out.policy(Severity::warning, "pdt-drift", s.line,
                   "PROGRAM-DATE-TIME of " + s.uri + " is " + num(drift) +
                       " s off the previous one plus its EXTINF: declared durations do not match the media timeline",
                   "fix the EXTINF durations (measure them from PTS) or mark the jump with EXT-X-DISCONTINUITY");
    }
    // Durations beyond a day are nonsense already reported; they would overflow the clock.
    const bool sane = s.duration < 86400.0;
    const auto d = std::chrono::duration_cast<SystemTime::duration>(std::chrono::duration<double>(sane ? s.duration : 0));
    if (!sane) {
      have_end = false;
    } else if (t) {
      previous_end = *t + d;
      have_end = true;
    } else if (have_end) {
      previous_end += d;
    }
  }
}

// S8 (policy): each URI once, so the CDN caches one object per segment.
void check_unique_uris(const MediaPlaylist& pl, Out& out) {
  std::unordered_set<std::string> seen;
  for (const auto& s : pl.segments)
    if (!s.byterange && !seen.insert(s.uri).second)
      out.policy(Severity::error, "duplicate-uri", s.line, "segment URI " + s.uri + " is listed twice",
                 "give every segment its own URI: CDN caches and P2P swarms key on it (the RFC allows repeats)");
}

}  // namespace

bool has_errors(const std::vector<Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics)
    if (d.severity == Severity::error) return true;
  return false;
}

namespace {

void media_checks(const MediaPlaylist& pl, const std::vector<Line>& lines, const CheckOptions& options, Out& out) {
  check_target_duration(pl, out);
  if (pl.playlist_type == "VOD" && !pl.endlist)
    // The RFC says a VOD playlist cannot change (§4.3.3.5) but never requires its ENDLIST.
    out.policy(Severity::error, "vod-without-endlist", 0,
               "EXT-X-PLAYLIST-TYPE:VOD but no EXT-X-ENDLIST: players keep reloading a playlist that cannot change",
               "add EXT-X-ENDLIST, or remove the type for a live stream");
  check_window(pl, lines, options, out);
  check_program_date_time(pl, options, out);
  check_unique_uris(pl, out);
}

}  // namespace

std::vector<Diagnostic> check_media(const MediaPlaylist& pl, const CheckOptions& options) {
  Out out;
  media_checks(pl, {}, options, out);
  // Without the lines, the version is judged on the model's features.
  const int required = pl.required_version();
  if (pl.version.value_or(1) < required)
    out.must("version-too-low", 0, "RFC 8216 §7",
             "EXT-X-VERSION is " + std::to_string(pl.version.value_or(1)) + " but the features used need " +
                 std::to_string(required),
             "write #EXT-X-VERSION:" + std::to_string(required));
  return out.d;
}


namespace {

bool has_video_codec(const std::string& codecs) {
  for (const char* v : {"avc1", "avc3", "hvc1", "hev1", "dvh1", "dvhe", "dva1", "dvav", "av01", "vp09", "vp08", "mp4v"})
    if (codecs.find(v) != std::string::npos) return true;
  return false;
}

// What makes two EXT-X-STREAM-INF the same variant stream: every attribute.
std::string variant_key(const Variant& v) {
  std::string k = v.uri + '\n' + std::to_string(v.bandwidth) + '\n' + v.codecs + '\n' + v.resolution;
  for (const auto& [name, value] : v.other_attributes) k += '\n' + name + '=' + value;
  return k;
}

void check_variant(const Variant& v, Out& out) {
  if (!v.bandwidth_missing && v.bandwidth < 10000)
    out.policy(Severity::error, "bandwidth-implausible", v.line,
               "variant " + v.uri + " declares BANDWIDTH=" + std::to_string(v.bandwidth) +
                   " bit/s, far below any real video stream",
               "declare the measured peak bitrate of the variant's segments (m3u8roll --master measures it); "
               "players pick renditions by it");
  if (!v.bandwidth_missing && v.average_bandwidth && *v.average_bandwidth > v.bandwidth)
    out.policy(Severity::warning, "average-above-peak", v.line,
               "variant " + v.uri + " has AVERAGE-BANDWIDTH above BANDWIDTH",
               "BANDWIDTH is the peak rate and cannot be below the average");
  if (v.codecs.empty())
    out.should("missing-codecs", v.line, "RFC 8216 §4.3.4.2", "variant " + v.uri + " has no CODECS attribute",
               "add CODECS (e.g. \"avc1.64001f,mp4a.40.2\"): players cannot tell what it holds without fetching it");
  else if (v.resolution.empty() && has_video_codec(v.codecs))
    out.should("missing-resolution", v.line, "RFC 8216 §4.3.4.2",
               "video variant " + v.uri + " has no RESOLUTION attribute", "add RESOLUTION=WxH");
}

}  // namespace

std::vector<Diagnostic> check_master(const MasterPlaylist& pl) {
  Out out;
  if (pl.variants.empty())
    out.policy(Severity::warning, "no-variants", 0, "the master playlist lists no EXT-X-STREAM-INF variants",
               "write one EXT-X-STREAM-INF + URI per rendition");
  std::unordered_set<std::string> seen;
  for (const auto& v : pl.variants) {
    check_variant(v, out);
    if (!seen.insert(variant_key(v)).second)
      out.policy(Severity::warning, "duplicate-variant", v.line,
                 "variant " + v.uri + " is listed twice with the same attributes", "list each variant stream once");
  }
  return out.d;
}

std::vector<Diagnostic> check(const ParseResult& parsed, const CheckOptions& options) {
  Out out;
  detail::check_attribute_lists(parsed.lines, out);
  detail::check_variables(parsed.lines, out);
  if (parsed.is_master()) {
    const auto& pl = std::get<MasterPlaylist>(parsed.playlist);
    detail::check_version(parsed.lines, pl.version, out);
    detail::check_master_lines(parsed.lines, out);
    out.append(check_master(pl));
  } else {
    const auto& pl = std::get<MediaPlaylist>(parsed.playlist);
    detail::check_version(parsed.lines, pl.version, out);
    media_checks(pl, parsed.lines, options, out);
    detail::check_media_lines(pl, parsed.lines, out);
    detail::check_low_latency(pl, parsed.lines, out);
  }
  return out.d;
}
std::vector<Diagnostic> check_update(const MediaPlaylist& before, const MediaPlaylist& after) {
  Out out;
  if (before.target_duration && after.target_duration && *before.target_duration != *after.target_duration) {
    out.must("target-duration-changed", 0, "RFC 8216 §6.2.1",
            "EXT-X-TARGETDURATION changed from " + std::to_string(*before.target_duration) + " to " +
                std::to_string(*after.target_duration),
            "the target duration must never change in a live playlist (RFC 8216 §6.2.1); fix it up front");
  }
  if (before.endlist) {
    out.must("changed-after-endlist", 0, "RFC 8216 §6.2.1", "the playlist changed after EXT-X-ENDLIST",
            "a playlist with ENDLIST must not change");
  }
  const uint64_t b0 = before.first_msn(), a0 = after.first_msn();
  if (a0 < b0) {
    out.must("media-sequence-regressed", 0, "RFC 8216 §6.2.2",
            "EXT-X-MEDIA-SEQUENCE went back from " + std::to_string(b0) + " to " + std::to_string(a0),
            "the media sequence must never decrease, even across encoder restarts; keep a monotonic counter "
            "(m3u8roll does) and mark restarts with EXT-X-DISCONTINUITY");
    return out.d;
  }
  if (after.first_dsn() < before.first_dsn()) {
    out.must("discontinuity-sequence-regressed", 0, "RFC 8216 §6.2.2",
            "EXT-X-DISCONTINUITY-SEQUENCE went back from " + std::to_string(before.first_dsn()) + " to " +
                std::to_string(after.first_dsn()),
            "the discontinuity sequence must never decrease (RFC 8216 §6.2.2)");
  }
  const uint64_t b_end = b0 + before.segments.size();
  if (a0 > b_end) return out.d;  // no overlap: nothing more to compare
  if (a0 == b0 && after.segments.size() < before.segments.size()) {
    out.must("playlist-shrank", 0, "RFC 8216 §6.2.1",
            "the playlist lost segments from its end at the same media sequence " + std::to_string(a0),
            "only remove segments from the head, raising EXT-X-MEDIA-SEQUENCE by one per removed segment");
  }
  for (uint64_t msn = a0; msn < b_end && msn - a0 < after.segments.size(); ++msn) {
    size_t bi = static_cast<size_t>(msn - b0), ai = static_cast<size_t>(msn - a0);
    const auto& bs = before.segments[bi];
    const auto& as = after.segments[ai];
    if (without_query(bs.uri) != without_query(as.uri)) {
      out.must("uri-changed", as.line, "RFC 8216 §6.2.1",
              "media sequence " + std::to_string(msn) + " was " + bs.uri + " and is now " + as.uri,
              "the same media sequence number must keep the same URI; a cache or second origin may serve stale "
              "playlists, or the MSN is not counted per removed segment");
      break;
    }
    if (std::fabs(bs.duration - as.duration) > 0.001) {
      out.must("duration-changed", as.line, "RFC 8216 §6.2.1",
              "media sequence " + std::to_string(msn) + " changed EXTINF from " + num(bs.duration) + " to " + num(as.duration),
              "never rewrite a listed segment");
    }
    if (before.discontinuity_number(bi) != after.discontinuity_number(ai)) {
      out.must("discontinuity-number-changed", as.line, "RFC 8216 §6.2.2",
              "media sequence " + std::to_string(msn) + " moved from discontinuity " +
                  std::to_string(before.discontinuity_number(bi)) + " to " + std::to_string(after.discontinuity_number(ai)),
              "raise EXT-X-DISCONTINUITY-SEQUENCE by one for each DISCONTINUITY tag that scrolls out (RFC 8216 §6.2.2)");
      break;
    }
  }
  return out.d;
}

}  // namespace hlsmesh::m3u8
