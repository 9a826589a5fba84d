// Tag rules beyond attribute types: media segment tags (EXTINF grammar, byte
// ranges, keys, DATERANGE), master playlist groups (EXT-X-MEDIA and the
// references to them, SESSION-DATA) and LL-HLS (8216bis).
#include <algorithm>
#include <map>
#include <set>

#include "common/hls_check_detail.hpp"
#include "common/m3u8_values.hpp"
#include "common/time_util.hpp"

namespace hlsmesh::m3u8::detail {
namespace {

std::optional<double> decimal(const Line& l, std::string_view name) {
  return values::parse_double(attribute(l, name));
}

void check_key(const Line& l, Out& out) {
  const std::string method = attribute(l, "METHOD");
  const std::string tag = l.tag.substr(1);
  const std::string section = l.tag == "#EXT-X-KEY" ? "RFC 8216 §4.3.2.4" : "RFC 8216 §4.3.4.5";
  if (method == "NONE") {
    if (l.tag == "#EXT-X-SESSION-KEY")
      out.must("bad-key", l.number, section, "EXT-X-SESSION-KEY METHOD is NONE", "leave the tag out instead");
    else if (scan_attributes(l.value).attributes.size() > 1)
      out.must("bad-key", l.number, section, "EXT-X-KEY METHOD=NONE carries other attributes",
               "write #EXT-X-KEY:METHOD=NONE alone");
  } else if (!method.empty() && !has_attribute(l, "URI")) {
    out.must("bad-key", l.number, section, tag + " METHOD=" + method + " has no URI", "add URI=\"...\" of the key");
  }
}

void check_daterange(const Line& l, bool any_pdt, Out& out) {
  const std::string sec = "RFC 8216 §4.3.2.7";
  if (!any_pdt)
    out.must("daterange-without-pdt", l.number, sec,
             "EXT-X-DATERANGE in a playlist with no EXT-X-PROGRAM-DATE-TIME",
             "add EXT-X-PROGRAM-DATE-TIME to the segments (at least one)");
  if (attribute(l, "END-ON-NEXT") == "YES") {
    if (!has_attribute(l, "CLASS"))
      out.must("bad-daterange", l.number, sec, "EXT-X-DATERANGE END-ON-NEXT=YES has no CLASS", "add CLASS=\"...\"");
    if (has_attribute(l, "DURATION") || has_attribute(l, "END-DATE"))
      out.must("bad-daterange", l.number, sec, "EXT-X-DATERANGE END-ON-NEXT=YES also has DURATION or END-DATE",
               "write either END-ON-NEXT or an end, not both");
  }
  auto start = parse_iso8601(attribute(l, "START-DATE"));
  auto end = parse_iso8601(attribute(l, "END-DATE"));
  if (start && end && *end < *start)
    out.must("bad-daterange", l.number, sec, "EXT-X-DATERANGE END-DATE is before START-DATE",
             "END-DATE must be equal to or later than START-DATE");
}

// §4.3.2.2: BYTERANGE without @offset continues the previous segment's sub-range of the same resource.
void check_byteranges(const MediaPlaylist& pl, Out& out) {
  for (size_t i = 0; i < pl.segments.size(); ++i) {
    const auto& s = pl.segments[i];
    if (!s.byterange || s.byterange->offset) continue;
    if (i == 0 || !pl.segments[i - 1].byterange || pl.segments[i - 1].uri != s.uri)
      out.must("byterange-without-offset", s.line, "RFC 8216 §4.3.2.2",
               "segment " + s.uri + " has EXT-X-BYTERANGE without @offset, but the segment before it is not a "
                                    "sub-range of the same resource",
               "write the offset: #EXT-X-BYTERANGE:<length>@<offset>");
  }
}

}  // namespace

void check_media_lines(const MediaPlaylist& pl, const std::vector<Line>& lines, Out& out) {
  bool any_pdt = false;
  for (const auto& l : lines) any_pdt = any_pdt || l.tag == "#EXT-X-PROGRAM-DATE-TIME";
  for (const auto& l : lines) {
    if (l.tag == "#EXTINF" && l.value.find(',') == std::string::npos)
      out.must("extinf-syntax", l.number, "RFC 8216 §4.3.2.1", "EXTINF:" + l.value + " has no comma after the duration",
               "write #EXTINF:<duration>,[<title>] (the comma is required, the title is not)");
    else if (l.tag == "#EXT-X-KEY")
      check_key(l, out);
    else if (l.tag == "#EXT-X-DATERANGE")
      check_daterange(l, any_pdt, out);
  }
  check_byteranges(pl, out);
}

namespace {

struct Rendition {
  std::string type, group, name;
  size_t line = 0;
};

void check_media_tag(const Line& l, Out& out) {
  const std::string sec = "RFC 8216 §4.3.4.1";
  const std::string type = attribute(l, "TYPE");
  if (type != "AUDIO" && type != "VIDEO" && type != "SUBTITLES" && type != "CLOSED-CAPTIONS") {
    if (!type.empty())
      out.must("bad-media", l.number, sec, "EXT-X-MEDIA TYPE=" + type + " is not AUDIO, VIDEO, SUBTITLES or CLOSED-CAPTIONS",
               "use one of the four types");
    return;
  }
  if (has_attribute(l, "FORCED") && type != "SUBTITLES")
    out.must("bad-media", l.number, sec, "EXT-X-MEDIA FORCED on TYPE=" + type + " (only SUBTITLES may have it)",
             "remove FORCED");
  if (type == "CLOSED-CAPTIONS") {
    if (!has_attribute(l, "INSTREAM-ID"))
      out.must("bad-media", l.number, sec, "CLOSED-CAPTIONS rendition has no INSTREAM-ID", "add INSTREAM-ID=\"CC1\"");
    if (has_attribute(l, "URI"))
      out.must("bad-media", l.number, sec, "CLOSED-CAPTIONS rendition has a URI (captions travel in the video)",
               "remove URI");
  } else if (has_attribute(l, "INSTREAM-ID")) {
    out.must("bad-media", l.number, sec, "INSTREAM-ID on TYPE=" + type + " (only CLOSED-CAPTIONS may have it)",
             "remove INSTREAM-ID");
  }
  if (type == "SUBTITLES" && !has_attribute(l, "URI"))
    out.must("bad-media", l.number, sec, "SUBTITLES rendition has no URI", "add URI=\"subs.m3u8\"");
  if (attribute(l, "DEFAULT") == "YES" && has_attribute(l, "AUTOSELECT") && attribute(l, "AUTOSELECT") != "YES")
    out.must("bad-media", l.number, sec, "EXT-X-MEDIA DEFAULT=YES with AUTOSELECT=" + attribute(l, "AUTOSELECT"),
             "AUTOSELECT must be YES when DEFAULT is YES");
}

// §4.3.4.1.1: names unique and at most one DEFAULT=YES per group.
void check_groups(const std::vector<Line>& lines, Out& out) {
  std::map<std::pair<std::string, std::string>, std::set<std::string>> names;
  std::map<std::pair<std::string, std::string>, int> defaults;
  for (const auto& l : lines) {
    if (l.tag != "#EXT-X-MEDIA") continue;
    std::pair<std::string, std::string> g{attribute(l, "TYPE"), attribute(l, "GROUP-ID")};
    if (!names[g].insert(attribute(l, "NAME")).second)
      out.must("bad-rendition-group", l.number, "RFC 8216 §4.3.4.1.1",
               "group " + g.second + " has two renditions named " + attribute(l, "NAME"),
               "give each rendition of a group its own NAME");
    if (attribute(l, "DEFAULT") == "YES" && ++defaults[g] == 2)
      out.must("bad-rendition-group", l.number, "RFC 8216 §4.3.4.1.1",
               "group " + g.second + " has more than one DEFAULT=YES rendition", "mark one rendition DEFAULT=YES");
  }
}

// §4.3.4.2: AUDIO/VIDEO/SUBTITLES/CLOSED-CAPTIONS name a GROUP-ID of that TYPE.
void check_group_references(const std::vector<Line>& lines, Out& out) {
  std::set<std::pair<std::string, std::string>> groups;
  for (const auto& l : lines)
    if (l.tag == "#EXT-X-MEDIA") groups.insert({attribute(l, "TYPE"), attribute(l, "GROUP-ID")});
  for (const auto& l : lines) {
    if (l.tag != "#EXT-X-STREAM-INF" && l.tag != "#EXT-X-I-FRAME-STREAM-INF") continue;
    for (const char* type : {"AUDIO", "VIDEO", "SUBTITLES", "CLOSED-CAPTIONS"}) {
      if (!has_attribute(l, type)) continue;
      const std::string id = attribute(l, type);
      if (std::string_view(type) == "CLOSED-CAPTIONS" && id == "NONE") continue;
      if (!groups.count({type, id}))
        out.must("undefined-group", l.number, "RFC 8216 §4.3.4.2",
                 l.tag.substr(1) + " " + type + "=\"" + id + "\" names no EXT-X-MEDIA with TYPE=" + type +
                     " and that GROUP-ID",
                 "add the EXT-X-MEDIA renditions of group " + id + ", or fix the name");
    }
  }
}

void check_session_data(const std::vector<Line>& lines, Out& out) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& l : lines) {
    if (l.tag != "#EXT-X-SESSION-DATA") continue;
    if (has_attribute(l, "VALUE") == has_attribute(l, "URI"))
      out.must("bad-session-data", l.number, "RFC 8216 §4.3.4.4",
               "EXT-X-SESSION-DATA needs exactly one of VALUE and URI", "keep one of them");
    if (!seen.insert({attribute(l, "DATA-ID"), attribute(l, "LANGUAGE")}).second)
      out.must("bad-session-data", l.number, "RFC 8216 §4.3.4.4",
               "EXT-X-SESSION-DATA DATA-ID=\"" + attribute(l, "DATA-ID") + "\" appears twice with the same LANGUAGE",
               "keep one per DATA-ID and LANGUAGE");
  }
}

}  // namespace

