#include "common/media_types.hpp"

#include <gtest/gtest.h>

using namespace hlsmesh;

TEST(MediaTypes, HlsFilesByExtensionAnyCase) {
  EXPECT_EQ(media_types::hls("m3u8"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(media_types::hls("M3U"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(media_types::hls("ts"), "video/mp2t");
  EXPECT_EQ(media_types::hls("m4s"), "video/iso.segment");
  EXPECT_EQ(media_types::hls("cmfa"), "audio/mp4");
  EXPECT_EQ(media_types::hls("html"), "");
  EXPECT_EQ(media_types::hls(""), "");
}

TEST(MediaTypes, ExtensionOfTheLastSegment) {
  EXPECT_EQ(media_types::extension_of("live/0/seg1.TS"), "TS");
  EXPECT_EQ(media_types::extension_of("live.d/index"), "");
  EXPECT_EQ(media_types::extension_of("noext"), "");
}
