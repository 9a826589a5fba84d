// The tracker on sequences of playlists, as sources write them: exactly-once
// emission, completion, restarts, ENDLIST, Owncast's offline segment.
#include "tools/hlswatch/tracker.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "common/m3u8.hpp"
#include "tools/hlswatch/discovery.hpp"

using namespace hlsmesh::hlswatch;
namespace m3u8 = hlsmesh::m3u8;

namespace {

// A fake directory: file name → state.
struct Files {
  std::map<std::string, FileState> files;
  void put(const std::string& name, uint64_t size, bool writing = false) {
    files["/d/" + name] = FileState{true, size, writing};
  }
  FileProbe probe() {
    return [this](const std::string& path) {
      auto it = files.find(path);
      return it == files.end() ? FileState{} : it->second;
    };
  }
};

// "#EXTM3U" playlist with the given first MSN and segment lines.
std::string playlist(uint64_t first, const std::vector<std::string>& names, int td = 2, bool endlist = false,
                     const std::string& extra_header = "") {
  std::string t = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:" + std::to_string(td) +
                  "\n#EXT-X-MEDIA-SEQUENCE:" + std::to_string(first) + "\n" + extra_header;
  for (const auto& n : names) {
    if (n.rfind("#", 0) == 0) {
      t += n + "\n";
      continue;
    }
    t += "#EXTINF:2.000000,\n" + n + "\n";
  }
  if (endlist) t += "#EXT-X-ENDLIST\n";
  return t;
}

struct Harness {
  Files files;
  Tracker tracker;
  int64_t now = 1000;
  explicit Harness(TrackerOptions o = {}) : tracker("/d", o, "test/0") {}

  std::vector<TrackerItem> feed(const std::string& text) {
    auto parsed = m3u8::parse(text);
    EXPECT_TRUE(parsed.complete);
    return tracker.on_playlist(std::get<m3u8::MediaPlaylist>(parsed.playlist), text_hash(text), files.probe(), now);
  }
};

std::vector<uint64_t> msns(const std::vector<TrackerItem>& items) {
  std::vector<uint64_t> out;
  for (const auto& i : items)
    if (auto s = std::get_if<ReadySegment>(&i)) out.push_back(s->msn);
  return out;
}
std::vector<bool> discs(const std::vector<TrackerItem>& items) {
  std::vector<bool> out;
  for (const auto& i : items)
    if (auto s = std::get_if<ReadySegment>(&i)) out.push_back(s->discontinuity);
  return out;
}
int ends(const std::vector<TrackerItem>& items) {
  int n = 0;
  for (const auto& i : items) n += std::holds_alternative<SourceEnded>(i);
  return n;
}
const ReadySegment& seg(const std::vector<TrackerItem>& items, size_t k) {
  size_t n = 0;
  for (const auto& i : items) {
    if (auto s = std::get_if<ReadySegment>(&i)) {
      if (n++ == k) return *s;
    }
  }
  throw std::out_of_range("no such segment");
}

}  // namespace

TEST(hlswatchTracker, EmitsEachNewSegmentOnceInOrder) {
  Harness h;
  for (int i = 0; i < 6; ++i) h.files.put("s" + std::to_string(i) + ".ts", 100 + i);
  EXPECT_EQ(msns(h.feed(playlist(0, {"s0.ts", "s1.ts", "s2.ts"}))), (std::vector<uint64_t>{0, 1, 2}));
  EXPECT_TRUE(msns(h.feed(playlist(0, {"s0.ts", "s1.ts", "s2.ts"}))).empty());
  auto items = h.feed(playlist(1, {"s1.ts", "s2.ts", "s3.ts"}));
  ASSERT_EQ(msns(items), (std::vector<uint64_t>{3}));
  EXPECT_EQ(seg(items, 0).path, "/d/s3.ts");
  EXPECT_EQ(seg(items, 0).bytes, 103u);
  EXPECT_EQ(seg(items, 0).target_duration, 2u);
  EXPECT_DOUBLE_EQ(seg(items, 0).duration, 2.0);
  EXPECT_FALSE(seg(items, 0).discontinuity);
  EXPECT_EQ(msns(h.feed(playlist(3, {"s3.ts", "s4.ts", "s5.ts"}))), (std::vector<uint64_t>{4, 5}));
}

