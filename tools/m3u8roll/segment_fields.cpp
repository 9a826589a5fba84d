#include "tools/m3u8roll/segment_fields.hpp"

namespace hlsmesh::m3u8roll {

std::string name_field(const Json& event, const char* field, std::string_view fallback) {
  auto it = event.find(field);
  if (it == event.end() || it->is_null()) return std::string(fallback);
  if (it->is_string()) return it->get<std::string>().empty() ? std::string(fallback) : it->get<std::string>();
  return it->dump();  // a number used as a name: "1"
}

std::optional<std::string> string_field(const Json& event, const char* field) {
  auto it = event.find(field);
  if (it == event.end() || !it->is_string() || it->get<std::string>().empty()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<uint64_t> unsigned_field(const Json& event, const char* field) {
  auto it = event.find(field);
  if (it == event.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  int64_t v = it->get<int64_t>();
  if (v < 0) return std::nullopt;
  return static_cast<uint64_t>(v);
}

std::string describe(const Json& event) {
  std::string s = "segment";
  if (auto msn = event.find("msn"); msn != event.end()) s += " msn " + msn->dump();
  if (auto uri = string_field(event, "uri")) s += " (" + *uri + ")";
  return s;
}

}  // namespace hlsmesh::m3u8roll