void check_master_lines(const std::vector<Line>& lines, Out& out) {
  for (const auto& l : lines) {
    if (l.tag == "#EXT-X-I-FRAME-STREAM-INF")
      for (const char* a : {"FRAME-RATE", "AUDIO", "SUBTITLES", "CLOSED-CAPTIONS"})
        if (has_attribute(l, a))
          out.must("forbidden-attribute", l.number, "RFC 8216 §4.3.4.3",
                   std::string("EXT-X-I-FRAME-STREAM-INF has ") + a + ", which it MUST NOT", std::string("remove ") + a);
    if (l.tag == "#EXT-X-MEDIA") check_media_tag(l, out);
    if (l.tag == "#EXT-X-SESSION-KEY") check_key(l, out);
  }
  check_groups(lines, out);
  check_group_references(lines, out);
  check_session_data(lines, out);
}

namespace {

void check_server_control(const Line& l, double td, std::optional<double> part_target, Out& out) {
  const std::string sec = "8216bis §4.4.3.8";
  auto skip = decimal(l, "CAN-SKIP-UNTIL");
  if (skip && td > 0 && *skip < 6 * td)
    out.must("server-control", l.number, sec,
             "CAN-SKIP-UNTIL=" + num(*skip) + " is below 6 × target duration (" + num(6 * td) + ")",
             "advertise at least six target durations");
  if (has_attribute(l, "CAN-SKIP-DATERANGES") && !skip)
    out.must("server-control", l.number, sec, "CAN-SKIP-DATERANGES without CAN-SKIP-UNTIL", "add CAN-SKIP-UNTIL");
  auto hold = decimal(l, "HOLD-BACK");
  if (hold && td > 0 && *hold < 3 * td)
    out.must("server-control", l.number, sec,
             "HOLD-BACK=" + num(*hold) + " is below 3 × target duration (" + num(3 * td) + ")",
             "set HOLD-BACK to at least three target durations");
  auto part_hold = decimal(l, "PART-HOLD-BACK");
  if (part_hold && part_target && *part_hold < 2 * *part_target)
    out.must("server-control", l.number, sec,
             "PART-HOLD-BACK=" + num(*part_hold) + " is below 2 × PART-TARGET (" + num(2 * *part_target) + ")",
             "set PART-HOLD-BACK to at least three part target durations");
  else if (part_hold && part_target && *part_hold < 3 * *part_target - 0.01)  // 1.0 for 0.33334 is three parts
    out.should("server-control-part-hold-back", l.number, sec,
               "PART-HOLD-BACK=" + num(*part_hold) + " is below 3 × PART-TARGET (" + num(3 * *part_target) + ")",
               "set PART-HOLD-BACK to at least three part target durations");
  if (part_target && !part_hold)
    out.must("server-control", l.number, sec, "the playlist has EXT-X-PART-INF but no PART-HOLD-BACK",
             "add PART-HOLD-BACK (at least 3 × PART-TARGET)");
}

}  // namespace

