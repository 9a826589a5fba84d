#include "tools/r2push/curl_trace.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "common/log.hpp"
#include "common/text.hpp"

namespace hlsmesh::r2push {

namespace {

// Names whose value is a credential ("proxy-authorization:" contains the first).
constexpr std::string_view credential_headers[] = {"authorization:", "x-amz-security-token:"};

// The scheme word of an Authorization value is not secret and says which
// signing was used; anything else (a bare token) is.
bool is_auth_scheme(std::string_view word) {
  static const char* const schemes[] = {"aws4-hmac-sha256", "aws", "basic", "bearer", "digest", "negotiate", "ntlm"};
  std::string w = hlsmesh::ascii_lower(word);
  return std::any_of(std::begin(schemes), std::end(schemes), [&](const char* s) { return w == s; });
}

}  // namespace

std::string redact_trace_line(std::string line) {
  const std::string low = hlsmesh::ascii_lower(line);
  size_t cut = std::string::npos;  // where the first credential value starts
  bool authorization = false;
  for (std::string_view name : credential_headers) {
    size_t at = low.find(name);
    if (at != std::string::npos && at + name.size() < cut) {
      cut = at + name.size();
      authorization = name == "authorization:";
    }
  }
  if (cut == std::string::npos) return line;
  // Everything after the name goes, whatever follows on the line; only the
  // bracket that closes curl's "h2h3 [name: value]" comes back.
  bool bracketed = line.rfind('[', cut) != std::string::npos && line.back() == ']';
  std::string value = line.substr(cut);
  std::string out = line.substr(0, cut) + " ";
  if (authorization) {
    size_t begin = value.find_first_not_of(' ');
    size_t end = begin == std::string::npos ? begin : value.find_first_of(" ]", begin);
    if (begin != std::string::npos && end != std::string::npos && end > begin &&
        is_auth_scheme(std::string_view(value).substr(begin, end - begin))) {
      out += value.substr(begin, end - begin) + " ";
    }
  }
  out += "***";
  if (bracketed) out += "]";
  return out;
}

int on_curl_debug(CURL*, curl_infotype type, char* data, size_t size, void*) {
  const char* mark = nullptr;
  switch (type) {
    case CURLINFO_TEXT: mark = "* "; break;
    case CURLINFO_HEADER_IN: mark = "< "; break;
    case CURLINFO_HEADER_OUT: mark = "> "; break;
    default: return 0;  // bodies are not traced
  }
  std::string_view text(data, size);
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string line(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    // log::write also replaces every registered secret.
    log::debug(std::string("curl ") + mark + redact_trace_line(std::move(line)));
  }
  return 0;
}

}  // namespace hlsmesh::r2push
