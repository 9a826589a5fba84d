// libFuzzer target: the event line reader every program runs on its stdin
// (and sigd on /publish bodies): line splitting across reads, CR/LF, blank
// and over-long lines, bad JSON, then the writer's serialization of what was
// accepted. `make -C tests/fuzz run-fuzz_event_line`.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/event_io.hpp"
#include "common/fd.hpp"
#include "common/log.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  hlsmesh::log::configure("fuzz", hlsmesh::log::Format::text, hlsmesh::log::Level::error);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  hlsmesh::EventReader lines(-1, false, "fuzz");
  for (size_t start = 0; start <= text.size();) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    if (auto event = lines.parse_line(text.substr(start, nl - start))) {
      auto again = hlsmesh::dump_event(*event);
      // A serialized event is one line: a newline inside would split it in two.
      if (again.find('\n') != std::string::npos) __builtin_trap();
    }
    start = nl + 1;
  }

  // The same bytes through a pipe, read the way the programs read stdin.
  int fds[2];
  if (::pipe2(fds, O_NONBLOCK) != 0) return 0;
  hlsmesh::UniqueFd read_end(fds[0]), write_end(fds[1]);
  (void)::fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
  if (::write(fds[1], data, size) != static_cast<ssize_t>(size)) return 0;
  write_end.reset();
  hlsmesh::EventReader piped(fds[0], false, "fuzz pipe");
  uint64_t events = 0;
  while (piped.read_available([&](hlsmesh::Json&&) { ++events; })) {
  }
  // Split by hand or read through a pipe: the same events.
  if (events != lines.stats().events) __builtin_trap();
  return 0;
}
