// Unit tests of r2push's pure parts: keys and their AWS encoding, canonical
// queries, destinations, content types, Retry-After, S3 answers.
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "tools/r2push/destination.hpp"
#include "tools/r2push/keys.hpp"
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
  EXPECT_EQ(join_url("https://cdn.example.com/live/", "0/s 1.ts"), "https://cdn.example.com/live/0/s%201.ts");
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
  for (const auto& h : put.headers) {
    EXPECT_NE(h.rfind("Expect", 0), 0u) << h;
    EXPECT_NE(h.rfind("X-Amz-Date", 0), 0u) << h;
  }
  auto del = api.delete_objects({"a&b.ts", "c.ts"});
  EXPECT_EQ(del.method, "POST");
  EXPECT_EQ(del.url, "http://127.0.0.1:9000/live?delete=");
  EXPECT_NE(del.body.find("<Key>a&amp;b.ts</Key>"), std::string::npos);
  EXPECT_EQ(api.put_bucket_cors({"https://a.example"}, 600).url, "http://127.0.0.1:9000/live?cors=");
  EXPECT_EQ(api.put_bucket_lifecycle(3, "live/").url, "http://127.0.0.1:9000/live?lifecycle=");
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
