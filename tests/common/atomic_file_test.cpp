#include "common/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "common/error.hpp"
#include "tests/lib/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {
using hlsmesh::test::TempDir;
}  // namespace

TEST(AtomicFile, WritesAndReplaces) {
  TempDir dir;
  auto target = dir.path / "playlist.m3u8";
  hlsmesh::write_file_atomic(target, "one\n");
  EXPECT_EQ(hlsmesh::read_file(target), "one\n");
  hlsmesh::write_file_atomic(target, "two\n");
  EXPECT_EQ(hlsmesh::read_file(target), "two\n");
  struct stat st {};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  // No temp file left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()), 1);
}

TEST(AtomicFile, ReaderNeverSeesPartialContent) {
  TempDir dir;
  auto target = dir.path / "big.bin";
  std::string a(1 << 20, 'a'), b(1 << 20, 'b');
  hlsmesh::write_file_atomic(target, a);
  std::atomic<bool> stop{false};
  std::atomic<int> partial{0}, reads{0};
  std::thread reader([&] {
    while (!stop) {
      std::string got = hlsmesh::read_file(target);
      ++reads;
      if (got != a && got != b) ++partial;
    }
  });
  for (int i = 0; i < 50; ++i) hlsmesh::write_file_atomic(target, i % 2 ? a : b);
  stop = true;
  reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(partial.load(), 0);
}

TEST(AtomicFile, ErrorNamesPathAndFix) {
  try {
    hlsmesh::write_file_atomic("/nonexistent-dir-hlsmesh/x.m3u8", "x");
    FAIL();
  } catch (const hlsmesh::Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("/nonexistent-dir-hlsmesh/x.m3u8"), std::string::npos) << m;
    EXPECT_NE(m.find("ENOENT"), std::string::npos) << m;
    EXPECT_EQ(e.exit(), hlsmesh::Exit::io);
  }
}

TEST(AtomicFile, LinkOnSameFileSystemCopyAcross) {
  TempDir dir;
  auto src = dir.path / "seg.ts";
  hlsmesh::write_file_atomic(src, "segment-bytes");
  EXPECT_TRUE(hlsmesh::link_or_copy_atomic(src, dir.path / "linked.ts"));
  EXPECT_EQ(hlsmesh::read_file(dir.path / "linked.ts"), "segment-bytes");
  if (fs::exists("/dev/shm")) {
    TempDir other("hlsmesh-test", "/dev/shm");
    struct stat a {}, b {};
    ::stat(dir.path.c_str(), &a);
    ::stat(other.path.c_str(), &b);
    if (a.st_dev != b.st_dev) {
      EXPECT_FALSE(hlsmesh::link_or_copy_atomic(src, other.path / "copied.ts"));
      EXPECT_EQ(hlsmesh::read_file(other.path / "copied.ts"), "segment-bytes");
    }
  }
  EXPECT_THROW(hlsmesh::link_or_copy_atomic(dir.path / "missing.ts", dir.path / "x.ts"), hlsmesh::Error);
}

TEST(AtomicFile, ReadFileWholeWhateverTheSizeSays) {
  TempDir dir;
  using hlsmesh::read_file;
  using hlsmesh::write_file_atomic;
  write_file_atomic(dir.path / "empty", "");
  EXPECT_EQ(read_file(dir.path / "empty"), "");
  std::string big(2 * 1024 * 1024 + 7, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
  write_file_atomic(dir.path / "seg.ts", big);
  EXPECT_EQ(read_file(dir.path / "seg.ts"), big);
  // /proc files say size 0 and have content: read to their end all the same.
  std::string status = read_file("/proc/self/status");
  EXPECT_NE(status.find("Name:"), std::string::npos);
  EXPECT_GT(status.size(), 100u);
  EXPECT_THROW(read_file(dir.path / "missing.ts"), hlsmesh::Error);
}
