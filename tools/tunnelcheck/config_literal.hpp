#pragma once
// cloudflared reads config.yml literally: it expands no environment
// variables and runs no templates (config.ReadConfigFile hands the bytes to
// yaml.v3 as they are). A `${WEBMAIL_DOMAIN}` hostname can never match and
// `tunnel: ${TUNNEL_ID}` names no tunnel. These helpers find what a user
// meant to be substituted: ${VAR} (also ${VAR:-default}), $VAR, {{ … }}.
#include <yaml-cpp/yaml.h>

#include <functional>
#include <string>
#include <vector>

#include "report.hpp"

namespace hlsmesh::tunnelcheck {

// The placeholders in one text: "${DOMAIN:-x.example}", "$HOST", "{{ .Values.host }}".
std::vector<std::string> placeholders(const std::string& text);

// "render the file first" advice naming what fills the placeholder in.
std::string render_advice(const std::string& placeholder);

// Reports a WARNING for every scalar of the tree holding a placeholder,
// except where `skip(path)` is true (the ingress loader judges hostnames and
// services itself: CRITICAL when cloudflared refuses them anyway). `path` is
// "ingress[2].service", "originRequest.httpHostHeader", ...
void report_placeholders(const YAML::Node& root, const std::string& file,
                         const std::function<bool(const std::string&)>& skip, Report& report);

}  // namespace hlsmesh::tunnelcheck
