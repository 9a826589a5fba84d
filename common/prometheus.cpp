#include "common/prometheus.hpp"

namespace hlsmesh::prometheus {

std::string escape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string labels(const Labels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  for (const auto& [name, value] : labels) {
    if (out.size() > 1) out += ',';
    out.append(name).append("=\"").append(escape(value)).append("\"");
  }
  return out + "}";
}

std::string family(std::string_view name, std::string_view type, std::string_view help) {
  std::string out = "# HELP ";
  out.append(name).append(" ").append(help).append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
  return out;
}

}  // namespace hlsmesh::prometheus
