// Unit tests of torrentseed's pure parts: torrent creation against
// libtorrent's own file-hashing path, parallel piece hashing against
// single-threaded, magnets, base64, the window, the output queue, the store
// (and its sweep of a killed run's copies), and follow mode's replay memory.
#include <gtest/gtest.h>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/hasher.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/lib/temp_dir.hpp"
#include "tools/torrentseed/output_queue.hpp"
#include "tools/torrentseed/follower.hpp"
#include "tools/torrentseed/piece_hasher.hpp"
#include "tools/torrentseed/recent_set.hpp"
#include "tools/torrentseed/store.hpp"
#include "tools/torrentseed/torrent_maker.hpp"
#include "tools/torrentseed/window.hpp"

namespace fs = std::filesystem;
using namespace hlsmesh::torrentseed;

namespace {

std::string pattern_bytes(std::size_t size, unsigned seed) {
  std::string bytes(size, '\0');
  unsigned x = seed * 2654435761u + 1;
  for (auto& b : bytes) {
    x = x * 1103515245u + 12345u;
    b = static_cast<char>(x >> 24);
  }
  return bytes;
}

using hlsmesh::test::TempDir;

}  // namespace

TEST(torrentseed_maker, InMemoryHashingMatchesLibtorrentFileHashing) {
  TempDir dir;
  std::string content = pattern_bytes(2 * 1024 * 1024 + 12345, 7);
  std::ofstream(dir.path / "seg42.ts", std::ios::binary) << content;

  TorrentSpec spec;
  spec.name = "seg42.ts";
  MadeTorrent made = make_torrent(content, spec);

  lt::file_storage files;
  lt::add_files(files, (dir.path / "seg42.ts").string());
  lt::create_torrent reference(files, 256 * 1024, lt::create_torrent::v1_only);
  lt::set_piece_hashes(reference, dir.path.string());
  auto buffer = reference.generate_buf();
  lt::torrent_info expected(buffer, lt::from_span);

  EXPECT_EQ(made.infohash, infohash_hex(expected.info_hashes()));
  EXPECT_EQ(made.info->num_pieces(), 9);  // ceil((2 MiB + 12345) / 256 KiB)
  EXPECT_EQ(made.info->piece_length(), 256 * 1024);
  EXPECT_EQ(made.info->num_files(), 1);
  EXPECT_FALSE(made.info->info_hashes().has_v2());
  EXPECT_TRUE(is_infohash(made.infohash));
}

TEST(torrentseed_maker, WebSeedTrackersAndMagnet) {
  TorrentSpec spec;
  spec.name = "seg 1.ts";
  spec.web_seed_url = "https://cdn.example.com/live/seg 1.ts";
  spec.trackers = {"http://127.0.0.1:8000/announce", "udp://tracker.example:6969"};
  MadeTorrent made = make_torrent(pattern_bytes(100000, 1), spec);
  ASSERT_EQ(made.info->web_seeds().size(), 1u);
  // libtorrent percent-encodes what a URL may not contain (the space).
  EXPECT_EQ(made.info->web_seeds()[0].url, "https://cdn.example.com/live/seg%201.ts");
  ASSERT_EQ(made.info->trackers().size(), 2u);

  std::string magnet = make_magnet(*made.info, {"wss://tracker.example/announce"});
  EXPECT_EQ(magnet.rfind("magnet:?xt=urn:btih:" + made.infohash, 0), 0u) << magnet;
  EXPECT_NE(magnet.find("&tr=wss%3A%2F%2Ftracker.example%2Fannounce"), std::string::npos) << magnet;
  EXPECT_EQ(magnet.find("btmh"), std::string::npos) << "v1 only: no v2 hash in the magnet";

  lt::add_torrent_params parsed = lt::parse_magnet_uri(magnet);
  EXPECT_EQ(infohash_hex(parsed.info_hashes), made.infohash);
  EXPECT_EQ(parsed.trackers.size(), 3u);  // two from the torrent, the ws one appended
  ASSERT_EQ(parsed.url_seeds.size(), 1u);
  EXPECT_EQ(parsed.url_seeds[0], "https://cdn.example.com/live/seg%201.ts");
  EXPECT_EQ(parsed.name, "seg 1.ts");
}

