// m3u8 parser: tolerant (it reports, it does not throw) so the linter can list
// every problem and hlswatch can tell a half-written playlist from a bad one.
// This file reads lines and dispatches tags; the handlers, one per tag, are in
// m3u8_parse_tags.cpp. The state between tags (common/m3u8_parser.hpp) is a
// pending segment (the tags before a segment URI) and a pending variant.
#include <unordered_map>

#include "common/m3u8_parser.hpp"
#include "common/m3u8_values.hpp"

namespace hlsmesh::m3u8 {
namespace parse_detail {

namespace {

using values::decode_stream_inf;
using values::parse_byterange;
using values::parse_double;
using values::parse_uint;

// Length of the UTF-8 sequence starting at s[i], 0 when it is not valid UTF-8.
size_t utf8_length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0 || i + n > s.size() || (n == 2 && c < 0xC2) || (n == 4 && c > 0xF4)) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  if (n == 3 && ((c == 0xE0 && b(i + 1) < 0xA0) || (c == 0xED && b(i + 1) >= 0xA0))) return 0;  // overlong, surrogates
  if (n == 4 && ((c == 0xF0 && b(i + 1) < 0x90) || (c == 0xF4 && b(i + 1) >= 0x90))) return 0;
  return n;
}

}  // namespace

// Every syntax rule the parser enforces is a MUST of RFC 8216 §4.
std::string Parser::section_of(const std::string& code) {
  static const std::unordered_map<std::string_view, std::string_view> sections = {
      {"empty", "§4.3.1.1"},
      {"missing-extm3u", "§4.3.1.1"},
      {"duplicate-extm3u", "§4.3.1.1"},
      {"bom", "§4.1"},
      {"control-character", "§4.1"},
      {"bad-utf8", "§4.1"},
      {"whitespace-line", "§4.1"},
      {"mixed-playlist", "§4.1"},
      {"bad-attributes", "§4.2"},
      {"duplicate-version", "§4.3.1.2"},
      {"bad-version", "§4.3.1.2"},
      {"uri-without-extinf", "§4.3.2.1"},
      {"extinf-without-uri", "§4.3.2"},
      {"bad-extinf", "§4.3.2.1"},
      {"bad-byterange", "§4.3.2.2"},
      {"bad-map", "§4.3.2.5"},
      {"duplicate-target-duration", "§4.3.3"},
      {"bad-target-duration", "§4.3.3.1"},
      {"missing-target-duration", "§4.3.3.1"},
      {"duplicate-media-sequence", "§4.3.3"},
      {"media-sequence-after-segment", "§4.3.3.2"},
      {"bad-media-sequence", "§4.3.3.2"},
      {"duplicate-discontinuity-sequence", "§4.3.3"},
      {"discontinuity-sequence-misplaced", "§4.3.3.3"},
      {"bad-discontinuity-sequence", "§4.3.3.3"},
      {"duplicate-endlist", "§4.3.3"},
      {"bad-playlist-type", "§4.3.3.5"},
      {"duplicate-playlist-type", "§4.3.3"},
      {"duplicate-i-frames-only", "§4.3.3"},
      {"uri-without-stream-inf", "§4.3.4.2"},
      {"missing-bandwidth", "§4.3.4.2"},
      {"stream-inf-without-uri", "§4.3.4.2"},
  };
  auto it = sections.find(code);
  return it == sections.end() ? "RFC 8216 §4" : "RFC 8216 " + std::string(it->second);
}

const std::unordered_map<std::string_view, Parser::Handler>& Parser::handlers() {
  static const std::unordered_map<std::string_view, Handler> table = {
      {"#EXTM3U", &Parser::on_extm3u},
      {"#EXT-X-VERSION", &Parser::on_version},
      {"#EXT-X-TARGETDURATION", &Parser::on_target_duration},
      {"#EXT-X-MEDIA-SEQUENCE", &Parser::on_media_sequence},
      {"#EXT-X-DISCONTINUITY-SEQUENCE", &Parser::on_discontinuity_sequence},
      {"#EXT-X-PLAYLIST-TYPE", &Parser::on_playlist_type},
      {"#EXT-X-INDEPENDENT-SEGMENTS", &Parser::on_independent_segments},
      {"#EXT-X-ENDLIST", &Parser::on_endlist},
      {"#EXTINF", &Parser::on_extinf},
      {"#EXT-X-DISCONTINUITY", &Parser::on_discontinuity},
      {"#EXT-X-PROGRAM-DATE-TIME", &Parser::on_program_date_time},
      {"#EXT-X-BYTERANGE", &Parser::on_byterange},
      {"#EXT-X-GAP", &Parser::on_gap},
      {"#EXT-X-MAP", &Parser::on_map},
      {"#EXT-X-STREAM-INF", &Parser::on_stream_inf},
      {"#EXT-X-MEDIA", &Parser::on_master_tag},
      {"#EXT-X-I-FRAME-STREAM-INF", &Parser::on_master_tag},
      {"#EXT-X-SESSION-DATA", &Parser::on_master_tag},
      {"#EXT-X-SESSION-KEY", &Parser::on_master_tag},
      {"#EXT-X-CONTENT-STEERING", &Parser::on_master_tag},
      {"#EXT-X-I-FRAMES-ONLY", &Parser::on_i_frames_only},
  };
  return table;
}

