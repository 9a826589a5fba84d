#pragma once
// Prometheus text exposition format, the parts sigd's /metrics and
// tunnelcheck's --format prom both write: label sets and HELP/TYPE lines.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hlsmesh::prometheus {

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

// A label value with '\', '"' and newlines escaped as the format wants.
std::string escape(std::string_view value);

// `{name="value",...}` in the order given; "" for no labels.
std::string labels(const Labels& labels);

// The "# HELP name help" and "# TYPE name type" lines of a metric family.
std::string family(std::string_view name, std::string_view type, std::string_view help);

}  // namespace hlsmesh::prometheus
