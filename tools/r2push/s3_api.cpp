#include "tools/r2push/s3_api.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "common/time_util.hpp"
#include "common/url.hpp"
#include "tools/r2push/curl_trace.hpp"

namespace hlsmesh::r2push {

namespace {

std::string digest(std::string_view data, const EVP_MD* md) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string between(const std::string& text, const std::string& open, const std::string& close, size_t from = 0,
                    size_t* end_pos = nullptr) {
  size_t b = text.find(open, from);
  if (b == std::string::npos) return {};
  b += open.size();
  size_t e = text.find(close, b);
  if (e == std::string::npos) return {};
  if (end_pos) *end_pos = e + close.size();
  return text.substr(b, e - b);
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  static const char* hex = "0123456789abcdef";
  std::string raw = digest(data, EVP_sha256()), out;
  for (unsigned char c : raw) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::string md5_base64(std::string_view data) {
  std::string raw = digest(data, EVP_md5());
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string xml_unescape(std::string s) {
  static const std::pair<const char*, const char*> entities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&#13;", "\r"}, {"&#10;", "\n"}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    std::string f = from;
    for (size_t p = s.find(f); p != std::string::npos; p = s.find(f, p + 1)) s.replace(p, f.size(), to);
  }
  return s;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#13;"; break;
      case '\n': out += "&#10;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string canonical_query(std::vector<std::pair<std::string, std::string>> params) {
  for (auto& [name, value] : params) {
    name = url::encode(name);
    value = url::encode(value);
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;  // "cors=": curl 7.88.1 signs the query as written
  }
  return out;
}

S3Api::S3Api(S3Config config) : config_(std::move(config)) {
  while (!config_.endpoint.empty() && config_.endpoint.back() == '/') config_.endpoint.pop_back();
}

std::string S3Api::object_url(const std::string& key) const {
  return config_.endpoint + "/" + config_.bucket + "/" + url::encode(key, true);
}

std::string S3Api::bucket_url(const std::string& query) const {
  // "/bucket?cors=": the path of a bucket request has no trailing slash, which
  // is how AWS CLI, rclone and the SDKs address a bucket path-style.
  return config_.endpoint + "/" + config_.bucket + (query.empty() ? "" : "?" + query);
}

http::Request S3Api::signed_request(std::string method, std::string url, std::string body,
                                    std::vector<std::string> extra_headers, std::string body_sha256) const {
  http::Request rq;
  rq.method = std::move(method);
  rq.url = std::move(url);
  rq.timeout_ms = config_.timeout_ms;
  rq.connect_timeout_ms = std::min<long>(10000, config_.timeout_ms);
  // 7.88.1 neither adds this header nor hashes a PUT body itself; since
  // 7.87.0 it signs with this header's value as the payload hash.
  rq.headers.push_back("x-amz-content-sha256: " + (body_sha256.empty() ? sha256_hex(body) : body_sha256));
  if (!config_.session_token.empty()) rq.headers.push_back("x-amz-security-token: " + config_.session_token);
  for (auto& h : extra_headers) rq.headers.push_back(std::move(h));
  rq.body = std::move(body);
  std::string sigv4 = "aws:amz:" + config_.region + ":s3";
  std::string user = config_.access_key_id, password = config_.secret_access_key;
  bool verbose = config_.verbose;
  rq.customize = [sigv4, user, password, verbose](CURL* h) {
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(h, CURLOPT_USERNAME, user.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, password.c_str());
    // HTTP/1.1 only (HTTP/2 never sends Expect): curl adds "Expect:
    // 100-continue" to bodies over 1 MiB and waits up to 1 s for the 100. The
    // header cannot be removed (7.88.1 would sign the empty removal entry), so
    // just do not wait for it: the body follows the headers at once.
    curl_easy_setopt(h, CURLOPT_EXPECT_100_TIMEOUT_MS, 0L);
    // Segments are 1-2 MB: send them in 1 MiB writes instead of the default
    // 64 KiB (fewer syscalls and loop turns per object).
    curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, 1024L * 1024L);
    if (verbose) {
      curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_curl_debug);
      curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    }
  };
  return rq;
}

http::Request S3Api::put_object(const std::string& key, std::string body, const std::string& content_type,
                                const std::string& cache_control, std::string body_sha256) const {
  std::vector<std::string> headers = {"Content-Type: " + content_type};
  if (!cache_control.empty()) headers.push_back("Cache-Control: " + cache_control);
  return signed_request("PUT", object_url(key), std::move(body), std::move(headers), std::move(body_sha256));
}

http::Request S3Api::head_object(const std::string& key) const { return signed_request("HEAD", object_url(key)); }

http::Request S3Api::get_object(const std::string& key) const { return signed_request("GET", object_url(key)); }

http::Request S3Api::delete_object(const std::string& key) const {
  return signed_request("DELETE", object_url(key));
}

http::Request S3Api::delete_objects(const std::vector<std::string>& keys) const {
  std::string xml = "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>";
  for (const auto& k : keys) xml += "<Object><Key>" + xml_escape(k) + "</Key></Object>";
  xml += "</Delete>";
  std::string md5 = md5_base64(xml);  // AWS requires Content-MD5 on DeleteObjects
  return signed_request("POST", bucket_url(canonical_query({{"delete", ""}})), std::move(xml),
                        {"Content-Type: application/xml", "Content-MD5: " + md5});
}

http::Request S3Api::put_bucket_cors(const std::vector<std::string>& origins, int max_age_s) const {
  // What hls.js and p2p-media-loader need: GET/HEAD with Range, and the
  // lengths and ranges readable from JavaScript.
  std::string xml = "<CORSConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><CORSRule>";
  for (const auto& o : origins) xml += "<AllowedOrigin>" + xml_escape(o) + "</AllowedOrigin>";
  xml += "<AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>";
  xml += "<AllowedHeader>Range</AllowedHeader>";
  for (const char* h : {"Content-Length", "Content-Range", "Content-Type", "ETag"})
    xml += std::string("<ExposeHeader>") + h + "</ExposeHeader>";
  xml += "<MaxAgeSeconds>" + std::to_string(max_age_s) + "</MaxAgeSeconds>";
  xml += "</CORSRule></CORSConfiguration>";
  std::string md5 = md5_base64(xml);
  return signed_request("PUT", bucket_url(canonical_query({{"cors", ""}})), std::move(xml),
                        {"Content-Type: application/xml", "Content-MD5: " + md5});
}

http::Request S3Api::get_bucket_cors() const {
  return signed_request("GET", bucket_url(canonical_query({{"cors", ""}})));
}

http::Request S3Api::get_bucket_lifecycle() const {
  return signed_request("GET", bucket_url(canonical_query({{"lifecycle", ""}})));
}

http::Request S3Api::put_bucket_lifecycle(std::string configuration_xml) const {
  std::string md5 = md5_base64(configuration_xml);  // AWS requires Content-MD5 here
  return signed_request("PUT", bucket_url(canonical_query({{"lifecycle", ""}})), std::move(configuration_xml),
                        {"Content-Type: application/xml", "Content-MD5: " + md5});
}

http::Request S3Api::list_objects_v2(const std::string& prefix, int max_keys, const std::string& continuation) const {
  std::vector<std::pair<std::string, std::string>> q = {
      {"list-type", "2"}, {"max-keys", std::to_string(max_keys)}, {"prefix", prefix}};
  if (!continuation.empty()) q.emplace_back("continuation-token", continuation);
  return signed_request("GET", bucket_url(canonical_query(std::move(q))));
}

S3ErrorInfo parse_error(const http::Response& response) {
  S3ErrorInfo info;
  info.code = xml_unescape(between(response.body, "<Code>", "</Code>"));
  info.message = xml_unescape(between(response.body, "<Message>", "</Message>"));
  return info;
}

long parse_retry_after(const std::string& value) {
  if (value.empty()) return -1;
  if (std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return std::min(3600L, std::stol(value.substr(0, 6))) * 1000;
  }
  time_t when = curl_getdate(value.c_str(), nullptr);
  if (when < 0) return -1;
  long delta = static_cast<long>(when - std::time(nullptr));
  return std::clamp(delta, 0L, 3600L) * 1000;
}

Failure classify(const http::Response& r, const S3Config& config) {
  Failure f;
  f.status = r.status;
  const std::string where = config.endpoint + "/" + config.bucket;
  if (r.curl_code != CURLE_OK) {
    f.retryable = true;
    f.code = curl_easy_strerror(r.curl_code);
    f.summary = "transfer failed: " + r.error;
    f.hint = r.curl_code == CURLE_OPERATION_TIMEDOUT
                 ? "the endpoint " + config.endpoint + " answered too slowly; check the network or raise --timeout"
                 : "check --endpoint " + config.endpoint + " (or R2_ACCOUNT_ID) and the network";
    return f;
  }
  S3ErrorInfo e = parse_error(r);
  f.code = e.code;
  std::string detail = e.code.empty() ? "HTTP " + std::to_string(r.status) : e.code;
  f.retry_after_ms = parse_retry_after(r.header("retry-after"));
  if (r.status == 408 || r.status == 429 || r.status >= 500 || e.code == "ClientDisconnect" ||
      e.code == "RequestTimeout" || e.code == "SlowDown") {
    f.retryable = r.status != 501;
  }
  if (e.code == "SignatureDoesNotMatch" || e.code == "InvalidAccessKeyId" || e.code == "InvalidToken" ||
      e.code == "ExpiredToken" || r.status == 401) {
    f.summary = "credentials rejected (" + detail + ")";
    f.hint = "check R2_ACCESS_KEY_ID / R2_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), that the "
             "key belongs to this account and that --region is right (R2: auto)";
  } else if (e.code == "RequestTimeTooSkewed") {
    std::string server_time = between(r.body, "<ServerTime>", "</ServerTime>");
    f.summary = "clock skew: the server rejected the request time (RequestTimeTooSkewed)";
    f.hint = "this machine's clock is " + format_iso8601_ms(std::chrono::system_clock::now()) +
             (server_time.empty() ? std::string() : ", the server's is " + server_time) +
             "; sync the clock with NTP (timedatectl set-ntp true)";
  } else if (e.code == "NoSuchBucket") {
    f.summary = "bucket '" + config.bucket + "' does not exist (NoSuchBucket)";
    f.hint = "check the bucket name in --to / R2_BUCKET and the endpoint " + config.endpoint +
             " (R2: the account id), or create the bucket";
  } else if (e.code == "AccessDenied" || (r.status == 403 && e.code.empty())) {
    f.summary = "access denied (" + detail + ")";
    f.hint = "the key has no permission on " + where +
             ", or the credentials are wrong; R2 uploads need an Object Read & Write token for this bucket, "
             "bucket settings (cors, lifecycle) an Admin Read & Write token";
  } else if (r.status == 429) {
    f.summary = "rate limited (" + detail + ")";
    f.hint = "R2 takes one write per second per key and about 4,000 writes/s per bucket; lower --jobs";
  } else if (r.status == 501 || e.code == "NotImplemented") {
    f.retryable = false;
    f.summary = "not implemented by the server (" + detail + ")";
    f.hint = "this S3 server does not support the request; use R2 or AWS S3 for it";
  } else if (r.status >= 500) {
    f.summary = "server error (" + detail + ")";
    f.hint = "the storage service at " + config.endpoint + " is failing; try again later";
  } else if (r.status == 404) {
    f.summary = "not found (" + detail + ")";
    f.hint = "check the bucket name and --endpoint " + config.endpoint;
  } else {
    f.summary = "request refused (" + detail + (e.message.empty() ? "" : ": " + e.message) + ")";
    f.hint = "check the bucket " + where + " and the endpoint settings";
  }
  return f;
}

ListResult parse_list(const std::string& xml) {
  ListResult out;
  size_t pos = 0, end = 0;
  for (;;) {
    std::string contents = between(xml, "<Contents>", "</Contents>", pos, &end);
    if (end == 0 || contents.empty()) break;
    out.keys.push_back(xml_unescape(between(contents, "<Key>", "</Key>")));
    pos = end;
    end = 0;
  }
  if (between(xml, "<IsTruncated>", "</IsTruncated>") == "true") {
    out.next_continuation = xml_unescape(between(xml, "<NextContinuationToken>", "</NextContinuationToken>"));
  }
  return out;
}

std::vector<std::string> parse_delete_errors(const std::string& xml) {
  std::vector<std::string> keys;
  size_t pos = 0, end = 0;
  for (;;) {
    std::string err = between(xml, "<Error>", "</Error>", pos, &end);
    if (end == 0) break;
    keys.push_back(xml_unescape(between(err, "<Key>", "</Key>")));
    pos = end;
    end = 0;
  }
  return keys;
}

}  // namespace hlsmesh::r2push
