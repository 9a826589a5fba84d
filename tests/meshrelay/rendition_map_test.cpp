// The renditions a master yields as p2p-media-loader's hls.js integration
// sees them, and the shared map that places feed segments and lets each be
// fetched once.
#include <gtest/gtest.h>

#include "common/m3u8.hpp"
#include "tools/meshrelay/master_renditions.hpp"
#include "tools/meshrelay/rendition_map.hpp"

using namespace hlsmesh::meshrelay;

namespace {

std::vector<Rendition> renditions(const std::string& text) {
  auto parsed = hlsmesh::m3u8::parse(text);
  EXPECT_TRUE(parsed.is_master());
  return renditions_of(std::get<hlsmesh::m3u8::MasterPlaylist>(parsed.playlist), "http://cdn.example/live/master.m3u8");
}

// Two renditions whose playlists list segments under live/0/ and live/1/.
void two_renditions(RenditionMap& map) {
  map.set({{0, LevelInfo{}, "http://cdn.example/live/0.m3u8"}, {1, LevelInfo{}, "http://cdn.example/live/1.m3u8"}});
  map.listed(0, 10, "http://cdn.example/live/0/seg10.ts");
  map.listed(1, 10, "http://cdn.example/live/1/seg10.ts");
}

}  // namespace

TEST(MasterRenditions, VariantsThenAudioRenditionsWithTheirOwnUri) {
  const auto r = renditions(
      "#EXTM3U\n"
      "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"English\",LANGUAGE=\"en\",CHANNELS=\"2\",URI=\"a/en.m3u8\"\n"
      "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"Deutsch\",LANGUAGE=\"de\",URI=\"a/de.m3u8\"\n"
      "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"sub\",NAME=\"en\",URI=\"s/en.m3u8\"\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS=\"avc1.64001e,mp4a.40.2\",AUDIO=\"aud\"\n"
      "v/360.m3u8\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=64000,CODECS=\"mp4a.40.2\"\n"
      "a/only.m3u8\n");
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].playlist_url, "http://cdn.example/live/v/360.m3u8");
  EXPECT_EQ(r[0].level.type, "main");
  EXPECT_EQ(r[0].level.video_codecs, "avc1.64001e");
  EXPECT_EQ(r[1].level.type, "main");  // an audio-only variant is a level like any other
  EXPECT_EQ(r[1].level.position, 1);
  EXPECT_EQ(r[2].level.type, "secondary");
  EXPECT_EQ(r[2].playlist_url, "http://cdn.example/live/a/en.m3u8");
  EXPECT_EQ(r[2].level.position, 0);
  EXPECT_EQ(r[2].level.audio_codecs, "mp4a.40.2");  // from the group's variant
  EXPECT_EQ(r[2].level.language, "en");
  EXPECT_EQ(r[2].level.channels, "2");
  EXPECT_EQ(r[3].level.name, "Deutsch");
  EXPECT_EQ(r[3].level.position, 1);
  for (std::size_t k = 0; k < r.size(); ++k) EXPECT_EQ(r[k].stream, static_cast<int>(k));
}

TEST(MasterRenditions, AMainAudioTrackComesFirstWhenTheVariantsCarryAudioAndNameNoGroup) {
  // hls.js unshifts a "main" track: the alternative one is then number 1 for 2.2.
  const auto r = renditions(
      "#EXTM3U\n"
      "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"Commentary\",URI=\"c.m3u8\"\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS=\"avc1.64001e,mp4a.40.2\"\n"
      "v.m3u8\n");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].level.type, "secondary");
  EXPECT_EQ(r[1].level.position, 1);
  EXPECT_EQ(r[1].level.name, "Commentary");
}

