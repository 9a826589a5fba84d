// m3u8 parser: tolerant (it reports, it does not throw) so the linter can list
// every problem and hlswatch can tell a half-written playlist from a bad one.
// One small handler per tag; the state between tags is a pending segment (the
// tags before a segment URI) and a pending variant (EXT-X-STREAM-INF).
#include <unordered_map>

#include "common/m3u8.hpp"
#include "common/m3u8_values.hpp"

namespace hlsmesh::m3u8 {
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

// The tags seen since the last segment URI, for the segment that URI closes.
struct PendingSegment {
  bool extinf = false;  // an EXTINF waits for its URI
  size_t extinf_line = 0;
  double duration = 0;
  std::string title;
  bool discontinuity = false;
  std::optional<std::string> pdt;
  std::optional<ByteRange> byterange;
  bool gap = false;
  std::vector<std::string> tags;  // unknown tags, verbatim

  // Nothing that belongs to a segment yet: an unknown tag here is a header tag.
  bool empty() const { return !extinf && tags.empty() && !discontinuity && !pdt; }
};

class Parser {
 public:
  ParseResult run(std::string_view text);

 private:
  using Handler = void (Parser::*)(std::string_view value);
  static const std::unordered_map<std::string_view, Handler>& handlers();

  void check_characters(std::string_view line);
  void add(Severity sev, std::string code, size_t line, std::string message, std::string fix) {
    std::string section = section_of(code);
    result_.diagnostics.push_back(
        {sev, std::move(code), line, std::move(message), std::move(fix), Rule::rfc, std::move(section)});
  }
  static std::string section_of(const std::string& code);
  bool start(std::string_view& text);
  void line(std::string_view line);
  bool first_line(std::string_view line);
  void uri(std::string_view line);
  void variant_uri(std::string uri);
  void segment_uri(std::string uri);
  void tag(std::string_view line);
  void other_tag(std::string_view line);
  void finish();
  void finish_header();
  bool before_first_segment() const { return media_.segments.empty() && !seg_.extinf; }

  void on_extm3u(std::string_view);
  void on_version(std::string_view value);
  void on_target_duration(std::string_view value);
  void on_media_sequence(std::string_view value);
  void on_discontinuity_sequence(std::string_view value);
  void on_playlist_type(std::string_view value);
  void on_independent_segments(std::string_view);
  void on_endlist(std::string_view);
  void on_extinf(std::string_view value);
  void on_discontinuity(std::string_view);
  void on_program_date_time(std::string_view value);
  void on_byterange(std::string_view value);
  void on_gap(std::string_view);
  void on_map(std::string_view value);
  void on_stream_inf(std::string_view value);
  void on_master_tag(std::string_view);
  void on_i_frames_only(std::string_view);

  ParseResult result_;
  size_t lineno_ = 0;
  MediaPlaylist media_;
  MasterPlaylist master_;
  bool saw_stream_inf_ = false;
  bool saw_master_tags_ = false;  // any master-only tag: a master playlist even without variants
  std::string_view line_;         // the line being parsed, for handlers that keep it verbatim
  size_t extm3u_line_ = 0;
  size_t first_content_line_ = 0;  // where #EXTM3U was, if it came first
  bool seen_content_ = false;
  bool saw_media_tags_ = false;  // EXTINF / TARGETDURATION: a media playlist
  PendingSegment seg_;
  std::optional<Map> map_;  // the EXT-X-MAP in effect
  std::optional<Variant> variant_;
  std::vector<std::string> variant_tags_;
  int count_version_ = 0, count_td_ = 0, count_msn_ = 0, count_dsn_ = 0, count_endlist_ = 0, count_type_ = 0,
      count_iframes_ = 0;
  bool saw_discontinuity_tag_ = false;
};

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

}  // namespace

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

ParseResult parse(std::string_view text) { return Parser().run(text); }

}  // namespace hlsmesh::m3u8
