#include "tools/m3u8roll/naming.hpp"

#include <cctype>

namespace hlsmesh::m3u8roll {
namespace {

std::string path_safe(std::string_view name) {
  std::string out;
  for (char c : name) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    out += ok ? c : '_';
  }
  if (out.empty() || out == "." || out == "..") out = "_" + out;
  return out;
}

void replace_all(std::string& s, std::string_view what, const std::string& with) {
  for (size_t pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + with.size()))
    s.replace(pos, what.size(), with);
}

}  // namespace

std::string expand_template(std::string_view pattern, std::string_view stream, std::string_view rendition) {
  std::string out(pattern);
  replace_all(out, "{rendition}", path_safe(rendition));
  replace_all(out, "{stream}", path_safe(stream));
  return out;
}

}  // namespace hlsmesh::m3u8roll
