#include "tools/sigd/static_files.hpp"

#include <sys/stat.h>

#include <charconv>
#include <climits>
#include <cstdlib>
#include <memory>

#include "common/media_types.hpp"

namespace hlsmesh::sigd {

namespace {

using hlsmesh::media_types::extension_of;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::optional<std::string> real_path(const std::string& p) {
  std::unique_ptr<char, decltype(&std::free)> r(::realpath(p.c_str(), nullptr), &std::free);
  if (!r) return std::nullopt;
  return std::string(r.get());
}

bool inside(const std::string& root, const std::string& p) {
  return p == root || (p.size() > root.size() && p.compare(0, root.size(), root) == 0 && p[root.size()] == '/');
}

// Inside the root, and no component below it starts with '.': .git, .env,
// editors' swap files and dot directories stay private, also through a symlink.
bool servable(const std::string& root, const std::string& p) {
  return inside(root, p) && p.find("/.", root.size()) == std::string::npos;
}

}  // namespace

std::optional<std::string> resolve_static_path(const std::string& root_real, std::string_view url_path) {
  if (url_path.empty() || url_path[0] != '/') return std::nullopt;
  // Refuse, rather than normalize, anything that could climb or hide: "..",
  // dot components, NUL, backslash.
  size_t start = 1;
  while (start <= url_path.size()) {
    size_t end = url_path.find('/', start);
    if (end == std::string_view::npos) end = url_path.size();
    std::string_view seg = url_path.substr(start, end - start);
    if (!seg.empty() && seg[0] == '.') return std::nullopt;  // "..", "." and dotfiles
    start = end + 1;
  }
  if (url_path.find('\0') != std::string_view::npos || url_path.find('\\') != std::string_view::npos) return std::nullopt;

  std::string candidate = root_real + std::string(url_path);
  auto resolved = real_path(candidate);
  if (!resolved || !servable(root_real, *resolved)) return std::nullopt;
  struct stat st {};
  if (::stat(resolved->c_str(), &st) != 0) return std::nullopt;
  if (S_ISDIR(st.st_mode)) {
    auto index = real_path(*resolved + "/index.html");
    if (!index || !servable(root_real, *index)) return std::nullopt;
    if (::stat(index->c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return index;
  }
  if (!S_ISREG(st.st_mode)) return std::nullopt;
  return resolved;
}

std::string_view mime_type_for(std::string_view path) {
  // Beside the HLS media (common/media_types.hpp), what the viewer page needs.
  static constexpr std::pair<std::string_view, std::string_view> types[] = {
      {"vtt", "text/vtt; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"svg", "image/svg+xml"},
      {"ico", "image/x-icon"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"webp", "image/webp"},
      {"wasm", "application/wasm"},
      {"txt", "text/plain; charset=utf-8"},
      {"torrent", "application/x-bittorrent"},
  };
  auto ext = extension_of(path);
  if (auto hls = hlsmesh::media_types::hls(ext); !hls.empty()) return hls;
  for (const auto& [e, t] : types)
    if (iequals(e, ext)) return t;
  return "application/octet-stream";
}

std::string_view cache_control_for(std::string_view path) {
  auto ext = extension_of(path);
  if (iequals(ext, "m3u8") || iequals(ext, "m3u")) return "no-cache";
  for (std::string_view seg : {"ts", "m4s", "mp4", "m4a", "m4v", "aac", "torrent"})
    if (iequals(ext, seg)) return "public, max-age=31536000, immutable";
  return "no-cache";
}

RangeResult parse_range(std::string_view h, uint64_t size, ByteRange& out) {
  while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.remove_prefix(1);
  if (h.substr(0, 6) != "bytes=") return RangeResult::none;
  h.remove_prefix(6);
  if (h.find(',') != std::string_view::npos) return RangeResult::none;
  while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
  auto dash = h.find('-');
  if (dash == std::string_view::npos) return RangeResult::none;
  auto num = [](std::string_view s, uint64_t& v) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size();
  };
  std::string_view a = h.substr(0, dash), b = h.substr(dash + 1);
  uint64_t first = 0, last = 0;
  if (a.empty()) {  // suffix: last N bytes
    uint64_t n = 0;
    if (!num(b, n)) return RangeResult::none;
    if (n == 0 || size == 0) return RangeResult::unsatisfiable;
    first = n >= size ? 0 : size - n;
    last = size - 1;
  } else {
    if (!num(a, first)) return RangeResult::none;
    if (b.empty()) last = size ? size - 1 : 0;
    else if (!num(b, last)) return RangeResult::none;
    if (!b.empty() && last < first) return RangeResult::none;
    if (first >= size) return RangeResult::unsatisfiable;
    if (last >= size) last = size - 1;
  }
  out.first = first;
  out.last = last;
  return RangeResult::ok;
}

}  // namespace hlsmesh::sigd
