// The m3u8 parser's tag handlers: one per tag, each checking its RFC 8216
// rules and moving its value into the pending segment, variant or header.
#include "common/m3u8_parser.hpp"
#include "common/m3u8_values.hpp"

namespace hlsmesh::m3u8::parse_detail {

using values::decode_stream_inf;
using values::parse_byterange;
using values::parse_double;
using values::parse_uint;

void Parser::on_extm3u(std::string_view) {
  if (extm3u_line_ == 0) {
    extm3u_line_ = lineno_;  // reported as misplaced at the end
    return;
  }
  add(Severity::warning, "duplicate-extm3u", lineno_,
      "#EXTM3U appears again (first on line " + std::to_string(extm3u_line_) + ")",
      "keep only the first line's #EXTM3U");
}

void Parser::on_version(std::string_view value) {
  auto v = parse_uint(value);
  if (++count_version_ > 1)
    add(Severity::error, "duplicate-version", lineno_, "EXT-X-VERSION appears more than once",
        "write EXT-X-VERSION at most once (RFC 8216 §4.3.1.2)");
  if (!v || *v < 1 || *v > 100) {
    add(Severity::error, "bad-version", lineno_, "EXT-X-VERSION '" + std::string(value) + "' is not a version number",
        "write a decimal integer such as 3");
  } else {
    media_.version = master_.version = static_cast<int>(*v);
  }
}

void Parser::on_target_duration(std::string_view value) {
  saw_media_tags_ = true;
  if (++count_td_ > 1)
    add(Severity::error, "duplicate-target-duration", lineno_, "EXT-X-TARGETDURATION appears more than once",
        "write it exactly once (RFC 8216 §4.3.3.1)");
  auto v = parse_uint(value);
  if (!v)
    add(Severity::error, "bad-target-duration", lineno_,
        "EXT-X-TARGETDURATION '" + std::string(value) + "' is not a decimal integer",
        "write whole seconds, at least the longest segment's rounded duration");
  else
    media_.target_duration = *v;
}

void Parser::on_media_sequence(std::string_view value) {
  saw_media_tags_ = true;
  if (++count_msn_ > 1)
    add(Severity::error, "duplicate-media-sequence", lineno_, "EXT-X-MEDIA-SEQUENCE appears more than once",
        "write it at most once, before the first segment");
  if (!before_first_segment())
    add(Severity::error, "media-sequence-after-segment", lineno_, "EXT-X-MEDIA-SEQUENCE appears after a segment",
        "move it before the first segment (RFC 8216 §4.3.3.2)");
  auto v = parse_uint(value);
  if (!v)
    add(Severity::error, "bad-media-sequence", lineno_,
        "EXT-X-MEDIA-SEQUENCE '" + std::string(value) + "' is not a decimal integer", "write a non-negative integer");
  else
    media_.media_sequence = *v;
}

void Parser::on_discontinuity_sequence(std::string_view value) {
  saw_media_tags_ = true;
  if (++count_dsn_ > 1)
    add(Severity::error, "duplicate-discontinuity-sequence", lineno_,
        "EXT-X-DISCONTINUITY-SEQUENCE appears more than once", "write it at most once, before the first segment");
  if (!before_first_segment() || saw_discontinuity_tag_)
    add(Severity::error, "discontinuity-sequence-misplaced", lineno_,
        "EXT-X-DISCONTINUITY-SEQUENCE appears after a segment or a DISCONTINUITY tag",
        "move it before the first segment and any EXT-X-DISCONTINUITY (RFC 8216 §4.3.3.3)");
  auto v = parse_uint(value);
  if (!v)
    add(Severity::error, "bad-discontinuity-sequence", lineno_,
        "EXT-X-DISCONTINUITY-SEQUENCE '" + std::string(value) + "' is not a decimal integer",
        "write a non-negative integer");
  else
    media_.discontinuity_sequence = *v;
}

void Parser::on_playlist_type(std::string_view value) {
  saw_media_tags_ = true;
  if (++count_type_ > 1)
    add(Severity::error, "duplicate-playlist-type", lineno_, "EXT-X-PLAYLIST-TYPE appears more than once",
        "write it at most once");
  if (value != "EVENT" && value != "VOD")
    add(Severity::error, "bad-playlist-type", lineno_,
        "EXT-X-PLAYLIST-TYPE '" + std::string(value) + "' is neither EVENT nor VOD",
        "use EVENT or VOD, or leave the tag out for a sliding-window live playlist");
  media_.playlist_type = std::string(value);
}

void Parser::on_independent_segments(std::string_view) {
  media_.independent_segments = master_.independent_segments = true;
}

void Parser::on_endlist(std::string_view) {
  saw_media_tags_ = true;
  if (++count_endlist_ > 1)
    add(Severity::error, "duplicate-endlist", lineno_, "EXT-X-ENDLIST appears more than once",
        "write it once, at the end");
  media_.endlist = true;
}

void Parser::on_extinf(std::string_view value) {
  saw_media_tags_ = true;
  if (seg_.extinf)
    add(Severity::error, "extinf-without-uri", seg_.extinf_line, "EXTINF is followed by another EXTINF, not a URI",
        "every EXTINF needs its segment URI on the next line");
  size_t comma = value.find(',');
  const std::string_view text = value.substr(0, comma);
  auto d = parse_double(text);
  // decimal-integer or decimal-floating-point (§4.2): digits and one dot, no sign or exponent.
  const bool decimal = !text.empty() && text.find_first_not_of("0123456789.") == std::string_view::npos &&
                       text.find('.') == text.rfind('.') && text != ".";
  if (!d || *d < 0 || !decimal) {
    add(Severity::error, "bad-extinf", lineno_,
        "EXTINF duration '" + std::string(text) + "' is not a decimal number of seconds",
        "write the segment duration in seconds with digits and a dot only, e.g. #EXTINF:2.000,");
  }
  seg_.duration = d && *d >= 0 ? *d : 0.0;
  seg_.extinf = true;
  seg_.title = comma == std::string_view::npos ? std::string() : std::string(value.substr(comma + 1));
  seg_.extinf_line = lineno_;
}

void Parser::on_discontinuity(std::string_view) {
  saw_media_tags_ = true;
  seg_.discontinuity = true;
  saw_discontinuity_tag_ = true;
}

void Parser::on_program_date_time(std::string_view value) { seg_.pdt = std::string(value); }

void Parser::on_byterange(std::string_view value) {
  auto r = parse_byterange(value);
  if (!r)
    add(Severity::error, "bad-byterange", lineno_, "EXT-X-BYTERANGE '" + std::string(value) + "' is not <n>[@<o>]",
        "write the length and optional offset as integers");
  else
    seg_.byterange = r;
}

void Parser::on_gap(std::string_view) { seg_.gap = true; }

void Parser::on_map(std::string_view value) {
  Map map;
  for (const auto& a : scan_attributes(value).attributes) {
    if (a.name == "URI") map.uri = a.value;
    if (a.name == "BYTERANGE") map.byterange = parse_byterange(a.value);
  }
  if (map.uri.empty())
    add(Severity::error, "bad-map", lineno_, "EXT-X-MAP has no URI attribute", "write #EXT-X-MAP:URI=\"init.mp4\"");
  else
    map_ = map;
}

void Parser::on_stream_inf(std::string_view value) {
  saw_stream_inf_ = true;
  // Attribute-list syntax is the checker's to report; read what can be read.
  auto scan = scan_attributes(value);
  Variant v;
  v.bandwidth_missing = !decode_stream_inf(scan.attributes, v);
  if (v.bandwidth_missing)
    add(Severity::error, "missing-bandwidth", lineno_, "EXT-X-STREAM-INF has no valid BANDWIDTH",
        "write BANDWIDTH=<peak bits per second> (RFC 8216 §4.3.4.2)");
  if (variant_)
    add(Severity::error, "stream-inf-without-uri", variant_->line, "EXT-X-STREAM-INF is not followed by a URI",
        "put the variant playlist URI on the line after each EXT-X-STREAM-INF");
  v.line = lineno_;
  variant_ = std::move(v);
}

void Parser::on_master_tag(std::string_view) {
  saw_master_tags_ = true;
  other_tag(line_);
}

void Parser::on_i_frames_only(std::string_view) {
  saw_media_tags_ = true;
  if (++count_iframes_ > 1)
    add(Severity::error, "duplicate-i-frames-only", lineno_, "EXT-X-I-FRAMES-ONLY appears more than once",
        "write it at most once");
  media_.i_frames_only = true;
  other_tag(line_);  // kept verbatim for writers that copy header tags
}

}  // namespace hlsmesh::m3u8::parse_detail
