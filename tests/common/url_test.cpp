#include "common/url.hpp"

#include <gtest/gtest.h>

using namespace hlsmesh;

TEST(Url, EncodeKeepsUnreservedAndSlashWhenAsked) {
  // AWS SigV4's encoding: upper-case hex, UTF-8 bytewise.
  EXPECT_EQ(url::encode("live/0/seg 1+é=.ts", true), "live/0/seg%201%2B%C3%A9%3D.ts");
  EXPECT_EQ(url::encode("a/b~c"), "a%2Fb~c");
  EXPECT_EQ(url::encode("wss://t.example/announce?x=1"), "wss%3A%2F%2Ft.example%2Fannounce%3Fx%3D1");
}

TEST(Url, JoinPutsOneSlashBetween) {
  EXPECT_EQ(url::join("http://cdn/live/", "./a.ts"), "http://cdn/live/a.ts");
  EXPECT_EQ(url::join("http://cdn/live", "/a.ts"), "http://cdn/live/a.ts");
  EXPECT_EQ(url::join("http://cdn/live//", "0/s.ts"), "http://cdn/live/0/s.ts");
  EXPECT_EQ(url::join("https://cdn.example.com/live/", url::encode("0/s 1.ts", true)),
            "https://cdn.example.com/live/0/s%201.ts");
}

TEST(Url, JoinLeavesAnAbsoluteUriAlone) {
  EXPECT_EQ(url::join("http://cdn/live", "https://other/a.ts"), "https://other/a.ts");
  EXPECT_TRUE(url::has_scheme("s3+http://x/y"));
  EXPECT_FALSE(url::has_scheme("seg:1.ts"));
  EXPECT_FALSE(url::has_scheme("1http://x"));
}