ParseResult Parser::run(std::string_view text) {
  if (!start(text)) return std::move(result_);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view l = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++lineno_;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    line(l);
  }
  finish();
  return std::move(result_);
}

// Empty text, BOM, final newline; false when there is nothing to parse.
bool Parser::start(std::string_view& text) {
  if (text.empty()) {
    result_.complete = false;
    add(Severity::error, "empty", 0, "the playlist is empty", "serve or write a complete playlist");
    result_.playlist = media_;
    return false;
  }
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    add(Severity::error, "bom", 1, "the playlist starts with a UTF-8 byte order mark",
        "write the playlist without a BOM (RFC 8216 §4.1)");
    text.remove_prefix(3);
  }
  if (text.back() != '\n') result_.complete = false;
  return true;
}

void Parser::line(std::string_view l) {
  check_characters(l);
  if (l.empty()) return;  // blank lines are ignored (§4.1), even before #EXTM3U
  if (!seen_content_) {
    seen_content_ = true;
    if (first_line(l)) return;
  }
  if (l.find_first_not_of(" \t") == std::string_view::npos) {
    add(Severity::error, "whitespace-line", lineno_, "the line holds only whitespace",
        "delete the spaces: a line is a URI, a tag or comment, or empty (RFC 8216 §4.1)");
    return;
  }
  line_ = l;
  if (l[0] != '#') {
    result_.lines.push_back({lineno_, "", std::string(l)});
    uri(l);
  } else if (l.starts_with("#EXT")) {
    tag(l);
  }
  // else: a comment
}

// §4.1: UTF-8, and no control characters but CR and LF (so no tab, DEL or C1 either).
void Parser::check_characters(std::string_view l) {
  for (size_t i = 0; i < l.size();) {
    const size_t n = utf8_length(l, i);
    if (n == 0) {
      add(Severity::error, "bad-utf8", lineno_, "the line is not valid UTF-8 (byte " + std::to_string(i + 1) + ")",
          "write the playlist in UTF-8 (RFC 8216 §4.1)");
      return;
    }
    const auto c = static_cast<unsigned char>(l[i]);
    const auto c2 = n == 2 ? static_cast<unsigned char>(l[i + 1]) : 0;
    if (c < 0x20 || c == 0x7F || (c == 0xC2 && c2 < 0xA0)) {
      add(Severity::error, "control-character", lineno_,
          std::string("line contains a control character") + (c == '\t' ? " (a tab)" : ""),
          "playlists may contain no control characters other than CR/LF, not even tabs (RFC 8216 §4.1)");
      return;
    }
    i += n;
  }
}

// True when the first non-blank line is #EXTM3U; anything else is parsed as usual.
bool Parser::first_line(std::string_view l) {
  if (l == "#EXTM3U") {
    extm3u_line_ = lineno_;
    first_content_line_ = lineno_;
    return true;
  }
  return false;
}

void Parser::uri(std::string_view l) {
  if (l.front() == ' ' || l.back() == ' ' || l.front() == '\t' || l.back() == '\t')
    add(Severity::error, "whitespace-line", lineno_, "the URI line has leading or trailing whitespace",
        "write the URI alone on its line (RFC 8216 §4.1: no whitespace)");
  std::string u(l);
  if (saw_stream_inf_ || variant_)
    variant_uri(std::move(u));
  else
    segment_uri(std::move(u));
}

void Parser::variant_uri(std::string u) {
  if (!variant_) {
    add(Severity::error, "uri-without-stream-inf", lineno_, "URI line '" + u + "' has no EXT-X-STREAM-INF before it",
        "put an #EXT-X-STREAM-INF line before every variant URI");
    return;
  }
  variant_->uri = std::move(u);
  variant_->line = lineno_;
  variant_->extra_tags = std::move(variant_tags_);
  variant_tags_.clear();
  master_.variants.push_back(std::move(*variant_));
  variant_.reset();
}

