#include "tools/hlswatch/inotify.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hlsmesh::hlswatch {

std::optional<Inotify> Inotify::open() {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return std::nullopt;
  return Inotify(hlsmesh::UniqueFd(fd));
}

int Inotify::watch_dir(const std::string& dir) { return ::inotify_add_watch(fd_.get(), dir.c_str(), dir_mask); }

std::vector<DirEvent> Inotify::read_events() {
  std::vector<DirEvent> events;
  alignas(inotify_event) char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // EAGAIN: drained
    }
    if (n == 0) break;
    for (ssize_t off = 0; off < n;) {
      inotify_event header;
      std::memcpy(&header, buf + off, sizeof header);
      DirEvent e;
      e.wd = header.wd;
      e.mask = header.mask;
      if (header.len > 0) e.name = std::string(buf + off + sizeof header, ::strnlen(buf + off + sizeof header, header.len));
      events.push_back(std::move(e));
      off += static_cast<ssize_t>(sizeof header + header.len);
    }
  }
  return events;
}

}  // namespace hlsmesh::hlswatch
