// Directory layouts hlswatch recognises, on real temporary directories.
#include "tools/hlswatch/discovery.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/lib/temp_dir.hpp"

using namespace hlsmesh::hlswatch;
namespace fs = std::filesystem;

namespace {

using hlsmesh::test::TempDir;

const char* kMedia = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:2.0,\ns0.ts\n";
const char* kMaster =
    "#EXTM3U\n#EXT-X-VERSION:3\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=1200000,CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=30.000\n"
    "0/stream.m3u8\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=640x360\n"
    "1/stream.m3u8\n";

}  // namespace

TEST(hlswatchDiscovery, VariantDirectoryIsOneRenditionNamedAfterIt) {
  TempDir t;
  t.write("0/stream.m3u8", kMedia);
  auto d = discover((t.path / "0").string(), "", "");
  ASSERT_EQ(d.kind, Discovery::Kind::media);
  ASSERT_EQ(d.renditions.size(), 1u);
  EXPECT_EQ(d.renditions[0].name, "0");
  EXPECT_EQ(d.renditions[0].playlist_path, (t.path / "0" / "stream.m3u8").string());
  EXPECT_EQ(discover((t.path / "0").string(), "", "hd").renditions[0].name, "hd");
}

TEST(hlswatchDiscovery, MasterPlaylistGivesEveryVariant) {
  TempDir t;
  t.write("stream.m3u8", kMaster);
  t.write("0/stream.m3u8", kMedia);
  t.write("1/stream.m3u8", kMedia);
  auto d = discover(t.path.string(), "", "");
  ASSERT_EQ(d.kind, Discovery::Kind::master);
  ASSERT_EQ(d.renditions.size(), 2u);
  EXPECT_EQ(d.renditions[0].name, "0");
  EXPECT_EQ(d.renditions[1].name, "1");
  EXPECT_EQ(d.renditions[1].dir, (t.path / "1").string());
  ASSERT_EQ(d.variants.size(), 2u);
  EXPECT_EQ(d.variants[0].bandwidth, 1200000u);
  EXPECT_EQ(d.variants[0].codecs, "avc1.64001f,mp4a.40.2");
  EXPECT_EQ(d.variants[0].resolution, "1280x720");
  ASSERT_TRUE(d.variants[0].frame_rate.has_value());
  EXPECT_DOUBLE_EQ(*d.variants[0].frame_rate, 30.0);
  auto json = master_renditions_json(d.variants);
  EXPECT_EQ(json[1]["rendition"], "1");
  EXPECT_EQ(json[1]["uri"], "1/stream.m3u8");
  EXPECT_FALSE(json[1].contains("codecs"));
}

TEST(hlswatchDiscovery, VariantSubdirectoriesWithoutMaster) {
  TempDir t;
  t.write("0/stream.m3u8", kMedia);
  t.write("1/stream.m3u8", kMedia);
  fs::create_directories(t.path / "empty");
  auto d = discover(t.path.string(), "", "");
  ASSERT_EQ(d.kind, Discovery::Kind::subdirs);
  ASSERT_EQ(d.renditions.size(), 2u);
  EXPECT_EQ(d.renditions[0].name, "0");
}

TEST(hlswatchDiscovery, HalfWrittenMasterMeansLookAgain) {
  TempDir t;
  t.write("stream.m3u8", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1200000\n");
  t.write("0/stream.m3u8", kMedia);
  auto d = discover(t.path.string(), "", "");
  EXPECT_TRUE(d.read_again);
  EXPECT_EQ(d.kind, Discovery::Kind::none);
}

TEST(hlswatchDiscovery, TempFilesAndMissingDirectory) {
  TempDir t;
  t.write("live.m3u8.temp", kMedia);  // SRS writes here, then renames
  t.write("s0.ts.tmp", "x");
  EXPECT_EQ(discover(t.path.string(), "", "").kind, Discovery::Kind::none);
  auto missing = discover((t.path / "nope").string(), "", "");
  EXPECT_EQ(missing.error, ENOENT);
}

TEST(hlswatchDiscovery, RenditionNames) {
  EXPECT_EQ(rendition_name_for_uri("0/stream.m3u8"), "0");
  EXPECT_EQ(rendition_name_for_uri("stream_1.m3u8?x=y"), "stream_1");
  EXPECT_EQ(rendition_name_for_uri("a/hd/index.m3u8"), "hd");
}
