#include "common/url.hpp"

#include <cctype>

namespace hlsmesh::url {

std::string encode(std::string_view text, bool keep_slash) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

bool has_scheme(std::string_view uri) {
  size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  if (!std::isalpha(static_cast<unsigned char>(uri[0]))) return false;
  for (size_t i = 0; i < colon; ++i) {
    char c = uri[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.')) return false;
  }
  return uri.substr(colon).starts_with("://");
}

std::string join(std::string_view base, std::string_view relative) {
  if (has_scheme(relative)) return std::string(relative);
  while (relative.starts_with("./")) relative.remove_prefix(2);
  while (relative.starts_with('/')) relative.remove_prefix(1);
  std::string out(base);
  while (!out.empty() && out.back() == '/') out.pop_back();
  out += '/';
  out += relative;
  return out;
}

}  // namespace hlsmesh::url