TEST(torrentseed_maker, RejectsEmptyContentAndBadPieceSize) {
  TorrentSpec spec;
  spec.name = "x.ts";
  EXPECT_THROW(make_torrent("", spec), std::invalid_argument);
  spec.piece_size = 1000;
  EXPECT_THROW(make_torrent("abc", spec), std::invalid_argument);
}

// Parallel hashing (threads reading their pieces with pread) must give the
// byte-identical .torrent of single-threaded in-memory hashing, whatever the
// size: below one piece, exactly one, one byte over, many, not a multiple.
TEST(torrentseed_hasher, ParallelHashingIsByteIdenticalToSingleThreaded) {
  TempDir dir;
  constexpr int piece = 256 * 1024;
  const std::size_t sizes[] = {1, 16383, piece - 1, piece, piece + 1, 2 * 1024 * 1024, 2 * 1024 * 1024 + 12345,
                               8 * piece, 5 * 1024 * 1024 + 7};
  PieceHasher one(1), two(2), four(4), eight(8);
  ASSERT_EQ(one.threads(), 1);
  ASSERT_EQ(four.threads(), 4);
  unsigned seed = 0;
  for (std::size_t size : sizes) {
    SCOPED_TRACE("size " + std::to_string(size));
    std::string content = pattern_bytes(size, ++seed);
    fs::path file = dir.path / ("seg" + std::to_string(seed) + ".ts");
    std::ofstream(file, std::ios::binary) << content;
    TorrentSpec spec;
    spec.name = file.filename().string();
    spec.web_seed_url = "https://cdn.example.com/" + spec.name;
    spec.piece_size = piece;
    MadeTorrent reference = make_torrent(content, spec);

    SegmentStore::Opened opened = SegmentStore::open(file);
    ASSERT_EQ(opened.size, static_cast<std::int64_t>(size));
    for (PieceHasher* hasher : {&one, &two, &four, &eight}) {
      SCOPED_TRACE("threads " + std::to_string(hasher->threads()));
      auto from_file = hasher->hash_file(opened.fd.get(), opened.size, piece, file.string());
      auto from_memory = hasher->hash_bytes(content, piece);
      ASSERT_EQ(from_file.size(), static_cast<std::size_t>(reference.info->num_pieces()));
      EXPECT_EQ(from_file, from_memory);
      MadeTorrent made = make_torrent(opened.size, from_file, spec);
      // Byte-identical info dictionary (only "creation date" outside it may
      // differ between two calls a second apart).
      auto made_info = made.info->info_section();
      auto reference_info = reference.info->info_section();
      EXPECT_EQ(std::string(made_info.data(), static_cast<std::size_t>(made_info.size())),
                std::string(reference_info.data(), static_cast<std::size_t>(reference_info.size())));
      EXPECT_EQ(made.buffer.size(), reference.buffer.size());
      EXPECT_EQ(made.infohash, reference.infohash);
    }
  }
}

// One pool serves segment after segment: no piece of one job may land in
// another (a worker waking late, a job with fewer pieces than threads).
TEST(torrentseed_hasher, PoolReusedAcrossManyJobs) {
  PieceHasher pool(4);
  constexpr int piece = 16 * 1024;
  for (unsigned job = 0; job < 300; ++job) {
    std::size_t size = 1 + (job * 7919u) % (12 * piece);
    std::string content = pattern_bytes(size, job);
    auto hashes = pool.hash_bytes(content, piece);
    ASSERT_EQ(hashes.size(), (size + piece - 1) / piece) << job;
    for (std::size_t i = 0; i < hashes.size(); ++i) {
      std::string_view chunk = std::string_view(content).substr(i * piece, piece);
      ASSERT_EQ(hashes[i], lt::hasher(chunk.data(), static_cast<int>(chunk.size())).final()) << job << "/" << i;
    }
  }
}

