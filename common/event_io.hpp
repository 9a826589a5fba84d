#pragma once
// The event stream (DESIGN.md): one JSON object per line, each with a string
// field "event". Readers count lines and bad lines; writers flush per line.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace hlsmesh {

using Json = nlohmann::json;

struct EventReaderStats {
  uint64_t lines = 0;
  uint64_t events = 0;
  uint64_t bad_lines = 0;
};

class EventReader {
 public:
  // `source` names the input in messages ("stdin", a file path, a URL).
  // With `strict`, a bad line throws Error(Exit::data).
  explicit EventReader(int fd = 0, bool strict = false, std::string source = "stdin");

  // Blocking: the next valid event, or nullopt at end of input. Bad lines are
  // reported and skipped. Returns nullopt also when interrupted by a stop signal.
  std::optional<Json> next();

  // Non-blocking use in a poll loop: reads what is available on the fd (which
  // the caller made readable) and calls on_event for each complete line.
  // Returns false once the input has ended.
  bool read_available(const std::function<void(Json&&)>& on_event);

  // Parses one line as an event (no trailing '\n'). Exposed for sigd /publish
  // and tests; reports and counts bad lines like stdin lines.
  std::optional<Json> parse_line(std::string_view line);

  bool eof() const { return eof_; }
  int fd() const { return fd_; }
  const EventReaderStats& stats() const { return stats_; }

  // Longest accepted line; longer ones are bad lines (bounded memory).
  static constexpr size_t max_line_bytes = 16 * 1024 * 1024;

 private:
  bool fill();  // one read(); false on EOF
  void report_bad(std::string_view why);

  int fd_;
  bool strict_;
  std::string source_;
  std::string buffer_;
  size_t scan_from_ = 0;
  bool discarding_long_line_ = false;
  bool eof_ = false;
  EventReaderStats stats_;
};

class EventWriter {
 public:
  // `quiet` drops events (a program at the end of a pipe).
  explicit EventWriter(int fd = 1, bool quiet = false) : fd_(fd), quiet_(quiet) {}
  // Writes one line and flushes. When the reader went away (EPIPE), throws
  // PipeClosed; main catches it and exits quietly.
  void write(const Json& event);
  uint64_t written() const { return written_; }
  bool quiet() const { return quiet_; }

  struct PipeClosed {};

 private:
  int fd_;
  bool quiet_;
  uint64_t written_ = 0;
};

// Serializes an event the one way every program does (invalid UTF-8 replaced).
std::string dump_event(const Json& event);

}  // namespace hlsmesh