TEST(hlswatchTracker, SegmentsPresentAtStartAreSkippedUnlessBacklog) {
  TrackerOptions o;
  o.existed_at_start = true;
  Harness h(o);
  for (int i = 0; i < 5; ++i) h.files.put("s" + std::to_string(i) + ".ts", 10);
  EXPECT_TRUE(h.feed(playlist(0, {"s0.ts", "s1.ts", "s2.ts"})).empty());
  EXPECT_EQ(msns(h.feed(playlist(0, {"s0.ts", "s1.ts", "s2.ts", "s3.ts"}))), (std::vector<uint64_t>{3}));

  o.backlog = 2;
  Harness b(o);
  b.files = h.files;
  EXPECT_EQ(msns(b.feed(playlist(0, {"s0.ts", "s1.ts", "s2.ts"}))), (std::vector<uint64_t>{1, 2}));
  o.backlog = 50;
  Harness all(o);
  all.files = h.files;
  EXPECT_EQ(msns(all.feed(playlist(0, {"s0.ts", "s1.ts", "s2.ts"}))), (std::vector<uint64_t>{0, 1, 2}));
}

TEST(hlswatchTracker, OnceEmitsEverythingOrTheBacklog) {
  TrackerOptions o;
  o.once = true;
  o.existed_at_start = true;
  Harness h(o);
  h.files.put("s0.ts", 1);
  h.files.put("s1.ts", 1, /*writing=*/true);  // --once does not wait for writers
  auto items = h.feed(playlist(0, {"s0.ts", "s1.ts"}, 2, true));
  EXPECT_EQ(msns(items), (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(ends(items), 1);
  o.backlog = 1;
  Harness b(o);
  b.files = h.files;
  EXPECT_EQ(msns(b.feed(playlist(0, {"s0.ts", "s1.ts"}))), (std::vector<uint64_t>{1}));
}

TEST(hlswatchTracker, ListedButMissingFileWaitsThenIsSkipped) {
  Harness h;
  h.files.put("s0.ts", 10);
  auto text = playlist(0, {"s0.ts", "s1.ts"});
  EXPECT_EQ(msns(h.feed(text)), (std::vector<uint64_t>{0}));
  ASSERT_TRUE(h.tracker.deadline().has_value());  // s1 is waited for
  h.now += 500;
  EXPECT_TRUE(h.feed(text).empty());
  h.now += 2000;  // longer than max(1 s, TD)
  EXPECT_TRUE(h.feed(text).empty());
  EXPECT_EQ(h.tracker.last_emitted(), 1u);  // skipped, never emitted later
  h.files.put("s1.ts", 10);
  h.files.put("s2.ts", 10);
  auto items = h.feed(playlist(0, {"s0.ts", "s1.ts", "s2.ts"}));
  EXPECT_EQ(msns(items), (std::vector<uint64_t>{2}));
  EXPECT_EQ(discs(items), (std::vector<bool>{true}));  // a hole in the stream
}

TEST(hlswatchTracker, SegmentStillBeingWrittenWaitsForItsFullSize) {
  Harness h;
  h.files.put("s0.ts", 10);
  h.files.put("s1.ts", 500, /*writing=*/true);  // listed before its writer closed it
  auto text = playlist(0, {"s0.ts", "s1.ts"});
  EXPECT_EQ(msns(h.feed(text)), (std::vector<uint64_t>{0}));
  EXPECT_TRUE(h.tracker.deadline().has_value());
  h.files.put("s1.ts", 900, /*writing=*/false);
  h.now += 30;
  auto items = h.feed(text);
  ASSERT_EQ(msns(items), (std::vector<uint64_t>{1}));
  EXPECT_EQ(seg(items, 0).bytes, 900u);
  EXPECT_FALSE(h.tracker.deadline().has_value());
}

TEST(hlswatchTracker, EmptyFileCountsAsNotThereYet) {
  Harness h;
  h.files.put("s0.ts", 0);
  EXPECT_TRUE(h.feed(playlist(0, {"s0.ts"})).empty());
  h.files.put("s0.ts", 188);
  EXPECT_EQ(msns(h.feed(playlist(0, {"s0.ts"}))), (std::vector<uint64_t>{0}));
}

TEST(hlswatchTracker, MediaSequenceGoingBackIsARestart) {
  Harness h;
  for (int i = 0; i < 10; ++i) h.files.put("s" + std::to_string(i) + ".ts", 10);
  h.feed(playlist(5, {"s5.ts", "s6.ts", "s7.ts"}));
  auto items = h.feed(playlist(0, {"s0.ts", "s1.ts"}));
  EXPECT_EQ(msns(items), (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(discs(items), (std::vector<bool>{true, false}));
  EXPECT_EQ(msns(h.feed(playlist(0, {"s0.ts", "s1.ts", "s2.ts"}))), (std::vector<uint64_t>{2}));
}

TEST(hlswatchTracker, SameMsnWithAnotherUriIsARestart) {
  Harness h;
  h.files.put("a-0.ts", 1);
  h.files.put("a-1.ts", 1);
  h.files.put("b-0.ts", 1);
  h.files.put("b-1.ts", 1);
  h.files.put("b-2.ts", 1);
  h.feed(playlist(0, {"a-0.ts", "a-1.ts"}));
  auto items = h.feed(playlist(0, {"b-0.ts", "b-1.ts", "b-2.ts"}));
  EXPECT_EQ(msns(items), (std::vector<uint64_t>{0, 1, 2}));
  EXPECT_EQ(discs(items), (std::vector<bool>{true, false, false}));
}

TEST(hlswatchTracker, TargetDurationChangeMarksADiscontinuity) {
  Harness h;
  for (int i = 0; i < 4; ++i) h.files.put("s" + std::to_string(i) + ".ts", 10);
  h.feed(playlist(0, {"s0.ts", "s1.ts"}, 2));
  auto items = h.feed(playlist(0, {"s0.ts", "s1.ts", "s2.ts"}, 4));
  EXPECT_EQ(msns(items), (std::vector<uint64_t>{2}));
  EXPECT_EQ(discs(items), (std::vector<bool>{true}));
  EXPECT_EQ(seg(items, 0).target_duration, 4u);
}

TEST(hlswatchTracker, NewFileNamePrefixMarksADiscontinuity) {
  Harness h;
  h.files.put("stream-AbC12x-41.ts", 1);
  h.files.put("stream-AbC12x-42.ts", 1);
  h.files.put("stream-ZZq9Yt-43.ts", 1);
  h.files.put("stream-ZZq9Yt-44.ts", 1);
  h.feed(playlist(41, {"stream-AbC12x-41.ts", "stream-AbC12x-42.ts"}));
  auto items = h.feed(playlist(41, {"stream-AbC12x-41.ts", "stream-AbC12x-42.ts", "stream-ZZq9Yt-43.ts",
                                    "stream-ZZq9Yt-44.ts"}));
  EXPECT_EQ(discs(items), (std::vector<bool>{true, false}));
}

TEST(hlswatchTracker, SourceDiscontinuityTagIsCarried) {
  Harness h;
  for (int i = 0; i < 3; ++i) h.files.put("s" + std::to_string(i) + ".ts", 10);
  auto items = h.feed(playlist(0, {"s0.ts", "#EXT-X-DISCONTINUITY", "s1.ts", "s2.ts"}));
  EXPECT_EQ(discs(items), (std::vector<bool>{false, true, false}));
}

TEST(hlswatchTracker, LineAlignedPartialReadIsNotARestart) {
  Harness h;
  for (int i = 0; i < 8; ++i) h.files.put("s" + std::to_string(i) + ".ts", 10);
  h.feed(playlist(2, {"s2.ts", "s3.ts", "s4.ts", "s5.ts"}));
  // Owncast truncates and rewrites in place: a read can stop after any line.
  EXPECT_TRUE(h.feed(playlist(2, {"s2.ts", "s3.ts"})).empty());
  h.now += 5;
  auto items = h.feed(playlist(3, {"s3.ts", "s4.ts", "s5.ts", "s6.ts"}));
  EXPECT_EQ(msns(items), (std::vector<uint64_t>{6}));
  EXPECT_EQ(discs(items), (std::vector<bool>{false}));
}

TEST(hlswatchTracker, ShrunkPlaylistThatReadsTheSameTwiceIsARestart) {
  Harness h;
  for (int i = 0; i < 8; ++i) h.files.put("s" + std::to_string(i) + ".ts", 10);
  h.feed(playlist(0, {"s0.ts", "s1.ts", "s2.ts", "s3.ts"}));
  // ffmpeg restarted with the same names and numbering: 0, 1 again.
  auto text = playlist(0, {"s0.ts", "s1.ts"});
  EXPECT_TRUE(h.feed(text).empty());
  ASSERT_TRUE(h.tracker.deadline().has_value());
  h.now = *h.tracker.deadline();
  auto items = h.feed(text);
  EXPECT_EQ(msns(items), (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(discs(items), (std::vector<bool>{true, false}));
}

TEST(hlswatchTracker, EndlistEmitsEndOnceAndTheNextRunStartsWithADiscontinuity) {
  Harness h;
  for (int i = 0; i < 4; ++i) h.files.put("s" + std::to_string(i) + ".ts", 10);
  h.feed(playlist(0, {"s0.ts", "s1.ts"}));
  auto items = h.feed(playlist(0, {"s0.ts", "s1.ts", "s2.ts"}, 2, true));
  EXPECT_EQ(msns(items), (std::vector<uint64_t>{2}));
  EXPECT_EQ(ends(items), 1);
  EXPECT_TRUE(std::holds_alternative<SourceEnded>(items.back()));
  EXPECT_EQ(ends(h.feed(playlist(0, {"s0.ts", "s1.ts", "s2.ts"}, 2, true))), 0);
  auto next = h.feed(playlist(0, {"s0.ts"}));  // a new run (hash differs; shrink confirmed below)
  h.now += 1000;
  next = h.feed(playlist(0, {"s0.ts"}));
  EXPECT_EQ(msns(next), (std::vector<uint64_t>{0}));
  EXPECT_EQ(discs(next), (std::vector<bool>{true}));
}

TEST(hlswatchTracker, OwncastOfflineSegmentIsReportedNotEmitted) {
  Harness h;
  for (int i = 0; i < 4; ++i) h.files.put("stream-a-" + std::to_string(i) + ".ts", 10);
  h.files.put("offline.ts", 5000);
  h.files.put("stream-b-0.ts", 10);
  h.feed(playlist(0, {"stream-a-0.ts", "stream-a-1.ts"}, 4));
  auto items = h.feed(playlist(0, {"stream-a-0.ts", "stream-a-1.ts", "#EXT-X-DISCONTINUITY", "offline.ts"}, 4, true));
  EXPECT_TRUE(msns(items).empty());
  EXPECT_EQ(ends(items), 1);
  // Owncast's next transcoder run: MSN 0 again, new names.
  auto next = h.feed(playlist(0, {"stream-b-0.ts"}, 4));
  EXPECT_EQ(msns(next), (std::vector<uint64_t>{0}));
  EXPECT_EQ(discs(next), (std::vector<bool>{true}));

  TrackerOptions keep;
  keep.keep_offline = true;
  Harness k(keep);
  k.files = h.files;
  k.feed(playlist(0, {"stream-a-0.ts"}, 4));
  auto kept = k.feed(playlist(0, {"stream-a-0.ts", "#EXT-X-DISCONTINUITY", "offline.ts"}, 4, true));
  ASSERT_EQ(msns(kept), (std::vector<uint64_t>{1}));
  EXPECT_EQ(seg(kept, 0).uri, "offline.ts");
  EXPECT_TRUE(seg(kept, 0).discontinuity);
}

TEST(hlswatchTracker, SourceGoneEndsOnceAndMarksTheNextSegment) {
  Harness h;
  h.files.put("s0.ts", 1);
  h.files.put("s1.ts", 1);
  h.feed(playlist(0, {"s0.ts"}));
  EXPECT_EQ(ends(h.tracker.on_source_gone("gone")), 1);
  EXPECT_EQ(ends(h.tracker.on_source_gone("gone")), 0);
  auto items = h.feed(playlist(0, {"s0.ts", "s1.ts"}));
  EXPECT_EQ(msns(items), (std::vector<uint64_t>{1}));
  EXPECT_EQ(discs(items), (std::vector<bool>{true}));
}

TEST(hlswatchTracker, GapAfterMissedSegmentsIsADiscontinuity) {
  Harness h;
  for (int i = 0; i < 12; ++i) h.files.put("s" + std::to_string(i) + ".ts", 1);
  h.feed(playlist(0, {"s0.ts", "s1.ts"}));
  auto items = h.feed(playlist(8, {"s8.ts", "s9.ts"}));
  EXPECT_EQ(msns(items), (std::vector<uint64_t>{8, 9}));
  EXPECT_EQ(discs(items), (std::vector<bool>{true, false}));
}

TEST(hlswatchTracker, ProgramDateTimeIsNormalisedAndCarriedForward) {
  Harness h;
  for (int i = 0; i < 3; ++i) h.files.put("s" + std::to_string(i) + ".ts", 1);
  auto items = h.feed(playlist(0, {"#EXT-X-PROGRAM-DATE-TIME:2026-11-23T17:00:00.500+0100", "s0.ts", "s1.ts"}));
  ASSERT_EQ(msns(items).size(), 2u);
  EXPECT_EQ(seg(items, 0).pdt, "2026-11-23T16:00:00.500Z");
  EXPECT_EQ(seg(items, 1).pdt, "2026-11-23T16:00:02.500Z");
  Harness none;
  none.files = h.files;
  EXPECT_FALSE(seg(none.feed(playlist(0, {"s0.ts"})), 0).pdt.has_value());
}

TEST(hlswatchTracker, Fmp4InitSectionGoesOutOnceBeforeItsFirstSegment) {
  Harness h;
  h.files.put("init.mp4", 700);
  h.files.put("s0.m4s", 10);
  h.files.put("s1.m4s", 10);
  auto items = h.feed(playlist(0, {"#EXT-X-MAP:URI=\"init.mp4\"", "s0.m4s", "s1.m4s"}, 2, false, ""));
  ASSERT_EQ(items.size(), 3u);
  auto* init = std::get_if<ReadyInit>(&items[0]);
  ASSERT_NE(init, nullptr);
  EXPECT_EQ(init->path, "/d/init.mp4");
  EXPECT_EQ(init->bytes, 700u);
  EXPECT_EQ(seg(items, 0).map, "init.mp4");
  EXPECT_EQ(seg(items, 1).map, "init.mp4");
  h.files.put("s2.m4s", 10);
  auto more = h.feed(playlist(0, {"#EXT-X-MAP:URI=\"init.mp4\"", "s0.m4s", "s1.m4s", "s2.m4s"}));
  EXPECT_EQ(more.size(), 1u);  // no second init
}

TEST(hlswatchTracker, PlaylistWithoutSegmentsOrTargetDurationTellsNothing) {
  Harness h;
  h.files.put("s0.ts", 1);
  EXPECT_TRUE(h.feed("#EXTM3U\n#EXT-X-VERSION:3\n").empty());
  EXPECT_FALSE(h.tracker.initialized());
  EXPECT_EQ(msns(h.feed(playlist(0, {"s0.ts"}))), (std::vector<uint64_t>{0}));
}

TEST(hlswatchTracker, NamePrefixAndResolve) {
  EXPECT_EQ(Tracker::name_prefix("stream-AbC12x-42.ts"), "stream-AbC12x-");
  EXPECT_EQ(Tracker::name_prefix("sub/stream17.ts?x=1"), "stream");
  EXPECT_EQ(Tracker::name_prefix("offline.ts"), "offline");
  EXPECT_EQ(Tracker::resolve("/d", "s1.ts"), "/d/s1.ts");
  EXPECT_EQ(Tracker::resolve("/d", "./s1.ts?hls_ctx=abc"), "/d/s1.ts");
  EXPECT_EQ(Tracker::resolve("/d/", "https://cdn.example/live/s1.ts"), "/d/s1.ts");
  EXPECT_EQ(Tracker::resolve("/d", "seg/s1.ts"), "/d/seg/s1.ts");
}

TEST(hlswatchTracker, UnnumberedNamesHaveNoRunPrefix) {
  Harness h;
  h.files.put("a.ts", 1);
  h.files.put("b.ts", 1);
  h.feed(playlist(0, {"a.ts"}));
  auto items = h.feed(playlist(0, {"a.ts", "b.ts"}));
  EXPECT_EQ(discs(items), (std::vector<bool>{false}));
}