TEST(torrentseed_hasher, ShortFileAndBadDescriptorThrow) {
  TempDir dir;
  fs::path file = dir.path / "short.ts";
  std::ofstream(file, std::ios::binary) << pattern_bytes(100000, 3);
  SegmentStore::Opened opened = SegmentStore::open(file);
  PieceHasher pool(3);
  // The file claims more bytes than it has (it shrank after the fstat).
  try {
    pool.hash_file(opened.fd.get(), 300000, 16 * 1024, file.string());
    ADD_FAILURE() << "no error for a file shorter than its size";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("shrank"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
  EXPECT_THROW(pool.hash_file(-1, 100000, 16 * 1024, "nothing"), std::exception);
  // The pool still works after a failed job.
  EXPECT_EQ(pool.hash_file(opened.fd.get(), opened.size, 16 * 1024, file.string()).size(), 7u);
  EXPECT_THROW(SegmentStore::open(dir.path / "missing.ts"), std::exception);
}

TEST(torrentseed_maker, Base64RoundTrip) {
  for (std::size_t n : {0u, 1u, 2u, 3u, 4u, 5u, 311u, 1000u}) {
    std::string bytes = pattern_bytes(n, static_cast<unsigned>(n));
    auto decoded = base64_decode(base64_encode(bytes));
    ASSERT_TRUE(decoded.has_value()) << n;
    EXPECT_EQ(*decoded, bytes) << n;
  }
  EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
  EXPECT_FALSE(base64_decode("abc").has_value());
  EXPECT_FALSE(base64_decode("!!!!").has_value());
}

TEST(torrentseed_window, KeepsTheLastN) {
  SegmentWindow window(3);
  std::vector<std::string> evicted;
  for (int i = 0; i < 10; ++i) {
    nlohmann::json event = {{"event", "segment"}, {"path", "/s/" + std::to_string(i)}, {"msn", i}};
    for (const auto& e : window.push(event, "ih" + std::to_string(i))) evicted.push_back(e.infohash);
  }
  EXPECT_EQ(window.size(), 3u);
  ASSERT_EQ(evicted.size(), 7u);
  EXPECT_EQ(evicted.front(), "ih0");
  EXPECT_EQ(evicted.back(), "ih6");
}

TEST(torrentseed_window, ExpireMatchesByPathMsnUrlOrInfohash) {
  SegmentWindow window(60);
  for (int i = 0; i < 5; ++i) {
    window.push({{"event", "segment"},
                 {"stream", "live"},
                 {"rendition", "720p"},
                 {"msn", i},
                 {"path", "/hls/" + std::to_string(i) + ".ts"},
                 {"url", "https://cdn/" + std::to_string(i) + ".ts"}},
                "ih" + std::to_string(i));
  }
  auto by_path = window.expire({{"event", "expire"}, {"path", "/hls/1.ts"}});
  ASSERT_EQ(by_path.size(), 1u);
  EXPECT_EQ(by_path[0].infohash, "ih1");
  auto by_msn = window.expire({{"event", "expire"}, {"stream", "live"}, {"rendition", "720p"}, {"msn", 3}});
  ASSERT_EQ(by_msn.size(), 1u);
  EXPECT_EQ(by_msn[0].infohash, "ih3");
  auto by_url = window.expire({{"event", "expire"}, {"url", "https://cdn/0.ts"}});
  ASSERT_EQ(by_url.size(), 1u);
  EXPECT_EQ(by_url[0].infohash, "ih0");
  auto by_ih = window.expire({{"event", "expire"}, {"infohash", "ih4"}});
  ASSERT_EQ(by_ih.size(), 1u);
  EXPECT_TRUE(window.expire({{"event", "expire"}, {"path", "/hls/1.ts"}}).empty()) << "already gone";
  EXPECT_TRUE(window.expire({{"event", "expire"}, {"msn", 3}, {"rendition", "1080p"}}).empty()) << "other rendition";
  EXPECT_EQ(window.size(), 1u);
}

TEST(torrentseed_window, ExpiredSlotsStayBounded) {
  // One segment never expires; all others do: the window must not grow.
  SegmentWindow window(60);
  for (int i = 0; i < 10000; ++i) {
    nlohmann::json event = {{"event", "segment"}, {"path", "/s/" + std::to_string(i)}};
    window.push(event, "ih" + std::to_string(i));
    if (i > 0) window.expire({{"event", "expire"}, {"path", "/s/" + std::to_string(i)}});
  }
  EXPECT_LE(window.size(), 1u);
  EXPECT_TRUE(window.clear().empty());
}

TEST(torrentseed_output, KeepsOrderAndHoldsBackWaitingEvents) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  hlsmesh::EventWriter writer(fds[1]);
  OutputQueue queue;
  queue.push({{"event", "a"}});
  queue.push({{"event", "b"}}, "ih1");
  queue.push({{"event", "c"}});
  queue.push({{"event", "d"}}, "ih2");
  queue.flush(writer);
  EXPECT_EQ(writer.written(), 1u);
  EXPECT_TRUE(queue.waiting());
  queue.resolve("ih2", [](hlsmesh::Json&) { return false; });  // dropped
  queue.flush(writer);
  EXPECT_EQ(writer.written(), 1u) << "b still holds c and d back";
  queue.resolve("ih1", [](hlsmesh::Json& e) {
    e["x"] = 1;
    return true;
  });
  queue.flush(writer);
  EXPECT_EQ(writer.written(), 3u);
  EXPECT_FALSE(queue.waiting());
  ::close(fds[1]);
  std::string out(4096, '\0');
  out.resize(static_cast<std::size_t>(::read(fds[0], out.data(), out.size())));
  ::close(fds[0]);
  EXPECT_EQ(out, "{\"event\":\"a\"}\n{\"event\":\"b\",\"x\":1}\n{\"event\":\"c\"}\n");
}

TEST(torrentseed_store, LinksPlacesAndRemoves) {
  TempDir dir;
  fs::path source = dir.path / "seg1.ts";
  std::ofstream(source) << "segment bytes";
  fs::path placed;
  {
    SegmentStore store((dir.path / "store").string());
    fs::path staged = store.stage(source);
    EXPECT_EQ(fs::hard_link_count(source), 2u) << "same file system: a hard link, not a copy";
    placed = store.place(staged, "abcd", "seg1.ts");
    store.claim("abcd");
    EXPECT_EQ(placed, dir.path / "store" / "abcd" / "seg1.ts");
    fs::remove(source);  // the source deleting the segment must not matter
    std::ifstream in(placed);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, "segment bytes");
    EXPECT_EQ(store.copies(), 0u);
    EXPECT_THROW(store.stage(dir.path / "missing.ts"), std::exception);
  }
  EXPECT_FALSE(fs::exists(placed)) << "stored copies go with their torrents at exit";
  EXPECT_TRUE(fs::exists(dir.path / "store"));
}

