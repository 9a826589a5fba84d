// Unit tests of r2push's parts: keys and their AWS encoding, canonical
// queries, destinations, content types, Retry-After, S3 answers, the
// redacted curl trace, lifecycle merging, settings from the environment,
// cancelled deletes and the key reuse warning.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "common/error.hpp"
#include "common/log.hpp"
#include "tests/lib/temp_dir.hpp"
#include "tools/r2push/curl_trace.hpp"
#include "tools/r2push/destination.hpp"
#include "tools/r2push/expirer.hpp"
#include "tools/r2push/key_reuse.hpp"
#include "tools/r2push/keys.hpp"
#include "tools/r2push/lifecycle.hpp"
#include "tools/r2push/options.hpp"
#include "tools/r2push/s3_api.hpp"

using namespace hlsmesh;
using namespace hlsmesh::r2push;

TEST(r2pushKeys, DefaultTemplateCollapsesEmptyParts) {
  Json seg = {{"event", "segment"}, {"rendition", "720p"}, {"path", "/data/hls/0/seg12.ts"}};
  EXPECT_EQ(expand_key("{prefix}/{rendition}/{name}", "live", seg), "live/720p/seg12.ts");
  EXPECT_EQ(expand_key("{prefix}/{rendition}/{name}", "", seg), "720p/seg12.ts");
  Json master = {{"event", "master"}, {"path", "/srv/master.m3u8"}};
  EXPECT_EQ(expand_key("{prefix}/{rendition}/{name}", "live", master), "live/master.m3u8");
  Json numeric = {{"event", "segment"}, {"rendition", 0}, {"msn", 42}, {"path", "/x/a.m4s"}};
  EXPECT_EQ(expand_key("{rendition}/{msn}-{stem}.{ext}", "", numeric), "0/42-a.m4s");
}

TEST(r2pushKeys, HashPlaceholderNamesTheBytes) {
  Json seg = {{"event", "segment"}, {"rendition", "720p"}, {"path", "/data/hls/0/stream0.ts"}};
  const std::string tpl = "{prefix}/{rendition}/{stem}-{hash}.{ext}";
  EXPECT_TRUE(uses_content_hash(tpl));
  EXPECT_FALSE(uses_content_hash("{prefix}/{rendition}/{name}"));
  // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223...: {hash} is its first 16 hex digits.
  const std::string abc = content_hash(sha256_hex("abc"));
  EXPECT_EQ(abc, "ba7816bf8f01cfea");
  EXPECT_EQ(abc.size(), content_hash_chars);
  EXPECT_EQ(expand_key(tpl, "live", seg, abc), "live/720p/stream0-ba7816bf8f01cfea.ts");
  // A restarted encoder's stream0.ts: same name, other bytes, another key.
  EXPECT_NE(expand_key(tpl, "live", seg, content_hash(sha256_hex("abd"))), expand_key(tpl, "live", seg, abc));
  // The same file seen again (hlswatch or r2push restarted): the same key.
  EXPECT_EQ(expand_key(tpl, "live", seg, content_hash(sha256_hex("abc"))), expand_key(tpl, "live", seg, abc));
  // Without the bytes (an expire event with no key) {hash} cannot be made up:
  // left empty, the key would be the reused name again.
  EXPECT_THROW(expand_key(tpl, "live", seg), Error);
  // Templates without {hash} ignore a hash given.
  EXPECT_EQ(expand_key("{prefix}/{name}", "live", seg, abc), "live/stream0.ts");
}

TEST(r2pushKeys, HashPlaceholderValidation) {
  EXPECT_NO_THROW(validate_key_template("{prefix}/{rendition}/{stem}-{hash}.{ext}"));
  EXPECT_NO_THROW(validate_key_template("{prefix}/{hash}.{ext}"));  // the bytes tell files apart
  try {
    validate_key_template("{prefix}/{rendition}/{stem}-{hsh}.{ext}");
    ADD_FAILURE() << "{hsh} accepted";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_EQ(e.exit(), Exit::config);
    EXPECT_NE(what.find("unknown placeholder {hsh}"), std::string::npos) << what;
    EXPECT_NE(what.find("{hash}"), std::string::npos) << what;  // says what to use
  }
  EXPECT_THROW(validate_key_template("{prefix}/{stem}-{hash.{ext}"), Error);
}

