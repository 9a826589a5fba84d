#pragma once
// The S3 API requests r2push makes, signed by libcurl (CURLOPT_AWS_SIGV4),
// shaped for curl 7.88.1 (reference/r2-tunnel.md §0, §2.3): every request
// carries x-amz-content-sha256 = SHA-256 of its body, the body is in memory
// (POSTFIELDS), paths and queries are already canonical (`?cors=`, sorted,
// %XX upper-case), Content-Type is always explicit, and neither X-Amz-Date
// nor an empty "Expect:" header is ever sent.
#include <string>
#include <utility>
#include <vector>

#include "common/http_client.hpp"

namespace hlsmesh::r2push {

struct S3Config {
  std::string endpoint;  // scheme://host[:port], no trailing '/'
  std::string region = "auto";
  std::string bucket;
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  long timeout_ms = 30000;
  bool verbose = false;  // curl's verbose trace, redacted, at debug level
};

// A query string in canonical SigV4 form: parameters sorted by name, names
// and values AWS-encoded, every parameter with '=' ("cors=").
std::string canonical_query(std::vector<std::pair<std::string, std::string>> params);

std::string sha256_hex(std::string_view data);
std::string md5_base64(std::string_view data);
std::string xml_escape(std::string_view text);
std::string xml_unescape(std::string text);

class S3Api {
 public:
  explicit S3Api(S3Config config);

  const S3Config& config() const { return config_; }
  // Path-style URL of a key: ENDPOINT/BUCKET/KEY (key AWS-encoded).
  std::string object_url(const std::string& key) const;
  std::string bucket_url(const std::string& canonical_query_string = {}) const;

  // `body_sha256`: the body's SHA-256 in hex when the caller has it already.
  http::Request put_object(const std::string& key, std::string body, const std::string& content_type,
                           const std::string& cache_control, std::string body_sha256 = {}) const;
  http::Request head_object(const std::string& key) const;
  http::Request get_object(const std::string& key) const;
  http::Request delete_object(const std::string& key) const;
  // POST ?delete= with up to 1000 keys (Quiet mode: only failures are listed).
  http::Request delete_objects(const std::vector<std::string>& keys) const;
  http::Request put_bucket_cors(const std::vector<std::string>& origins, int max_age_s) const;
  http::Request get_bucket_cors() const;
  http::Request get_bucket_lifecycle() const;
  // The whole configuration (lifecycle.hpp builds it): PUT replaces every rule.
  http::Request put_bucket_lifecycle(std::string configuration_xml) const;
  http::Request list_objects_v2(const std::string& prefix, int max_keys, const std::string& continuation = {}) const;

  // Any signed request (used by the ones above, and by tests).
  http::Request signed_request(std::string method, std::string url, std::string body = {},
                               std::vector<std::string> extra_headers = {}, std::string body_sha256 = {}) const;

 private:
  S3Config config_;
};

// The S3 error document of a response: <Code> and <Message>.
struct S3ErrorInfo {
  std::string code;
  std::string message;
};
S3ErrorInfo parse_error(const http::Response& response);

// What a failed response means for the user and whether to try again.
struct Failure {
  bool retryable = false;
  long status = 0;
  std::string code;     // S3 error code or curl's
  std::string summary;  // "credentials rejected (SignatureDoesNotMatch)"
  std::string hint;     // what to check
  long retry_after_ms = -1;
};
// `what` names the request ("PUT s3://live/0/seg1.ts").
Failure classify(const http::Response& response, const S3Config& config);

// Retry-After as delay in ms (delta-seconds or an HTTP date); -1 when absent.
long parse_retry_after(const std::string& value);

// Keys of a ListObjectsV2 answer, and its continuation token when truncated.
struct ListResult {
  std::vector<std::string> keys;
  std::string next_continuation;
};
ListResult parse_list(const std::string& xml);
// Keys that a Quiet DeleteObjects answer lists under <Error>.
std::vector<std::string> parse_delete_errors(const std::string& xml);

}  // namespace hlsmesh::r2push