TEST(RenditionMap, PlacesAFeedSegmentByItsDirectoryThenByTheNameLearned) {
  RenditionMap map;
  two_renditions(map);
  auto placed = map.place("src/1", "http://cdn.example/live/1/seg11.ts");
  ASSERT_TRUE(placed);
  EXPECT_EQ(placed->stream, 1);
  // Learned: the same name without a URL goes to the same rendition.
  placed = map.place("src/1", "");
  ASSERT_TRUE(placed);
  EXPECT_EQ(placed->stream, 1);
  EXPECT_FALSE(map.place("other/hd", "http://elsewhere.example/hd/seg1.ts"));
  EXPECT_FALSE(map.place("other/sd", ""));
}

TEST(RenditionMap, ADirectorySharedByRenditionsPlacesNothingButAPlaylistEventNamesOne) {
  RenditionMap map;
  map.set({{0, LevelInfo{}, "http://cdn.example/live/a.m3u8"}, {1, LevelInfo{}, "http://cdn.example/live/b.m3u8"}});
  map.listed(0, 1, "http://cdn.example/live/a1.ts");
  map.listed(1, 1, "http://cdn.example/live/b1.ts");
  EXPECT_FALSE(map.place("s/b", "http://cdn.example/live/b2.ts"));
  map.name_playlist("s/b", "http://cdn.example/live/b.m3u8");
  auto placed = map.place("s/b", "http://cdn.example/live/b2.ts");
  ASSERT_TRUE(placed);
  EXPECT_EQ(placed->stream, 1);
}

TEST(RenditionMap, EachSegmentIsClaimedOnceAndAgainAfterAFailedFetchThreeTimesAtMost) {
  RenditionMap map;
  two_renditions(map);
  map.set_floor(0, 10);
  EXPECT_FALSE(map.claim(0, 9, "u9", true)) << "below the floor";
  EXPECT_TRUE(map.claim(0, 11, "u11", true));
  EXPECT_FALSE(map.claim(0, 11, "u11", false)) << "the other source";
  EXPECT_TRUE(map.claim(1, 11, "v11", false)) << "another rendition";
  for (int k = 0; k < 2; ++k) {
    map.release(0, 11);
    EXPECT_TRUE(map.claim(0, 11, "u11", false));
  }
  map.release(0, 11);
  EXPECT_FALSE(map.claim(0, 11, "u11", false)) << "failed 3 times";
}

TEST(RenditionMap, AFeedWhoseNumbersDisagreeWithThePlaylistIsNoLongerTrusted) {
  RenditionMap map;
  two_renditions(map);
  ASSERT_TRUE(map.claim(0, 12, "http://cdn.example/live/0/seg13.ts", true));
  EXPECT_FALSE(map.listed(0, 12, "http://cdn.example/live/0/seg12.ts"));
  EXPECT_TRUE(map.listed(0, 12, "http://cdn.example/live/0/seg12.ts")) << "said once";
  EXPECT_FALSE(map.claim(0, 14, "http://cdn.example/live/0/seg14.ts", true));
  EXPECT_TRUE(map.claim(0, 14, "http://cdn.example/live/0/seg14.ts", false));
  EXPECT_TRUE(map.claim(1, 14, "http://cdn.example/live/1/seg14.ts", true)) << "the other rendition still is";
}

TEST(RenditionMap, UrlDirectoryDropsQueryAndFile) {
  EXPECT_EQ(url_directory("http://h/live/0/seg1.ts?token=x/y"), "http://h/live/0/");
  EXPECT_EQ(url_directory("seg1.ts"), "");
}

TEST(RenditionMap, OnlyARenditionTheFeedBringsIsPolledSlowly) {
  RenditionMap map;
  two_renditions(map);
  EXPECT_FALSE(map.fed_within(0, 6));
  ASSERT_TRUE(map.claim(0, 11, "http://cdn.example/live/0/seg11.ts", true));
  ASSERT_TRUE(map.claim(1, 11, "http://cdn.example/live/1/seg11.ts", false));
  EXPECT_TRUE(map.fed_within(0, 6));
  EXPECT_FALSE(map.fed_within(1, 6)) << "brought by the playlist";
  EXPECT_FALSE(map.fed_within(0, 0));
}
