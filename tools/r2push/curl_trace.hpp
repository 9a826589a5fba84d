#pragma once
// curl's verbose trace (-v), redacted before it reaches the log: libcurl
// prints request headers as "Authorization: …" over HTTP/1.1 but as
// "h2h3 [authorization: …]" (7.88.1, HTTP/2) in CURLINFO_TEXT, so a header
// is recognised anywhere in a line, not only at its start.
#include <curl/curl.h>

#include <string>

namespace hlsmesh::r2push {

// One trace line with the value of every credential header (Authorization,
// Proxy-Authorization, X-Amz-Security-Token; any case, anywhere in the
// line) replaced by "***"; the header name stays visible, and so does a known
// auth scheme: "h2h3 [authorization: AWS4-HMAC-SHA256 ***]".
std::string redact_trace_line(std::string line);

// CURLOPT_DEBUGFUNCTION: header and info lines, redacted, at debug level
// ("curl > PUT …", "curl < HTTP/1.1 200", "curl * …"); bodies are not traced.
int on_curl_debug(CURL* handle, curl_infotype type, char* data, size_t size, void* user);

}  // namespace hlsmesh::r2push
