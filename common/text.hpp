#pragma once
// Small text helpers every program needs alike.
#include <string>
#include <string_view>

namespace hlsmesh {

// ASCII lower case (header names, schemes, extensions; not locale-aware).
inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace hlsmesh