void Parser::segment_uri(std::string u) {
  if (!seg_.extinf) {
    add(Severity::error, "uri-without-extinf", lineno_, "segment URI '" + u + "' has no EXTINF before it",
        "write #EXTINF:<duration>, before every segment URI (RFC 8216 §4.3.2.1)");
    return;
  }
  Segment s;
  s.uri = std::move(u);
  s.duration = seg_.duration;
  s.title = std::move(seg_.title);
  s.discontinuity = seg_.discontinuity;
  s.program_date_time = std::move(seg_.pdt);
  s.map = map_;
  s.byterange = seg_.byterange;
  s.gap = seg_.gap;
  s.extra_tags = std::move(seg_.tags);
  s.line = lineno_;
  media_.segments.push_back(std::move(s));
  seg_ = {};
}

void Parser::tag(std::string_view l) {
  size_t colon = l.find(':');
  std::string_view name = l.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view() : l.substr(colon + 1);
  result_.lines.push_back({lineno_, std::string(name), std::string(value)});
  auto it = handlers().find(name);
  if (it == handlers().end())
    other_tag(l);
  else
    (this->*(it->second))(value);
}

// Unknown or not modelled (EXT-X-KEY, EXT-X-MEDIA, EXT-X-DATERANGE, ...): kept
// verbatim, in both models, since the kind of playlist is known only at the end.
void Parser::other_tag(std::string_view l) {
  if (variant_ || !master_.variants.empty())
    variant_tags_.emplace_back(l);
  else
    master_.tags.emplace_back(l);
  if (media_.segments.empty() && seg_.empty())
    media_.header_tags.emplace_back(l);
  else
    seg_.tags.emplace_back(l);
}

void Parser::finish_header() {
  if (extm3u_line_ && extm3u_line_ == first_content_line_) return;
  std::string where = extm3u_line_ ? "#EXTM3U is on line " + std::to_string(extm3u_line_) + ", not the first line"
                                   : "the playlist has no #EXTM3U";
  add(Severity::error, "missing-extm3u", extm3u_line_ ? extm3u_line_ : 1, where,
      "make #EXTM3U the first line, with nothing (not even a comment) before it (RFC 8216 §4.3.1.1)");
}

void Parser::finish() {
  finish_header();
  if (seg_.extinf) {
    result_.complete = false;
    // A segment is its tags followed by a URI (§4.3.2): a playlist that ends in
    // an EXTINF was most likely cut off mid-write, not written so.
    add(Severity::warning, "extinf-without-uri", seg_.extinf_line, "the last EXTINF has no segment URI after it",
        "every EXTINF needs its segment URI on the next line (a writer may have been cut off)");
  }
  if (variant_) {
    result_.complete = false;
    add(Severity::error, "stream-inf-without-uri", variant_->line, "the last EXT-X-STREAM-INF has no URI after it",
        "put the variant playlist URI on the line after each EXT-X-STREAM-INF");
  }
  if (!seg_.tags.empty()) media_.trailing_tags = std::move(seg_.tags);
  for (auto& t : variant_tags_) master_.tags.push_back(std::move(t));

  if (saw_stream_inf_ || saw_master_tags_) {
    if (saw_media_tags_)
      add(Severity::error, "mixed-playlist", 0, "the playlist has both master tags (EXT-X-STREAM-INF) and media tags",
          "split it into a master playlist and media playlists (RFC 8216 §4.1)");
    // Media-only header tags collected before we knew: they belong to master.tags already.
    result_.playlist = std::move(master_);
  } else {
    if (count_td_ == 0)
      add(Severity::error, "missing-target-duration", 0, "EXT-X-TARGETDURATION is missing",
          "write #EXT-X-TARGETDURATION:<whole seconds ≥ every rounded EXTINF> (it is required)");
    result_.playlist = std::move(media_);
  }
}

}  // namespace parse_detail

const char* rule_name(Rule r) { return r == Rule::policy ? "policy" : "rfc"; }

const char* level_name(Level l) {
  switch (l) {
    case Level::must: return "MUST";
    case Level::should: return "SHOULD";
    case Level::none: return "";
  }
  return "";
}

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

ParseResult parse(std::string_view text) { return parse_detail::Parser().run(text); }

}  // namespace hlsmesh::m3u8
