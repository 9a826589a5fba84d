#pragma once
// Findings and the overall status, in monitoring-plugin terms: every check
// adds findings; the worst severity decides the exit code (0/1/2/3).
#include <map>
#include <string>
#include <vector>

#include "common/m3u8.hpp"

namespace hlsmesh::tunnelcheck {

enum class Severity { ok = 0, warning = 1, critical = 2, unknown = 3 };

const char* severity_name(Severity s);  // "OK", "WARNING", "CRITICAL", "UNKNOWN"
int exit_code(Severity s);              // 0, 1, 2, 3

struct Finding {
  Severity severity = Severity::ok;
  std::string code;     // stable id, e.g. "cors-missing"
  std::string subject;  // what it is about: a URL (redacted), "config.yml rule #2", ...
  std::string message;  // what is wrong, with the values involved
  std::string fix;      // what to do about it
  // Playlist findings only: "rfc" or "policy", the RFC section and MUST/SHOULD.
  std::string rule;
  std::string section;
  std::string level;
};

// A Prometheus-style sample: name{labels} value.
struct Metric {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
  std::string help;
};

class Report {
 public:
  void add(Severity severity, std::string code, std::string subject, std::string message, std::string fix = {});
  void add(Finding finding) { findings_.push_back(std::move(finding)); }
  // A linter diagnostic: error → CRITICAL, warning → WARNING, info → OK.
  void add(const hlsmesh::m3u8::Diagnostic& d, const std::string& subject);
  static Finding finding(const hlsmesh::m3u8::Diagnostic& d, const std::string& subject);
  void metric(std::string name, double value, std::map<std::string, std::string> labels = {}, std::string help = {});

  const std::vector<Finding>& findings() const { return findings_; }
  const std::vector<Metric>& metrics() const { return metrics_; }
  Severity status() const;
  size_t count(Severity s) const;
  bool has(const std::string& code) const;

 private:
  std::vector<Finding> findings_;
  std::vector<Metric> metrics_;
};

}  // namespace hlsmesh::tunnelcheck
