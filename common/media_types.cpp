#include "common/media_types.hpp"

#include <array>
#include <utility>

#include "common/text.hpp"

namespace hlsmesh::media_types {

namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kHls{{
    {"m3u8", "application/vnd.apple.mpegurl"},
    {"m3u", "application/vnd.apple.mpegurl"},
    {"ts", "video/mp2t"},
    {"m4s", "video/iso.segment"},
    {"mp4", "video/mp4"},
    {"m4v", "video/mp4"},
    {"cmfv", "video/mp4"},
    {"m4a", "audio/mp4"},
    {"cmfa", "audio/mp4"},
    {"aac", "audio/aac"},
    {"mp3", "audio/mpeg"},
}};

}  // namespace

std::string_view hls(std::string_view extension) {
  const std::string ext = ascii_lower(extension);
  for (const auto& [e, type] : kHls)
    if (e == ext) return type;
  return {};
}

std::string_view extension_of(std::string_view path) {
  auto slash = path.rfind('/');
  auto dot = path.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return {};
  return path.substr(dot + 1);
}

}  // namespace hlsmesh::media_types