void check_low_latency(const MediaPlaylist& pl, const std::vector<Line>& lines, Out& out) {
  std::optional<double> part_target;
  const Line* server_control = nullptr;
  std::map<std::string, int> hints;
  int skips = 0;
  for (const auto& l : lines) {
    if (l.tag == "#EXT-X-PART-INF") part_target = decimal(l, "PART-TARGET");
    if (l.tag == "#EXT-X-SERVER-CONTROL") server_control = &l;
  }
  const bool has_part_inf = std::any_of(lines.begin(), lines.end(), [](const Line& l) { return l.tag == "#EXT-X-PART-INF"; });
  for (const auto& l : lines) {
    if (l.tag == "#EXT-X-PART") {
      auto d = decimal(l, "DURATION");
      if (!has_part_inf)
        out.must("part-without-part-inf", l.number, "8216bis §4.4.3.7", "EXT-X-PART in a playlist with no EXT-X-PART-INF",
                 "add #EXT-X-PART-INF:PART-TARGET=<seconds>");
      else if (d && part_target && *d > *part_target + 1e-9)
        out.must("part-above-part-target", l.number, "8216bis §4.4.4.9",
                 "EXT-X-PART DURATION=" + num(*d) + " is above PART-TARGET " + num(*part_target),
                 "cut shorter parts or raise PART-TARGET");
    } else if (l.tag == "#EXT-X-PRELOAD-HINT") {
      const std::string type = attribute(l, "TYPE");
      if (type != "PART" && type != "MAP")
        out.must("bad-preload-hint", l.number, "8216bis §4.4.5.3", "EXT-X-PRELOAD-HINT TYPE=" + type + " is not PART or MAP",
                 "use TYPE=PART or TYPE=MAP");
      else if (++hints[type] == 2)
        out.must("bad-preload-hint", l.number, "8216bis §4.4.5.3", "more than one EXT-X-PRELOAD-HINT with TYPE=" + type,
                 "hint one resource of each type");
    } else if (l.tag == "#EXT-X-SKIP" && ++skips == 2) {
      out.must("bad-skip", l.number, "8216bis §4.4.5.2", "EXT-X-SKIP appears more than once", "write it once");
    }
  }
  if (server_control)
    check_server_control(*server_control, static_cast<double>(pl.target_duration.value_or(0)), part_target, out);
}

}  // namespace hlsmesh::m3u8::detail