TEST(r2pushKeys, TemplateValidation) {
  EXPECT_NO_THROW(validate_key_template("{prefix}/{rendition}/{name}"));
  EXPECT_THROW(validate_key_template("{prefix}/{bogus}/{name}"), Error);
  EXPECT_THROW(validate_key_template("{prefix}/{rendition}"), Error);  // every file the same key
  EXPECT_THROW(validate_key_template("{prefix/{name}"), Error);
}

TEST(r2pushKeys, AwsEncoding) {
  // Unreserved and '/' stay; everything else %XX upper-case, UTF-8 bytewise.
  EXPECT_EQ(encode_key("live/seg a=1+b.ts"), "live/seg%20a%3D1%2Bb.ts");
  EXPECT_EQ(encode_key("vidéo/ü~-_.ts"), "vid%C3%A9o/%C3%BC~-_.ts");
}

TEST(r2pushKeys, ContentTypes) {
  EXPECT_EQ(content_type_for("a.ts"), "video/mp2t");
  EXPECT_EQ(content_type_for("a.m4s"), "video/iso.segment");
  EXPECT_EQ(content_type_for("init.mp4"), "video/mp4");
  EXPECT_EQ(content_type_for("index.M3U8"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(content_type_for("a.aac"), "audio/aac");
  EXPECT_EQ(content_type_for("subs.vtt"), "text/vtt");
  EXPECT_EQ(content_type_for("blob"), "application/octet-stream");
  EXPECT_TRUE(is_playlist("x/playlist.m3u8"));
  EXPECT_FALSE(is_playlist("x/seg.ts"));
}

TEST(r2pushS3, CanonicalQuery) {
  // curl 7.88.1 signs the query as written: it must already be canonical.
  EXPECT_EQ(canonical_query({{"cors", ""}}), "cors=");
  EXPECT_EQ(canonical_query({{"prefix", "live/"}, {"max-keys", "1"}, {"list-type", "2"}}),
            "list-type=2&max-keys=1&prefix=live%2F");
  EXPECT_EQ(canonical_query({{"b", "x y"}, {"a", "é"}}), "a=%C3%A9&b=x%20y");
}

TEST(r2pushS3, Hashes) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(md5_base64(""), "1B2M2Y8AsgTpgAmY7PhCfg==");
  EXPECT_EQ(xml_escape("a&b<c>'\""), "a&amp;b&lt;c&gt;&apos;&quot;");
}

TEST(r2pushS3, RequestsAreShapedForCurl7881) {
  S3Config config;
  config.endpoint = "http://127.0.0.1:9000/";
  config.bucket = "live";
  config.access_key_id = "AK";
  config.secret_access_key = "SK";
  S3Api api(config);
  auto put = api.put_object("0/seg 1.ts", "abc", "video/mp2t", "public, max-age=60");
  EXPECT_EQ(put.method, "PUT");
  EXPECT_EQ(put.url, "http://127.0.0.1:9000/live/0/seg%201.ts");
  EXPECT_EQ(put.headers.at(0), "x-amz-content-sha256: " + sha256_hex("abc"));
  EXPECT_NE(std::find(put.headers.begin(), put.headers.end(), "Content-Type: video/mp2t"), put.headers.end());
  // A hash the caller has (the scheduler's, for {hash}) is signed as given, not computed again.
  auto hashed = api.put_object("k", "abc", "video/mp2t", "", std::string(64, 'f'));
  EXPECT_EQ(hashed.headers.at(0), "x-amz-content-sha256: " + std::string(64, 'f'));
  for (const auto& h : put.headers) {
    EXPECT_NE(h.rfind("Expect", 0), 0u) << h;
    EXPECT_NE(h.rfind("X-Amz-Date", 0), 0u) << h;
  }
  auto del = api.delete_objects({"a&b.ts", "c.ts"});
  EXPECT_EQ(del.method, "POST");
  EXPECT_EQ(del.url, "http://127.0.0.1:9000/live?delete=");
  EXPECT_NE(del.body.find("<Key>a&amp;b.ts</Key>"), std::string::npos);
  EXPECT_EQ(api.put_bucket_cors({"https://a.example"}, 600).url, "http://127.0.0.1:9000/live?cors=");
  auto lifecycle = api.put_bucket_lifecycle(lifecycle_configuration({expire_rule(3, "live/")}));
  EXPECT_EQ(lifecycle.url, "http://127.0.0.1:9000/live?lifecycle=");
  EXPECT_NE(std::find(lifecycle.headers.begin(), lifecycle.headers.end(), "Content-MD5: " + md5_base64(lifecycle.body)),
            lifecycle.headers.end());
  EXPECT_EQ(api.get_bucket_lifecycle().method, "GET");
  EXPECT_EQ(api.get_bucket_lifecycle().url, "http://127.0.0.1:9000/live?lifecycle=");
  EXPECT_EQ(api.list_objects_v2("live/", 5).url, "http://127.0.0.1:9000/live?list-type=2&max-keys=5&prefix=live%2F");
  EXPECT_EQ(api.head_object("k").headers.at(0), "x-amz-content-sha256: " + sha256_hex(""));
}

TEST(r2pushS3, RetryAfter) {
  EXPECT_EQ(parse_retry_after(""), -1);
  EXPECT_EQ(parse_retry_after("2"), 2000);
  EXPECT_EQ(parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT"), 0);  // in the past: now
  EXPECT_EQ(parse_retry_after("garbage"), -1);
}

TEST(r2pushS3, ClassifiesFailures) {
  S3Config c;
  c.endpoint = "https://acc.r2.cloudflarestorage.com";
  c.bucket = "live";
  http::Response r;
  r.status = 403;
  r.body = "<Error><Code>SignatureDoesNotMatch</Code><Message>x</Message></Error>";
  Failure f = classify(r, c);
  EXPECT_FALSE(f.retryable);
  EXPECT_NE(f.summary.find("credentials rejected"), std::string::npos);
  r.body = "<Error><Code>InvalidAccessKeyId</Code></Error>";
  EXPECT_NE(classify(r, c).summary.find("credentials rejected"), std::string::npos);
  r.body = "<Error><Code>RequestTimeTooSkewed</Code><ServerTime>2030-01-01T00:00:00Z</ServerTime></Error>";
  f = classify(r, c);
  EXPECT_NE(f.summary.find("clock skew"), std::string::npos);
  EXPECT_NE(f.hint.find("2030-01-01T00:00:00Z"), std::string::npos);
  r.status = 404;
  r.body = "<Error><Code>NoSuchBucket</Code></Error>";
  EXPECT_NE(classify(r, c).summary.find("bucket 'live' does not exist"), std::string::npos);
  r.status = 429;
  r.body.clear();
  r.headers["retry-after"] = "3";
  f = classify(r, c);
  EXPECT_TRUE(f.retryable);
  EXPECT_EQ(f.retry_after_ms, 3000);
  r.status = 503;
  EXPECT_TRUE(classify(r, c).retryable);
  r.status = 501;
  EXPECT_FALSE(classify(r, c).retryable);
  http::Response t;
  t.curl_code = CURLE_COULDNT_CONNECT;
  EXPECT_TRUE(classify(t, c).retryable);
}

TEST(r2pushS3, ParsesListAndDeleteAnswers) {
  ListResult l = parse_list(
      "<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>a&amp;b</Key></Contents>"
      "<Contents><Key>c</Key></Contents><NextContinuationToken>tok</NextContinuationToken></ListBucketResult>");
  ASSERT_EQ(l.keys.size(), 2u);
  EXPECT_EQ(l.keys[0], "a&b");
  EXPECT_EQ(l.next_continuation, "tok");
  auto errors = parse_delete_errors("<DeleteResult><Error><Key>x.ts</Key><Code>AccessDenied</Code></Error></DeleteResult>");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "x.ts");
}

TEST(r2pushDestination, Parses) {
  Destination s3 = parse_destination("s3://live/a/b/");
  EXPECT_TRUE(s3.is_s3());
  EXPECT_EQ(s3.bucket, "live");
  EXPECT_EQ(s3.prefix, "a/b");
  Destination f = parse_destination("file:///srv/my%20live/");
  EXPECT_FALSE(f.is_s3());
  EXPECT_EQ(f.dir, "/srv/my live");
  EXPECT_THROW(parse_destination("s3://Bad_Bucket"), Error);
  EXPECT_THROW(parse_destination("file://relative"), Error);
  EXPECT_THROW(parse_destination("http://x"), Error);
}

// --- curl's verbose trace --------------------------------------------------

TEST(r2pushTrace, RedactsCredentialHeadersAnywhereInALine) {
  const std::string sig = "Credential=AKIDEXAMPLE/20260101/auto/s3/aws4_request, "
                          "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=0123456789abcdef";
  // curl 7.88.1 over HTTP/2 prints request headers in CURLINFO_TEXT like this.
  EXPECT_EQ(redact_trace_line("h2h3 [authorization: AWS4-HMAC-SHA256 " + sig + "]"),
            "h2h3 [authorization: AWS4-HMAC-SHA256 ***]");
  EXPECT_EQ(redact_trace_line("h2h3 [x-amz-security-token: FwoGZXIvYXdzEJr//token==]"),
            "h2h3 [x-amz-security-token: ***]");
  // HTTP/1.1 header lines, any case.
  EXPECT_EQ(redact_trace_line("Authorization: AWS4-HMAC-SHA256 " + sig), "Authorization: AWS4-HMAC-SHA256 ***");
  EXPECT_EQ(redact_trace_line("AUTHORIZATION:AWS4-HMAC-SHA256 " + sig), "AUTHORIZATION: AWS4-HMAC-SHA256 ***");
  EXPECT_EQ(redact_trace_line("X-Amz-Security-Token: FwoGZXIvYXdzEJr"), "X-Amz-Security-Token: ***");
  EXPECT_EQ(redact_trace_line("Proxy-Authorization: Basic dXNlcjpwYXNz"), "Proxy-Authorization: Basic ***");
  // A bare token is not a scheme: nothing of it stays.
  EXPECT_EQ(redact_trace_line("authorization: sekrit-token-value"), "authorization: ***");
  EXPECT_EQ(redact_trace_line("[HTTP/2] [1] [authorization: tok]"), "[HTTP/2] [1] [authorization: ***]");
  // Everything else is left alone.
  EXPECT_EQ(redact_trace_line("h2h3 [:method: PUT]"), "h2h3 [:method: PUT]");
  EXPECT_EQ(redact_trace_line("x-amz-content-sha256: e3b0c442"), "x-amz-content-sha256: e3b0c442");
}

TEST(r2pushTrace, DebugCallbackLogsNoSignature) {
  log::set_level(log::Level::debug);
  std::string text = "h2h3 [:method: PUT]\nh2h3 [authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/"
                     "auto/s3/aws4_request, SignedHeaders=host, Signature=feedfacecafe]\n"
                     "h2h3 [x-amz-security-token: SESSIONTOKEN123]\n";
  std::string out_headers = "PUT /live/a.ts HTTP/1.1\r\nauthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/x, "
                            "Signature=feedfacecafe\r\n\r\n";
  testing::internal::CaptureStderr();
  on_curl_debug(nullptr, CURLINFO_TEXT, text.data(), text.size(), nullptr);
  on_curl_debug(nullptr, CURLINFO_HEADER_OUT, out_headers.data(), out_headers.size(), nullptr);
  std::string logged = testing::internal::GetCapturedStderr();
  log::set_level(log::Level::info);
  EXPECT_EQ(logged.find("feedfacecafe"), std::string::npos) << logged;
  EXPECT_EQ(logged.find("AKIDEXAMPLE"), std::string::npos) << logged;
  EXPECT_EQ(logged.find("SESSIONTOKEN123"), std::string::npos) << logged;
  EXPECT_NE(logged.find("curl * h2h3 [authorization: AWS4-HMAC-SHA256 ***]"), std::string::npos) << logged;
  EXPECT_NE(logged.find("curl * h2h3 [x-amz-security-token: ***]"), std::string::npos) << logged;
  EXPECT_NE(logged.find("curl > authorization: AWS4-HMAC-SHA256 ***"), std::string::npos) << logged;
  EXPECT_NE(logged.find("curl > PUT /live/a.ts HTTP/1.1"), std::string::npos) << logged;
}

// --- keys that would leave the destination ---------------------------------

TEST(r2pushKeys, KeyProblems) {
  EXPECT_EQ(key_problem("live/0/seg1.ts"), "");
  EXPECT_EQ(key_problem("a..b/..c/d.."), "");  // dots inside a name are fine
  EXPECT_NE(key_problem(""), "");
  EXPECT_NE(key_problem("/etc/passwd"), "");
  EXPECT_NE(key_problem("../../x/seg.ts"), "");
  EXPECT_NE(key_problem("live/../../x"), "");
  EXPECT_NE(key_problem("live/.."), "");
  EXPECT_NE(key_problem("live/./x"), "");
  EXPECT_NE(key_problem("live//x"), "");
  EXPECT_NE(key_problem("live/x/"), "");
  EXPECT_NE(key_problem(std::string("a\0b", 3)), "");
  // What the default template makes of a hostile rendition.
  Json ev = {{"event", "segment"}, {"rendition", "../../x"}, {"path", "/data/seg0.ts"}};
  EXPECT_NE(key_problem(expand_key("{prefix}/{rendition}/{name}", "", ev)), "");
  Json up = {{"event", "segment"}, {"path", "/data/.."}};
  EXPECT_NE(key_problem(expand_key("{prefix}/{name}", "live", up)), "");
}

// --- lifecycle: the bucket's other rules are kept --------------------------

TEST(r2pushLifecycle, MergeKeepsOtherRulesAndReplacesTheSameId) {
  const std::string abort_rule =
      "<Rule><ID>Default Multipart Abort Rule</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>"
      "<AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload>"
      "</Rule>";
  const std::string got = "<?xml version=\"1.0\"?><LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/"
                          "2006-03-01/\">" + abort_rule + expire_rule(7, "live/") + expire_rule(9, "other/") +
                          "</LifecycleConfiguration>";
  std::vector<std::string> rules = lifecycle_rules(got);
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0], abort_rule);
  EXPECT_EQ(lifecycle_rule_id(rules[0]), "Default Multipart Abort Rule");
  EXPECT_EQ(lifecycle_rule_id(rules[1]), "r2push-expire:live/");

  std::vector<std::string> merged = merge_lifecycle_rule(rules, expire_rule(2, "live/"));
  ASSERT_EQ(merged.size(), 3u);
  EXPECT_EQ(merged[0], abort_rule);                    // kept byte for byte
  EXPECT_EQ(merged[1], expire_rule(2, "live/"));       // replaced in its place
  EXPECT_EQ(merged[2], expire_rule(9, "other/"));      // another prefix: another rule
  EXPECT_NE(merged[1].find("<Days>2</Days>"), std::string::npos);

  std::vector<std::string> fresh = merge_lifecycle_rule({}, expire_rule(2, ""));
  ASSERT_EQ(fresh.size(), 1u);
  std::string doc = lifecycle_configuration(fresh);
  EXPECT_EQ(doc.rfind("<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule>", 0), 0u);
  EXPECT_EQ(lifecycle_rules(doc), fresh);
  EXPECT_EQ(lifecycle_rule_id(expire_rule(1, "a&b/")), "r2push-expire:a&b/");
}

