// m3u8 parser: tolerant (it reports, it does not throw) so the linter can list
// every problem and hlswatch can tell a half-written playlist from a bad one.
#include "common/m3u8.hpp"
#include "common/m3u8_values.hpp"

namespace hlsmesh::m3u8 {
namespace {

using values::decode_stream_inf;
using values::parse_byterange;
using values::parse_double;
using values::parse_uint;

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

struct Parser {
  ParseResult result;
  std::vector<Diagnostic>& diags = result.diagnostics;

  void add(Severity sev, std::string code, size_t line, std::string message, std::string fix) {
    diags.push_back({sev, std::move(code), line, std::move(message), std::move(fix)});
  }
};

}  // namespace

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::info: return "info";
  }
  return "error";
}

bool ParseResult::has_errors() const {
  for (const auto& d : diagnostics)
    if (d.severity == Severity::error) return true;
  return false;
}

ParseResult parse(std::string_view text) {
  Parser p;
  MediaPlaylist media;
  MasterPlaylist master;
  bool saw_stream_inf = false;
  bool saw_media_tags = false;  // EXTINF / TARGETDURATION: a media playlist

  if (text.empty()) {
    p.result.complete = false;
    p.add(Severity::error, "empty", 0, "the playlist is empty", "serve or write a complete playlist");
    p.result.playlist = media;
    return p.result;
  }
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    p.add(Severity::error, "bom", 1, "the playlist starts with a UTF-8 byte order mark",
          "write the playlist without a BOM (RFC 8216 §4.1)");
    text.remove_prefix(3);
  }
  if (text.back() != '\n') p.result.complete = false;

  // Per-segment state collected from tags until the URI line.
  bool pending_extinf = false;  // an EXTINF waits for its URI
  double pending_duration = 0;
  std::string pending_title;
  bool pending_discontinuity = false;
  std::optional<std::string> pending_pdt;
  std::optional<ByteRange> pending_byterange;
  bool pending_gap = false;
  std::vector<std::string> pending_tags;
  std::optional<Map> current_map;
  size_t extinf_line = 0;
  // Master state.
  std::optional<Variant> pending_variant;
  std::vector<std::string> pending_variant_tags;

  int count_version = 0, count_td = 0, count_msn = 0, count_dsn = 0, count_endlist = 0;
  bool saw_discontinuity_tag = false;

  size_t lineno = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    for (unsigned char c : line) {
      if (c < 0x20 && c != '\t') {
        p.add(Severity::error, "control-character", lineno, "line contains a control character",
              "playlists may contain no control characters other than CR/LF (RFC 8216 §4.1)");
        break;
      }
    }
    if (lineno == 1) {
      if (line != "#EXTM3U") {
        p.add(Severity::error, "missing-extm3u", 1, "the first line is not #EXTM3U",
              "start the playlist with #EXTM3U (RFC 8216 §4.3.1.1)");
        p.result.complete = false;
        if (!starts_with(line, "#")) {
          // fall through: treat as a URI line below
        } else {
          continue;
        }
      } else {
        continue;
      }
    }
    if (line.empty()) continue;

    if (line[0] != '#') {  // a URI line
      std::string uri(line);
      if (saw_stream_inf || pending_variant) {
        if (!pending_variant) {
          p.add(Severity::error, "uri-without-stream-inf", lineno, "URI line '" + uri + "' has no EXT-X-STREAM-INF before it",
                "put an #EXT-X-STREAM-INF line before every variant URI");
          continue;
        }
        pending_variant->uri = uri;
        pending_variant->line = lineno;
        pending_variant->extra_tags = std::move(pending_variant_tags);
        pending_variant_tags.clear();
        master.variants.push_back(std::move(*pending_variant));
        pending_variant.reset();
        continue;
      }
      if (!pending_extinf) {
        p.add(Severity::error, "uri-without-extinf", lineno, "segment URI '" + uri + "' has no EXTINF before it",
              "write #EXTINF:<duration>, before every segment URI (RFC 8216 §4.3.2.1)");
        continue;
      }
      Segment seg;
      seg.uri = std::move(uri);
      seg.duration = pending_duration;
      seg.title = std::move(pending_title);
      seg.discontinuity = pending_discontinuity;
      seg.program_date_time = std::move(pending_pdt);
      seg.map = current_map;
      seg.byterange = pending_byterange;
      seg.gap = pending_gap;
      seg.extra_tags = std::move(pending_tags);
      seg.line = lineno;
      media.segments.push_back(std::move(seg));
      pending_extinf = false;
      pending_duration = 0;
      pending_title.clear();
      pending_discontinuity = false;
      pending_pdt.reset();
      pending_byterange.reset();
      pending_gap = false;
      pending_tags.clear();
      continue;
    }

    if (!starts_with(line, "#EXT")) continue;  // a comment
    size_t colon = line.find(':');
    std::string_view tag = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    bool before_first_segment = media.segments.empty() && !pending_extinf;

    if (tag == "#EXTM3U") {
      p.add(Severity::error, "duplicate-extm3u", lineno, "#EXTM3U appears again", "keep only the first line's #EXTM3U");
    } else if (tag == "#EXT-X-VERSION") {
      auto v = parse_uint(value);
      if (++count_version > 1)
        p.add(Severity::error, "duplicate-version", lineno, "EXT-X-VERSION appears more than once",
              "write EXT-X-VERSION at most once (RFC 8216 §4.3.1.2)");
      if (!v || *v < 1 || *v > 100) {
        p.add(Severity::error, "bad-version", lineno, "EXT-X-VERSION '" + std::string(value) + "' is not a version number",
              "write a decimal integer such as 3");
      } else {
        media.version = master.version = static_cast<int>(*v);
      }
    } else if (tag == "#EXT-X-TARGETDURATION") {
      saw_media_tags = true;
      if (++count_td > 1)
        p.add(Severity::error, "duplicate-target-duration", lineno, "EXT-X-TARGETDURATION appears more than once",
              "write it exactly once (RFC 8216 §4.3.3.1)");
      auto v = parse_uint(value);
      if (!v) {
        p.add(Severity::error, "bad-target-duration", lineno,
              "EXT-X-TARGETDURATION '" + std::string(value) + "' is not a decimal integer",
              "write whole seconds, at least the longest segment's rounded duration");
      } else {
        media.target_duration = *v;
      }
    } else if (tag == "#EXT-X-MEDIA-SEQUENCE") {
      saw_media_tags = true;
      if (++count_msn > 1)
        p.add(Severity::error, "duplicate-media-sequence", lineno, "EXT-X-MEDIA-SEQUENCE appears more than once",
              "write it at most once, before the first segment");
      if (!before_first_segment)
        p.add(Severity::error, "media-sequence-after-segment", lineno, "EXT-X-MEDIA-SEQUENCE appears after a segment",
              "move it before the first segment (RFC 8216 §4.3.3.2)");
      auto v = parse_uint(value);
      if (!v)
        p.add(Severity::error, "bad-media-sequence", lineno, "EXT-X-MEDIA-SEQUENCE '" + std::string(value) + "' is not a decimal integer",
              "write a non-negative integer");
      else
        media.media_sequence = *v;
    } else if (tag == "#EXT-X-DISCONTINUITY-SEQUENCE") {
      saw_media_tags = true;
      if (++count_dsn > 1)
        p.add(Severity::error, "duplicate-discontinuity-sequence", lineno,
              "EXT-X-DISCONTINUITY-SEQUENCE appears more than once", "write it at most once, before the first segment");
      if (!before_first_segment || saw_discontinuity_tag)
        p.add(Severity::error, "discontinuity-sequence-misplaced", lineno,
              "EXT-X-DISCONTINUITY-SEQUENCE appears after a segment or a DISCONTINUITY tag",
              "move it before the first segment and any EXT-X-DISCONTINUITY (RFC 8216 §4.3.3.3)");
      auto v = parse_uint(value);
      if (!v)
        p.add(Severity::error, "bad-discontinuity-sequence", lineno,
              "EXT-X-DISCONTINUITY-SEQUENCE '" + std::string(value) + "' is not a decimal integer", "write a non-negative integer");
      else
        media.discontinuity_sequence = *v;
    } else if (tag == "#EXT-X-PLAYLIST-TYPE") {
      saw_media_tags = true;
      if (value != "EVENT" && value != "VOD")
        p.add(Severity::error, "bad-playlist-type", lineno, "EXT-X-PLAYLIST-TYPE '" + std::string(value) + "' is neither EVENT nor VOD",
              "use EVENT or VOD, or leave the tag out for a sliding-window live playlist");
      media.playlist_type = std::string(value);
    } else if (tag == "#EXT-X-INDEPENDENT-SEGMENTS") {
      media.independent_segments = master.independent_segments = true;
    } else if (tag == "#EXT-X-ENDLIST") {
      saw_media_tags = true;
      if (++count_endlist > 1)
        p.add(Severity::error, "duplicate-endlist", lineno, "EXT-X-ENDLIST appears more than once", "write it once, at the end");
      media.endlist = true;
    } else if (tag == "#EXTINF") {
      saw_media_tags = true;
      if (pending_extinf)
        p.add(Severity::error, "extinf-without-uri", extinf_line, "EXTINF is followed by another EXTINF, not a URI",
              "every EXTINF needs its segment URI on the next line");
      size_t comma = value.find(',');
      auto d = parse_double(value.substr(0, comma));
      if (!d || *d < 0) {
        p.add(Severity::error, "bad-extinf", lineno, "EXTINF duration '" + std::string(value.substr(0, comma)) + "' is not a number",
              "write the segment duration in seconds, e.g. #EXTINF:2.000,");
        pending_duration = 0.0;
      } else {
        pending_duration = *d;
      }
      pending_extinf = true;
      pending_title = comma == std::string_view::npos ? std::string() : std::string(value.substr(comma + 1));
      extinf_line = lineno;
    } else if (tag == "#EXT-X-DISCONTINUITY") {
      saw_media_tags = true;
      pending_discontinuity = true;
      saw_discontinuity_tag = true;
    } else if (tag == "#EXT-X-PROGRAM-DATE-TIME") {
      pending_pdt = std::string(value);
    } else if (tag == "#EXT-X-BYTERANGE") {
      auto r = parse_byterange(value);
      if (!r)
        p.add(Severity::error, "bad-byterange", lineno, "EXT-X-BYTERANGE '" + std::string(value) + "' is not <n>[@<o>]",
              "write the length and optional offset as integers");
      else
        pending_byterange = r;
    } else if (tag == "#EXT-X-GAP") {
      pending_gap = true;
    } else if (tag == "#EXT-X-MAP") {
      auto attrs = parse_attributes(value);
      Map map;
      bool ok = attrs.has_value();
      if (ok) {
        for (const auto& a : *attrs) {
          if (a.name == "URI") map.uri = a.value;
          if (a.name == "BYTERANGE") map.byterange = parse_byterange(a.value);
        }
      }
      if (!ok || map.uri.empty())
        p.add(Severity::error, "bad-map", lineno, "EXT-X-MAP has no URI attribute", "write #EXT-X-MAP:URI=\"init.mp4\"");
      else
        current_map = map;
    } else if (tag == "#EXT-X-STREAM-INF") {
      saw_stream_inf = true;
      auto attrs = parse_attributes(value);
      Variant v;
      if (!attrs) {
        p.add(Severity::error, "bad-attributes", lineno, "EXT-X-STREAM-INF attribute list does not parse",
              "write KEY=VALUE pairs separated by commas, strings in double quotes");
        attrs.emplace();
      }
      if (!decode_stream_inf(*attrs, v))
        p.add(Severity::error, "missing-bandwidth", lineno, "EXT-X-STREAM-INF has no valid BANDWIDTH",
              "write BANDWIDTH=<peak bits per second> (RFC 8216 §4.3.4.2)");
      if (pending_variant)
        p.add(Severity::error, "stream-inf-without-uri", pending_variant->line, "EXT-X-STREAM-INF is not followed by a URI",
              "put the variant playlist URI on the line after each EXT-X-STREAM-INF");
      v.line = lineno;
      pending_variant = std::move(v);
    } else {
      // Unknown or not modelled (EXT-X-KEY, EXT-X-MEDIA, EXT-X-DATERANGE, ...): kept
      // verbatim, in both models, since the kind of playlist is known only at the end.
      if (pending_variant || !master.variants.empty())
        pending_variant_tags.emplace_back(line);
      else
        master.tags.emplace_back(line);
      if (media.segments.empty() && !pending_extinf && pending_tags.empty() && !pending_discontinuity && !pending_pdt)
        media.header_tags.emplace_back(line);
      else
        pending_tags.emplace_back(line);
    }
  }

  if (pending_extinf) {
    p.result.complete = false;
    p.add(Severity::error, "extinf-without-uri", extinf_line, "the last EXTINF has no segment URI after it",
          "every EXTINF needs its segment URI on the next line (a writer may have been cut off)");
  }
  if (pending_variant) {
    p.result.complete = false;
    p.add(Severity::error, "stream-inf-without-uri", pending_variant->line, "the last EXT-X-STREAM-INF has no URI after it",
          "put the variant playlist URI on the line after each EXT-X-STREAM-INF");
  }
  if (!pending_tags.empty()) media.trailing_tags = std::move(pending_tags);
  for (auto& t : pending_variant_tags) master.tags.push_back(std::move(t));

  if (saw_stream_inf) {
    if (saw_media_tags)
      p.add(Severity::error, "mixed-playlist", 0, "the playlist has both master tags (EXT-X-STREAM-INF) and media tags",
            "split it into a master playlist and media playlists (RFC 8216 §4.1)");
    // Media-only header tags collected before we knew: they belong to master.tags already.
    p.result.playlist = std::move(master);
  } else {
    if (!media.target_duration)
      p.add(Severity::error, "missing-target-duration", 0, "EXT-X-TARGETDURATION is missing",
            "write #EXT-X-TARGETDURATION:<whole seconds ≥ every rounded EXTINF> (it is required)");
    p.result.playlist = std::move(media);
  }
  return p.result;
}

}  // namespace hlsmesh::m3u8
