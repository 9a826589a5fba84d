#include "tools/r2push/lifecycle.hpp"

#include "tools/r2push/s3_api.hpp"

namespace hlsmesh::r2push {

namespace {

// The text between the first `open` at or after `from` and the next `close`;
// npos when there is none. `end` is set past `close`.
size_t element(const std::string& xml, const std::string& open, const std::string& close, size_t from, size_t& end) {
  size_t b = xml.find(open, from);
  if (b == std::string::npos) return b;
  size_t e = xml.find(close, b + open.size());
  if (e == std::string::npos) return e;
  end = e + close.size();
  return b;
}

}  // namespace

std::string expire_rule_id(const std::string& prefix) {
  // S3 limits an ID to 255 characters.
  return ("r2push-expire:" + prefix).substr(0, 255);
}

std::string expire_rule(int days, const std::string& prefix) {
  std::string xml = "<Rule>";
  xml += "<ID>" + xml_escape(expire_rule_id(prefix)) + "</ID>";
  xml += "<Filter><Prefix>" + xml_escape(prefix) + "</Prefix></Filter>";
  xml += "<Status>Enabled</Status>";
  xml += "<Expiration><Days>" + std::to_string(days) + "</Days></Expiration>";
  xml += "</Rule>";
  return xml;
}

std::vector<std::string> lifecycle_rules(const std::string& xml) {
  std::vector<std::string> rules;
  size_t pos = 0, end = 0;
  for (;;) {
    size_t begin = element(xml, "<Rule>", "</Rule>", pos, end);
    if (begin == std::string::npos) break;
    rules.push_back(xml.substr(begin, end - begin));
    pos = end;
  }
  return rules;
}

std::string lifecycle_rule_id(const std::string& rule) {
  size_t end = 0;
  size_t begin = element(rule, "<ID>", "</ID>", 0, end);
  if (begin == std::string::npos) return {};
  return xml_unescape(rule.substr(begin + 4, end - 5 - (begin + 4)));
}

std::vector<std::string> merge_lifecycle_rule(std::vector<std::string> existing, const std::string& rule) {
  const std::string id = lifecycle_rule_id(rule);
  bool placed = false;
  std::vector<std::string> out;
  for (auto& r : existing) {
    if (lifecycle_rule_id(r) != id) {
      out.push_back(std::move(r));
    } else if (!placed) {
      out.push_back(rule);
      placed = true;
    }
  }
  if (!placed) out.push_back(rule);
  return out;
}

std::string lifecycle_configuration(const std::vector<std::string>& rules) {
  std::string xml = "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (const auto& r : rules) xml += r;
  xml += "</LifecycleConfiguration>";
  return xml;
}

}  // namespace hlsmesh::r2push