// Across file systems stage() must copy (a hard link is impossible), and the
// copy must hold the same bytes.
TEST(torrentseed_store, CopiesAcrossFileSystems) {
  TempDir dir;
  struct stat shm {}, tmp {};
  if (::stat("/dev/shm", &shm) != 0 || ::stat(dir.path.c_str(), &tmp) != 0 || shm.st_dev == tmp.st_dev ||
      ::access("/dev/shm", W_OK) != 0) {
    GTEST_SKIP() << "needs a writable /dev/shm on another file system than " << dir.path;
  }
  TempDir other_dir("ts-test", "/dev/shm");
  const fs::path other = other_dir.path;
  std::string content = pattern_bytes(300000, 9);
  std::ofstream(other / "seg.ts", std::ios::binary) << content;
  {
    SegmentStore store((dir.path / "store").string());
    fs::path staged = store.stage(other / "seg.ts");
    EXPECT_EQ(store.copies(), 1u);
    EXPECT_EQ(fs::hard_link_count(other / "seg.ts"), 1u);
    fs::remove_all(other);
    std::ifstream in(staged, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, content);
  }
  fs::remove_all(other);
}

// remove(infohash, name): the stored copy and its directory go; other files
// there (a part file) are walked away too; a name that is not a plain file
// name never reaches outside the torrent's directory.
TEST(torrentseed_store, RemovesByNameWithFallback) {
  TempDir dir;
  std::ofstream(dir.path / "outside.ts") << "not the store's";
  SegmentStore store((dir.path / "store").string());
  for (const char* ih : {"aa", "bb", "cc"}) {
    std::ofstream(dir.path / "src.ts") << "bytes";
    store.place(store.stage(dir.path / "src.ts"), ih, "seg.ts");
    store.claim(ih);
  }
  std::ofstream(store.dir_for("bb") / ".bb.parts") << "part";
  store.remove("aa", "seg.ts");
  EXPECT_FALSE(fs::exists(store.dir_for("aa")));
  store.remove("bb", "seg.ts");
  EXPECT_FALSE(fs::exists(store.dir_for("bb"))) << "a directory with more than the segment is walked";
  store.remove("cc", "../../outside.ts");
  EXPECT_FALSE(fs::exists(store.dir_for("cc")));
  EXPECT_TRUE(fs::exists(dir.path / "outside.ts")) << "a name with a slash must not be unlinked";
}