// --- settings: flags over environment ---------------------------------------

namespace {

// Sets (or, with nullopt, unsets) environment variables for one test and
// puts back what was there.
class ScopedEnv {
 public:
  ScopedEnv(std::initializer_list<std::pair<const char*, std::optional<std::string>>> vars) {
    for (const auto& [name, value] : vars) {
      const char* old = std::getenv(name);
      saved_.emplace(name, old ? std::optional<std::string>(old) : std::nullopt);
      if (value) {
        ::setenv(name, value->c_str(), 1);
      } else {
        ::unsetenv(name);
      }
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

// Every variable resolve() reads, cleared, with credentials set.
ScopedEnv clean_env() {
  return ScopedEnv{{"R2_ACCOUNT_ID", std::nullopt},
                   {"CLOUDFLARE_ACCOUNT_ID", std::nullopt},
                   {"R2_ENDPOINT", std::nullopt},
                   {"AWS_ENDPOINT_URL_S3", std::nullopt},
                   {"AWS_ENDPOINT_URL", std::nullopt},
                   {"R2_REGION", std::nullopt},
                   {"AWS_REGION", std::nullopt},
                   {"AWS_DEFAULT_REGION", std::nullopt},
                   {"R2_BUCKET", std::nullopt},
                   {"R2_SESSION_TOKEN", std::nullopt},
                   {"AWS_SESSION_TOKEN", std::nullopt},
                   {"AWS_ACCESS_KEY_ID", std::nullopt},
                   {"AWS_SECRET_ACCESS_KEY", std::nullopt},
                   {"R2_ACCESS_KEY_ID", "test-key-id"},
                   {"R2_SECRET_ACCESS_KEY", "test-secret"}};
}

Options s3_options() {
  Options o;
  o.to = "s3://live";
  return o;
}

}  // namespace

TEST(r2pushSettings, EndpointFromTheAccountId) {
  auto env = clean_env();
  {
    ScopedEnv account{{"R2_ACCOUNT_ID", "0123abcd"}};
    EXPECT_EQ(resolve(s3_options()).endpoint, "https://0123abcd.r2.cloudflarestorage.com");
  }
  {
    ScopedEnv account{{"CLOUDFLARE_ACCOUNT_ID", "cfacc"}};
    EXPECT_EQ(resolve(s3_options()).endpoint, "https://cfacc.r2.cloudflarestorage.com");
  }
  {
    ScopedEnv both{{"R2_ACCOUNT_ID", "r2acc"}, {"CLOUDFLARE_ACCOUNT_ID", "cfacc"}};
    EXPECT_EQ(resolve(s3_options()).endpoint, "https://r2acc.r2.cloudflarestorage.com");
    Options o = s3_options();
    o.account_id = "flagacc";
    EXPECT_EQ(resolve(o).endpoint, "https://flagacc.r2.cloudflarestorage.com");
  }
  {
    ScopedEnv endpoint{{"R2_ACCOUNT_ID", "r2acc"}, {"R2_ENDPOINT", "http://127.0.0.1:9000/"}};
    EXPECT_EQ(resolve(s3_options()).endpoint, "http://127.0.0.1:9000");  // an explicit endpoint wins
    Options o = s3_options();
    o.endpoint = "https://s3.example.com";
    EXPECT_EQ(resolve(o).endpoint, "https://s3.example.com");
  }
  EXPECT_THROW(resolve(s3_options()), Error);  // neither account nor endpoint
}

TEST(r2pushSettings, RegionFlagWinsOverEnvironment) {
  auto env = clean_env();
  ScopedEnv account{{"R2_ACCOUNT_ID", "acc"}};
  // R2: auto by default; a generic AWS_REGION must not leak into the scope.
  {
    ScopedEnv aws{{"AWS_REGION", "eu-west-1"}};
    EXPECT_EQ(resolve(s3_options()).region, "auto");
  }
  ScopedEnv r2{{"R2_REGION", "wnam"}};
  EXPECT_EQ(resolve(s3_options()).region, "wnam");
  Options o = s3_options();
  o.region = "auto";  // given explicitly: it wins, though it is the default
  EXPECT_EQ(resolve(o).region, "auto");
  o.region = "eu";
  EXPECT_EQ(resolve(o).region, "eu");

  // Another S3 service: R2_REGION, then AWS_REGION / AWS_DEFAULT_REGION.
  ScopedEnv other{{"R2_REGION", std::nullopt}, {"AWS_REGION", "eu-west-1"}, {"AWS_DEFAULT_REGION", "us-west-2"}};
  Options aws = s3_options();
  aws.endpoint = "https://s3.eu-west-1.amazonaws.com";
  EXPECT_EQ(resolve(aws).region, "eu-west-1");
  {
    ScopedEnv only_default{{"AWS_REGION", std::nullopt}};
    EXPECT_EQ(resolve(aws).region, "us-west-2");
  }
  aws.region = "auto";
  EXPECT_EQ(resolve(aws).region, "auto");
  aws.region = "ap-south-1";
  EXPECT_EQ(resolve(aws).region, "ap-south-1");
}

// --- deletes of keys written again, and the reuse warning -------------------

namespace {

using hlsmesh::test::TempDir;

void touch(const std::filesystem::path& p) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << "x";
}

}  // namespace

TEST(r2pushExpirer, CancelKeepsAKeyWrittenAgain) {
  TempDir tmp;
  Settings s;
  s.destination = parse_destination("file://" + (tmp.path / "www").string());
  http::Client client(1);
  Expirer expirer(s, client, nullptr);
  touch(tmp.path / "www/0/seg0.ts");
  touch(tmp.path / "www/0/seg1.ts");
  Json expire = {{"event", "expire"}, {"expire_after", 0.5}};
  expirer.on_expire(expire, "0/seg0.ts", 0);
  expirer.on_expire(expire, "0/seg1.ts", 0);
  expirer.cancel("0/seg0.ts");  // a restarted source wrote seg0.ts again
  EXPECT_EQ(expirer.pending(), 1u);
  expirer.pump(10000);
  EXPECT_TRUE(std::filesystem::exists(tmp.path / "www/0/seg0.ts"));
  EXPECT_FALSE(std::filesystem::exists(tmp.path / "www/0/seg1.ts"));
  EXPECT_EQ(expirer.cancelled(), 1u);
  EXPECT_EQ(expirer.deleted(), 1u);
  expirer.on_expire(expire, "0/seg0.ts", 10000);  // its own expire event later: deleted
  expirer.pump(20000);
  EXPECT_FALSE(std::filesystem::exists(tmp.path / "www/0/seg0.ts"));
}

TEST(r2pushExpirer, NeverUnlinksOutsideTheDirectory) {
  TempDir tmp;
  Settings s;
  s.destination = parse_destination("file://" + (tmp.path / "www").string());
  http::Client client(1);
  Expirer expirer(s, client, nullptr);
  touch(tmp.path / "victim");
  testing::internal::CaptureStderr();
  expirer.on_expire({{"event", "expire"}, {"expire_after", 0}}, "../victim", 0);
  expirer.pump(10000);
  std::string logged = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(std::filesystem::exists(tmp.path / "victim"));
  EXPECT_EQ(expirer.failed(), 1u);
  EXPECT_NE(logged.find("not deleting expired '../victim'"), std::string::npos) << logged;
}

TEST(r2pushKeyReuse, WarnsOnceWhenAKeyComesBackWithOtherContent) {
  KeyReuseWatch watch;
  EXPECT_FALSE(watch.on_upload("0/seg0.ts", 1000, "\"aaa\""));
  EXPECT_FALSE(watch.on_upload("0/seg1.ts", 1200, "\"bbb\""));
  EXPECT_FALSE(watch.on_upload("0/seg0.ts", 1000, "\"aaa\""));  // the same file again: fine
  auto warning = watch.on_upload("0/seg0.ts", 900, "\"ccc\"");
  ASSERT_TRUE(warning);
  EXPECT_NE(warning->find("segment key 0/seg0.ts was uploaded earlier in this run"), std::string::npos) << *warning;
  EXPECT_NE(warning->find("{stem}-{hash}.{ext}"), std::string::npos) << *warning;
  EXPECT_FALSE(watch.on_upload("0/seg1.ts", 700, "\"ddd\""));  // said once
  KeyReuseWatch small(2);
  EXPECT_FALSE(small.on_upload("a", 1, "x"));
  EXPECT_FALSE(small.on_upload("b", 1, "x"));
  EXPECT_FALSE(small.on_upload("c", 1, "x"));  // "a" forgotten
  EXPECT_FALSE(small.on_upload("a", 2, "y"));
  EXPECT_TRUE(small.on_upload("c", 2, "y"));
}
