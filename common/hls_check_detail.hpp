#pragma once
// Internal to the checker (hls_check*.cpp): how a finding is worded as an
// RFC MUST, an RFC SHOULD or an hlsmesh policy.
#include <string>
#include <vector>

#include "common/m3u8.hpp"

namespace hlsmesh::m3u8::detail {

struct Out {
  std::vector<Diagnostic> d;

  // A violated MUST / MUST NOT: the playlist is invalid.
  void must(std::string code, size_t line, std::string section, std::string message, std::string fix) {
    d.push_back({Severity::error, std::move(code), line, std::move(message), std::move(fix), Rule::rfc,
                 std::move(section), Level::must});
  }
  // A MUST that the playlist alone suggests but cannot prove is broken.
  void likely(std::string code, size_t line, std::string section, std::string message, std::string fix) {
    d.push_back({Severity::warning, std::move(code), line, std::move(message), std::move(fix), Rule::rfc,
                 std::move(section), Level::must});
  }
  // A SHOULD / SHOULD NOT / RECOMMENDED: a warning at most.
  void should(std::string code, size_t line, std::string section, std::string message, std::string fix,
              Severity s = Severity::warning) {
    d.push_back({s == Severity::error ? Severity::warning : s, std::move(code), line, std::move(message),
                 std::move(fix), Rule::rfc, std::move(section), Level::should});
  }
  // hlsmesh's deployment policy, not the RFC's.
  void policy(Severity s, std::string code, size_t line, std::string message, std::string fix) {
    d.push_back({s, std::move(code), line, std::move(message), std::move(fix), Rule::policy, "", Level::none});
  }
  void append(std::vector<Diagnostic> more) {
    for (auto& x : more) d.push_back(std::move(x));
  }
};

std::string num(double v);  // "%.3f", or "%.6g" when huge

// Attribute-list and tag rules over the parsed lines (hls_check_tags.cpp).
void check_attribute_lists(const std::vector<Line>& lines, Out& out);
void check_version(const std::vector<Line>& lines, const std::optional<int>& declared, Out& out);
void check_variables(const std::vector<Line>& lines, Out& out);
void check_media_lines(const MediaPlaylist& playlist, const std::vector<Line>& lines, Out& out);
void check_master_lines(const std::vector<Line>& lines, Out& out);
// LL-HLS (8216bis): PART-INF, PART, SERVER-CONTROL, SKIP, PRELOAD-HINT, RENDITION-REPORT.
void check_low_latency(const MediaPlaylist& playlist, const std::vector<Line>& lines, Out& out);

}  // namespace hlsmesh::m3u8::detail

namespace hlsmesh::m3u8::detail {
// An attribute's value (unquoted) in a tag line; "" when absent.
std::string attribute(const Line& line, std::string_view name);
bool has_attribute(const Line& line, std::string_view name);
}  // namespace hlsmesh::m3u8::detail
