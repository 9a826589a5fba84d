#include "common/http_client.hpp"

#include <gtest/gtest.h>

using namespace hlsmesh::http;

TEST(HttpUtil, RedactUrlHidesCredentialsAndQueryValues) {
  EXPECT_EQ(redact_url("https://user:secret@cdn.example.com/live/p.m3u8?token=abc&X-Amz-Signature=ff"),
            "https://***@cdn.example.com/live/p.m3u8?token=***&X-Amz-Signature=***");
  EXPECT_EQ(redact_url("http://127.0.0.1:8000/live/p.m3u8"), "http://127.0.0.1:8000/live/p.m3u8");
}

TEST(HttpClient, ConnectionRefusedIsReportedNotThrown) {
  Client client;
  Request rq;
  rq.url = "http://127.0.0.1:1/";  // nothing listens on port 1
  rq.timeout_ms = 3000;
  Response r = client.perform(rq);
  EXPECT_NE(r.curl_code, CURLE_OK);
  EXPECT_FALSE(r.error.empty());
  EXPECT_FALSE(r.ok());
}
