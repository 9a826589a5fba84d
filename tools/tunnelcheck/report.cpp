#include "report.hpp"

#include <algorithm>

namespace tunnelcheck {

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
  findings_.push_back({severity, std::move(code), std::move(subject), std::move(message), std::move(fix)});
}

void Report::add(const hlsmesh::m3u8::Diagnostic& d, const std::string& subject) {
  using hlsmesh::m3u8::Severity;
  tunnelcheck::Severity s = d.severity == Severity::error     ? tunnelcheck::Severity::critical
                            : d.severity == Severity::warning ? tunnelcheck::Severity::warning
                                                              : tunnelcheck::Severity::ok;
  std::string where = d.line ? subject + " line " + std::to_string(d.line) : subject;
  add(s, d.code, where, d.message, d.fix);
}

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

}  // namespace tunnelcheck
