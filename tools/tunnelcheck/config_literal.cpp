#include "config_literal.hpp"

#include <regex>

#include "config_keys.hpp"

namespace hlsmesh::tunnelcheck {
namespace {

void walk(const YAML::Node& node, const std::string& path, const std::string& file,
          const std::function<bool(const std::string&)>& skip, Report& report) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
      walk(kv.first, path, file, skip, report);
      walk(kv.second, path.empty() ? key : path + "." + key, file, skip, report);
    }
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) walk(node[i], path + "[" + std::to_string(i) + "]", file, skip, report);
  } else if (node.IsScalar() && !skip(path)) {
    for (const auto& p : placeholders(node.Scalar()))
      report.add(Severity::warning, "unexpanded-variable", file_at(file, yaml_line_of(node)),
                 (path.empty() ? std::string("a key") : path) + " is '" + node.Scalar() + "': cloudflared reads " + p +
                     " literally (it expands no variables or templates), so this value is used as written",
                 render_advice(p));
  }
}

}  // namespace

std::vector<std::string> placeholders(const std::string& text) {
  static const std::regex re(R"(\$\{[^}]*\}?|\$[A-Z_][A-Z0-9_]*|\{\{.*?\}\})");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
    out.push_back(it->str());
  return out;
}

std::string render_advice(const std::string& p) {
  if (p.rfind("{{", 0) == 0)
    return "render the template first (helm template, or your templating tool) and give cloudflared the output";
  if (p.find_first_of(":-=?", 2) != std::string::npos && p.rfind("${", 0) == 0)
    return "render the file first with a tool that applies shell defaults (envsubst does not: it leaves " + p +
           " as it is), e.g. a shell here-document, or write the value in; docker compose interpolates only the "
           "compose file itself, never a mounted config.yml";
  return "render the file first, e.g. envsubst < config.tmpl.yml > config.yml (docker compose interpolates only "
         "the compose file itself, never a mounted config.yml), or write the value in";
}

void report_placeholders(const YAML::Node& root, const std::string& file,
                         const std::function<bool(const std::string&)>& skip, Report& report) {
  walk(root, "", file, skip, report);
}

}  // namespace hlsmesh::tunnelcheck
