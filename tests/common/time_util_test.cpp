#include "common/time_util.hpp"

#include <gtest/gtest.h>

using namespace hlsmesh;

TEST(TimeUtil, FormatAndParseRoundTrip) {
  auto t = parse_iso8601("2026-11-23T16:17:00.123Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_iso8601_ms(*t), "2026-11-23T16:17:00.123Z");
}

TEST(TimeUtil, Offsets) {
  auto a = parse_iso8601("2010-02-19T14:54:23.031+08:00");
  auto b = parse_iso8601("2010-02-19T06:54:23.031Z");
  auto c = parse_iso8601("2010-02-19T06:54:23.031+0000");  // ffmpeg writes +0000
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(*b, *c);
}

TEST(TimeUtil, RejectsMalformedAndZoneless) {
  EXPECT_FALSE(parse_iso8601("2010-02-19T14:54:23"));
  EXPECT_FALSE(parse_iso8601("yesterday"));
  EXPECT_FALSE(parse_iso8601("2010-13-19T14:54:23Z"));
  EXPECT_FALSE(parse_iso8601("2010-02-19T14:54:23Zjunk"));
}
