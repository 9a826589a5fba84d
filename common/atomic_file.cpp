#include "common/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string>

#include "common/error.hpp"
#include "common/fd.hpp"

namespace hlsmesh {
namespace fs = std::filesystem;

namespace {

std::string temp_name_for(const fs::path& target) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, ".%012llx.tmp", static_cast<unsigned long long>(rng() & 0xffffffffffffULL));
  // Leading dot: web servers and watchers skip hidden temp files. (Appended
  // piece by piece: GCC 12 -O3 warns falsely (-Wrestrict) on "." + string.)
  std::string name(1, '.');
  name += target.filename().string();
  name += suffix;
  return (target.parent_path() / name).string();
}

std::string io_fix(int err) {
  switch (err) {
    case EACCES:
    case EPERM: return "make the directory writable by uid " + std::to_string(::getuid());
    case ENOSPC: return "free disk space";
    case EROFS: return "point the output at a writable file system";
    case ENOENT: return "create the directory first";
    default: return "check the path and the file system";
  }
}

[[noreturn]] void fail(const std::string& what, const fs::path& path, int err) {
  throw Error(Exit::io, what + " " + path.string() + ": " + errno_text(err) + "; " + io_fix(err));
}

void fsync_dir(const fs::path& dir) {
  UniqueFd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd) ::fsync(fd.get());
}

void write_all_fd(int fd, std::string_view data, const std::string& tmp) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::unlink(tmp.c_str());
      fail("cannot write", tmp, err);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

void write_file_atomic(const fs::path& target, std::string_view data, mode_t mode, Durability durability) {
  std::string tmp = temp_name_for(target);
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd) fail("cannot create a temp file for", target, errno);
  write_all_fd(fd.get(), data, tmp);
  const bool durable = durability == Durability::flush_to_disk;
  if (durable && ::fsync(fd.get()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    fail("cannot fsync", tmp, err);
  }
  ::fchmod(fd.get(), mode);  // O_CREAT honours the umask; the target's mode should not
  fd.reset();
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    fail("cannot rename into place", target, err);
  }
  if (durable) fsync_dir(target.parent_path());
}

bool link_or_copy_atomic(const fs::path& source, const fs::path& target) {
  std::string tmp = temp_name_for(target);
  if (::link(source.c_str(), tmp.c_str()) == 0) {
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
      int err = errno;
      ::unlink(tmp.c_str());
      fail("cannot rename into place", target, err);
    }
    return true;
  }
  int link_err = errno;
  if (link_err == ENOENT) {
    // Either the source is gone or the target's directory does not exist.
    if (::access(source.c_str(), F_OK) != 0)
      throw Error(Exit::no_input, "cannot read " + source.string() + ": " + errno_text(ENOENT) +
                                      "; the file was removed before it could be published");
    fail("cannot publish into", target.parent_path(), ENOENT);
  }
  // EXDEV (another file system), EPERM (fs without hard links, protected_hardlinks): copy.
  UniqueFd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) fail("cannot read", source, errno);
  struct stat st {};
  ::fstat(in.get(), &st);
  UniqueFd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!out) fail("cannot create a temp file for", target, errno);
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(in.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::unlink(tmp.c_str());
      fail("cannot read", source, err);
    }
    if (n == 0) break;
    write_all_fd(out.get(), std::string_view(buf, static_cast<size_t>(n)), tmp);
  }
  if (::fsync(out.get()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    fail("cannot fsync", tmp, err);
  }
  out.reset();
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    fail("cannot rename into place", target, err);
  }
  fsync_dir(target.parent_path());
  return false;
}

std::string read_file(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    int err = errno;
    throw Error(err == ENOENT ? Exit::no_input : Exit::io,
                "cannot read " + path.string() + ": " + errno_text(err) +
                    (err == ENOENT ? std::string("; check the path")
                                   : "; make it readable by uid " + std::to_string(::getuid())));
  }
  // Straight into the string, sized from fstat (segments are 1-2 MB: one
  // read, no copy through a stack buffer); a file that grows meanwhile is
  // read to its end all the same.
  struct stat st {};
  size_t size = ::fstat(fd.get(), &st) == 0 && st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0;
  std::string data(size + 1, '\0');  // +1: the read that finds the end needs room
  size_t have = 0;
  for (;;) {
    if (have == data.size()) data.resize(data.size() * 2 + (1 << 16));
    ssize_t n = ::read(fd.get(), data.data() + have, data.size() - have);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot read", path, errno);
    }
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  data.resize(have);
  return data;
}

void ensure_directory(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail("cannot create directory", dir, ec.value());
}

}  // namespace hlsmesh
