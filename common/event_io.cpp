#include "common/event_io.hpp"

#include <unistd.h>

#include <cerrno>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/signals.hpp"

namespace hlsmesh {

EventReader::EventReader(int fd, bool strict, std::string source) : fd_(fd), strict_(strict), source_(std::move(source)) {}

void EventReader::report_bad(std::string_view why) {
  ++stats_.bad_lines;
  std::string msg = source_ + " line " + std::to_string(stats_.lines) + ": " + std::string(why) + "; skipped (" +
                    std::to_string(stats_.bad_lines) + " bad line" + (stats_.bad_lines == 1 ? "" : "s") +
                    " so far). Upstream must write one JSON object with a string \"event\" per line";
  if (strict_) {
    log::error(msg + "; --strict makes this fatal");
    throw Error(Exit::data, source_ + " line " + std::to_string(stats_.lines) + ": bad event line (--strict)");
  }
  log::warning(msg + "; the pipeline goes on (--strict would stop here)");
}

std::optional<Json> EventReader::parse_line(std::string_view line) {
  ++stats_.lines;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return std::nullopt;  // blank lines are harmless
  Json event = Json::parse(line, nullptr, false);
  if (event.is_discarded()) {
    report_bad("not valid JSON");
    return std::nullopt;
  }
  if (!event.is_object()) {
    report_bad("not a JSON object");
    return std::nullopt;
  }
  auto it = event.find("event");
  if (it == event.end() || !it->is_string()) {
    report_bad("no string field \"event\"");
    return std::nullopt;
  }
  ++stats_.events;
  return event;
}

bool EventReader::fill() {
  char chunk[65536];
  for (;;) {
    ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
      return true;
    }
    if (n == 0) return false;
    if (errno == EINTR) {
      if (signals::stop_requested()) return false;
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
    throw Error(Exit::io, "reading events from " + source_ + " failed: " + errno_text(errno));
  }
}

bool EventReader::read_available(const std::function<void(Json&&)>& on_event) {
  if (eof_) return false;
  bool more = fill();
  for (;;) {
    size_t nl = buffer_.find('\n', scan_from_);
    if (nl == std::string::npos) {
      scan_from_ = buffer_.size();
      if (buffer_.size() > max_line_bytes) {
        // Drop the over-long line as it arrives instead of growing without bound.
        if (!discarding_long_line_) {
          ++stats_.lines;
          report_bad("line longer than 16 MiB");
          --stats_.lines;  // counted again when its newline arrives
        }
        discarding_long_line_ = true;
        buffer_.clear();
        scan_from_ = 0;
      }
      break;
    }
    std::string_view line(buffer_.data(), nl);
    if (discarding_long_line_) {
      ++stats_.lines;
      discarding_long_line_ = false;
    } else if (auto ev = parse_line(line)) {
      on_event(std::move(*ev));
    }
    buffer_.erase(0, nl + 1);
    scan_from_ = 0;
  }
  if (!more) {
    eof_ = true;
    if (!buffer_.empty() && !discarding_long_line_) {  // last line without '\n'
      std::string rest = std::move(buffer_);
      buffer_.clear();
      if (auto ev = parse_line(rest)) on_event(std::move(*ev));
    }
    return false;
  }
  return true;
}

std::optional<Json> EventReader::next() {
  for (;;) {
    size_t nl = buffer_.find('\n', scan_from_);
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      scan_from_ = 0;
      if (discarding_long_line_) {
        ++stats_.lines;
        discarding_long_line_ = false;
        continue;
      }
      if (auto ev = parse_line(line)) return ev;
      continue;
    }
    scan_from_ = buffer_.size();
    if (eof_) return std::nullopt;
    if (buffer_.size() > max_line_bytes) {
      if (!discarding_long_line_) {
        ++stats_.lines;
        report_bad("line longer than 16 MiB");
        --stats_.lines;
      }
      discarding_long_line_ = true;
      buffer_.clear();
      scan_from_ = 0;
    }
    if (!fill()) {
      eof_ = true;
      if (!buffer_.empty() && !discarding_long_line_) {
        std::string rest = std::move(buffer_);
        buffer_.clear();
        if (auto ev = parse_line(rest)) return ev;
      }
      return std::nullopt;
    }
  }
}

std::string dump_event(const Json& event) {
  return event.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void EventWriter::write(const Json& event) {
  if (quiet_) return;
  std::string line = dump_event(event);
  line += '\n';
  std::string_view rest(line);
  while (!rest.empty()) {
    ssize_t n = ::write(fd_, rest.data(), rest.size());
    if (n > 0) {
      rest.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EPIPE) throw PipeClosed{};
    throw Error(Exit::io, "writing events to stdout failed: " + errno_text(errno));
  }
  ++written_;
}

}  // namespace hlsmesh
