#include "report.hpp"

#include <algorithm>

namespace hlsmesh::tunnelcheck {

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::ok:
      return "OK";
    case Severity::warning:
      return "WARNING";
    case Severity::critical:
      return "CRITICAL";
    case Severity::unknown:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

int exit_code(Severity s) { return static_cast<int>(s); }

void Report::add(Severity severity, std::string code, std::string subject, std::string message, std::string fix) {
  findings_.push_back({severity, std::move(code), std::move(subject), std::move(message), std::move(fix), {}, {}, {}});
}

Finding Report::finding(const hlsmesh::m3u8::Diagnostic& d, const std::string& subject) {
  namespace m3u8 = hlsmesh::m3u8;
  Severity s = d.severity == m3u8::Severity::error     ? Severity::critical
               : d.severity == m3u8::Severity::warning ? Severity::warning
                                                       : Severity::ok;
  // A SHOULD is advice: never more than a warning, whatever the checker said.
  if (d.rule == m3u8::Rule::rfc && d.level == m3u8::Level::should && s == Severity::critical) s = Severity::warning;
  std::string where = d.line ? subject + " line " + std::to_string(d.line) : subject;
  return {s, d.code, where, d.message, d.fix, m3u8::rule_name(d.rule), d.section, m3u8::level_name(d.level)};
}

void Report::add(const hlsmesh::m3u8::Diagnostic& d, const std::string& subject) { add(finding(d, subject)); }

void Report::metric(std::string name, double value, std::map<std::string, std::string> labels, std::string help) {
  metrics_.push_back({std::move(name), std::move(labels), value, std::move(help)});
}

Severity Report::status() const {
  Severity worst = Severity::ok;
  for (const auto& f : findings_) worst = std::max(worst, f.severity);
  return worst;
}

size_t Report::count(Severity s) const {
  return static_cast<size_t>(
      std::count_if(findings_.begin(), findings_.end(), [&](const Finding& f) { return f.severity == s; }));
}

bool Report::has(const std::string& code) const {
  return std::any_of(findings_.begin(), findings_.end(), [&](const Finding& f) { return f.code == code; });
}

}  // namespace hlsmesh::tunnelcheck
