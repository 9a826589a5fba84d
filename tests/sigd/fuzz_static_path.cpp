// libFuzzer target: sigd's --www path resolver on a real directory tree with
// the traps a root can hold (a symlink out of the root, a symlinked directory
// out, a dotfile, a dot directory, an in-root symlink). Whatever the URL
// path, the answer is nothing or a regular file inside the root whose path
// has no dot component. `make -C tests/fuzz run-fuzz_static_path`.
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "tools/sigd/static_files.hpp"

namespace fs = std::filesystem;

namespace {

std::string base, root;

void remove_tree() {
  std::error_code ec;
  fs::remove_all(base, ec);
}

void touch(const fs::path& p) { std::ofstream(p) << "x\n"; }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::string tmpl = (fs::temp_directory_path() / "fuzz_static_path.XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) std::abort();
  base = fs::canonical(tmpl).string();
  std::atexit(remove_tree);
  root = base + "/www";
  fs::create_directories(root + "/live/sub");
  fs::create_directories(root + "/.git");
  fs::create_directories(base + "/outside");
  touch(base + "/secret.txt");
  touch(base + "/outside/index.html");
  touch(root + "/index.html");
  touch(root + "/live/stream.m3u8");
  touch(root + "/live/seg1.ts");
  touch(root + "/.env");
  touch(root + "/.git/config");
  touch(root + "/live/.hidden.ts");
  fs::create_symlink(base + "/secret.txt", root + "/leak.txt");
  fs::create_directory_symlink(base + "/outside", root + "/out");
  fs::create_symlink(root + "/.env", root + "/env.txt");
  fs::create_symlink(root + "/live/seg1.ts", root + "/alias.ts");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view url(reinterpret_cast<const char*>(data), size);
  auto got = hlsmesh::sigd::resolve_static_path(root, url);
  (void)hlsmesh::sigd::mime_type_for(url);
  (void)hlsmesh::sigd::cache_control_for(url);
  if (!got) return 0;
  if (got->compare(0, root.size() + 1, root + "/") != 0) __builtin_trap();  // outside the root
  if (got->find("/.") != std::string::npos) __builtin_trap();              // a dotfile or dot directory
  struct stat st {};
  if (::lstat(got->c_str(), &st) != 0 || !S_ISREG(st.st_mode)) __builtin_trap();
  return 0;
}