TEST(torrentseed_store, PrivateStoreIsRemoved) {
  fs::path root;
  {
    SegmentStore store("");
    root = store.root();
    EXPECT_TRUE(fs::is_directory(root));
  }
  EXPECT_FALSE(fs::exists(root));
}

// A persistent store swept at start: the DIR/<infohash>/ folders a killed run
// left go, and only those (exactly 40 lowercase hex digits, a real directory).
TEST(torrentseed_store, RemovesStoredCopiesOfAKilledRunOnly) {
  TempDir dir;
  const fs::path root = dir.path / "store";
  const std::string ih1(40, 'a');
  const std::string ih2 = "0123456789abcdef0123456789abcdef01234567";
  fs::create_directories(root / ih1);
  std::ofstream(root / ih1 / "seg1.ts") << "left behind";
  std::ofstream(root / ih1 / ".seg1.ts.parts") << "part";
  fs::create_directories(root / ih2);
  std::ofstream(root / ih2 / "seg2.ts") << "left behind";
  const std::string upper = "0123456789ABCDEF0123456789ABCDEF01234567";
  const std::string short_name(39, 'b');
  const std::string long_name(41, 'c');
  const std::string not_hex = std::string(39, 'd') + "g";
  for (const auto& keep : {upper, short_name, long_name, not_hex, std::string("playlists")}) {
    fs::create_directories(root / keep);
    std::ofstream(root / keep / "mine.txt") << "not torrentseed's";
  }
  const std::string file_name(40, 'e');
  std::ofstream(root / file_name) << "a file, not a stored copy";
  fs::create_directories(dir.path / "elsewhere");
  std::ofstream(dir.path / "elsewhere" / "keep.ts") << "outside the store";
  const std::string link_name(40, 'f');
  fs::create_directory_symlink(dir.path / "elsewhere", root / link_name);

  testing::internal::CaptureStderr();
  {
    SegmentStore store(root.string());
    EXPECT_EQ(store.leftovers_removed(), 2u);
  }
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_FALSE(fs::exists(root / ih1));
  EXPECT_FALSE(fs::exists(root / ih2));
  for (const auto& keep : {upper, short_name, long_name, not_hex, std::string("playlists")}) {
    EXPECT_TRUE(fs::exists(root / keep / "mine.txt")) << keep;
  }
  EXPECT_TRUE(fs::is_regular_file(root / file_name));
  EXPECT_TRUE(fs::is_symlink(root / link_name)) << "a symlink is not a stored copy";
  EXPECT_TRUE(fs::exists(dir.path / "elsewhere" / "keep.ts"));
  EXPECT_NE(log.find("removed 2 stored segment copies"), std::string::npos) << log;
  std::size_t lines = 0;
  for (char c : log) lines += c == '\n';
  EXPECT_EQ(lines, 1u) << log;

  // A clean store: nothing to say.
  testing::internal::CaptureStderr();
  { SegmentStore store(root.string()); EXPECT_EQ(store.leftovers_removed(), 0u); }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

TEST(torrentseed_recent, RemembersTheLastNAndReportsRepeats) {
  RecentSet recent(3);
  EXPECT_TRUE(recent.insert("a"));
  EXPECT_TRUE(recent.insert("b"));
  EXPECT_FALSE(recent.insert("a")) << "a repeat";
  EXPECT_TRUE(recent.insert("c"));
  EXPECT_TRUE(recent.insert("d"));  // "a" is forgotten
  EXPECT_EQ(recent.size(), 3u);
  EXPECT_FALSE(recent.contains("a"));
  EXPECT_TRUE(recent.contains("b") && recent.contains("c") && recent.contains("d"));
  EXPECT_TRUE(recent.insert("a"));
  for (int i = 0; i < 10000; ++i) recent.insert(std::to_string(i));
  EXPECT_EQ(recent.size(), 3u) << "bounded";
  EXPECT_EQ(RecentSet(0).capacity(), 1u);
}

// Big enough for a few times the window and for sigd's default --feed-backlog
// (60) even with a tiny --keep.
TEST(torrentseed_recent, FollowerCapacityCoversWindowAndFeedBacklog) {
  EXPECT_GE(Follower::recent_capacity(2), 60u * 4);
  EXPECT_EQ(Follower::recent_capacity(1000), 4000u);
}
