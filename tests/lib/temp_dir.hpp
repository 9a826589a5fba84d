#pragma once
// Test support every gtest shares: a fresh directory that goes away, with
// everything in it, when the object does.
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace hlsmesh::test {

class TempDir {
 public:
  // A new directory `<base>/<name>-XXXXXX`.
  explicit TempDir(std::string_view name = "hlsmesh-test",
                   const std::filesystem::path& base = std::filesystem::temp_directory_path()) {
    std::string pattern = (base / (std::string(name) + "-XXXXXX")).string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp " + pattern + " failed");
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // tmpfs when there is one, for tests that write (and fsync) many files.
  static std::filesystem::path memory_base() {
    std::error_code ec;
    if (std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0) return "/dev/shm";
    return std::filesystem::temp_directory_path();
  }

  // The path of `rel` inside, as text.
  std::string operator/(const std::string& rel) const { return (path / rel).string(); }

  // Writes `text` to `rel` inside, making the directories on the way.
  void write(const std::string& rel, const std::string& text) const {
    std::filesystem::create_directories((path / rel).parent_path());
    std::ofstream(path / rel, std::ios::binary) << text;
  }

  std::filesystem::path path;
};

}  // namespace hlsmesh::test
