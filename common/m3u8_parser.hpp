#pragma once
// The m3u8 parser's state, shared by its two halves: the dispatcher that
// reads lines (m3u8_parse.cpp) and one handler per tag (m3u8_parse_tags.cpp).
// Internal to common/: programs call m3u8::parse (common/m3u8.hpp).
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/m3u8.hpp"

namespace hlsmesh::m3u8::parse_detail {

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

}  // namespace hlsmesh::m3u8::parse_detail
