#include "output.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/http_client.hpp"
#include "common/log.hpp"
#include "common/prometheus.hpp"
#include "common/text.hpp"

namespace hlsmesh::tunnelcheck {
namespace {

// Messages from the RFC checker quote segment URIs as written, which may carry
// signed query strings or user:password@: every URL-like word goes through
// http::redact_url, then registered secrets are masked.
std::string scrub(const std::string& text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = text.find_first_of(" \t\n'\"", i);
    if (end == std::string::npos) end = text.size();
    std::string word = text.substr(i, end - i);
    const bool url_like = word.find("://") != std::string::npos ||
                          (word.find('?') != std::string::npos && word.find('=') != std::string::npos);
    out += url_like ? hlsmesh::http::redact_url(word) : word;
    if (end < text.size()) out += text[end];
    i = end + 1;
  }
  return hlsmesh::log::redact(out);
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  char buf[48];
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string summary(const Report& r) {
  return std::to_string(r.count(Severity::critical)) + " critical, " + std::to_string(r.count(Severity::warning)) +
         " warning, " + std::to_string(r.count(Severity::unknown)) + " unknown, " +
         std::to_string(r.count(Severity::ok)) + " ok";
}

void print_text(std::ostream& out, const Report& r) {
  for (const auto& f : r.findings()) {
    out << severity_name(f.severity) << ' ' << f.code << ' ' << scrub(f.subject) << ": " << scrub(f.message);
    if (!f.section.empty()) out << " [" << f.section << ' ' << f.level << ']';
    else if (f.rule == "policy") out << " [hlsmesh policy]";
    if (!f.fix.empty()) out << " — fix: " << scrub(f.fix);
    out << '\n';
  }
  out << "tunnelcheck " << severity_name(r.status()) << ": " << summary(r) << '\n';
}

void print_json(std::ostream& out, const Report& r) {
  for (const auto& f : r.findings()) {
    nlohmann::json j = {{"severity", hlsmesh::ascii_lower(severity_name(f.severity))},
                        {"code", f.code},
                        {"subject", scrub(f.subject)},
                        {"message", scrub(f.message)},
                        {"fix", scrub(f.fix)}};
    if (!f.rule.empty()) {
      j["rule"] = f.rule;
      j["section"] = f.section;
      j["level"] = f.level;
    }
    out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  }
}

// 'label'=value[UOM];warn;crit;min;max
void print_nagios(std::ostream& out, const Report& r) {
  const Severity status = r.status();
  const Finding* worst = nullptr;
  for (const auto& f : r.findings())
    if (f.severity == status && f.severity != Severity::ok) {
      worst = &f;
      break;
    }
  out << "TUNNELCHECK " << severity_name(status) << " - " << summary(r);
  if (worst) out << ": " << scrub(worst->subject) << ": " << scrub(worst->message);
  out << " |";
  std::set<std::string> seen;
  for (const auto& m : r.metrics()) {
    if (!m.labels.empty() || !seen.insert(m.name).second) continue;
    std::string uom = m.name.ends_with("_seconds") ? "s" : m.name.ends_with("_bytes") ? "B" : "";
    out << " '" << m.name << "'=" << number(m.value) << uom << ";;;;";
  }
  for (auto s : {Severity::critical, Severity::warning}) {
    out << " '" << hlsmesh::ascii_lower(severity_name(s)) << "'=" << r.count(s) << ";;;0;";
  }
  out << '\n';
  // Further lines: the findings that are not OK (Nagios shows them as long output).
  for (const auto& f : r.findings()) {
    if (f.severity == Severity::ok) continue;
    out << severity_name(f.severity) << ' ' << f.code << ' ' << scrub(f.subject) << ": " << scrub(f.message) << '\n';
  }
}

std::string prom_labels(const std::map<std::string, std::string>& labels) {
  std::vector<std::string> values;  // scrubbed; the views below point into it
  values.reserve(labels.size());
  hlsmesh::prometheus::Labels out;
  for (const auto& [k, v] : labels) out.emplace_back(k, values.emplace_back(scrub(v)));
  return hlsmesh::prometheus::labels(out);
}

void print_prom(std::ostream& out, const Report& r) {
  const Severity status = r.status();
  std::vector<Metric> all;
  all.push_back(
      {"probe_success", {}, status <= Severity::warning ? 1.0 : 0.0, "1 when no check is CRITICAL or UNKNOWN"});
  all.push_back(
      {"tunnelcheck_status", {}, static_cast<double>(exit_code(status)), "0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN"});
  for (auto s : {Severity::ok, Severity::warning, Severity::critical, Severity::unknown})
    all.push_back({"tunnelcheck_findings",
                   {{"severity", hlsmesh::ascii_lower(severity_name(s))}},
                   static_cast<double>(r.count(s)),
                   "Findings by severity"});
  std::map<std::pair<std::string, std::string>, double> by_code;
  for (const auto& f : r.findings())
    if (f.severity != Severity::ok) by_code[{f.code, hlsmesh::ascii_lower(severity_name(f.severity))}] += 1;
  for (const auto& [k, n] : by_code)
    all.push_back({"tunnelcheck_finding", {{"code", k.first}, {"severity", k.second}}, n, "Findings by code"});
  for (const auto& m : r.metrics()) all.push_back(m);
  // The exposition format wants all samples of one metric together.
  std::stable_sort(all.begin(), all.end(), [](const Metric& a, const Metric& b) { return a.name < b.name; });
  std::set<std::string> described;
  for (const auto& m : all) {
    if (described.insert(m.name).second) {
      if (!m.help.empty()) out << "# HELP " << m.name << ' ' << m.help << '\n';
      out << "# TYPE " << m.name << " gauge\n";
    }
    out << m.name << prom_labels(m.labels) << ' ' << number(m.value) << '\n';
  }
}

}  // namespace

void print_report(std::ostream& out, const Report& report, const Options& options) {
  if (options.format == "json")
    print_json(out, report);
  else if (options.format == "nagios")
    print_nagios(out, report);
  else if (options.format == "prom")
    print_prom(out, report);
  else
    print_text(out, report);
}

}  // namespace hlsmesh::tunnelcheck
