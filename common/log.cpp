#include "common/log.hpp"

#include <unistd.h>

#include <mutex>
#include <vector>

#include "common/time_util.hpp"

namespace hlsmesh::log {
namespace {

struct State {
  std::string program = "hlsmesh";
  Format format = Format::text;
  Level level = Level::info;
  std::vector<std::string> secrets;
  std::mutex mutex;  // libtorrent/lws callbacks may log from other threads
};

State& state() {
  static State s;
  return s;
}

const char* level_name(Level l) {
  switch (l) {
    case Level::error: return "error";
    case Level::warning: return "warning";
    case Level::notice: return "notice";
    case Level::info: return "info";
    case Level::debug: return "debug";
  }
  return "info";
}

std::string redact_locked(const State& s, std::string_view text) {
  std::string out(text);
  for (const auto& secret : s.secrets) {
    for (size_t pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos + 3)) {
      out.replace(pos, secret.size(), "***");
    }
  }
  return out;
}

void write_all(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(STDERR_FILENO, data.data(), data.size());
    if (n <= 0) return;  // stderr gone: nothing sensible left to do
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

void configure(std::string_view program_name, Format format, Level lvl) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  s.program = program_name;
  s.format = format;
  s.level = lvl;
}

void set_level(Level lvl) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  s.level = lvl;
}

Level level() { return state().level; }
bool enabled(Level lvl) { return static_cast<int>(lvl) <= static_cast<int>(state().level); }
std::string_view program() { return state().program; }

void add_secret(std::string secret) {
  if (secret.size() < 4) return;  // redacting tiny strings would mangle every message
  auto& s = state();
  std::lock_guard lock(s.mutex);
  s.secrets.push_back(std::move(secret));
}

std::string redact(std::string_view text) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  return redact_locked(s, text);
}

void write(Level lvl, std::string_view message, const nlohmann::json& fields) {
  if (!enabled(lvl)) return;
  auto& s = state();
  std::lock_guard lock(s.mutex);
  std::string line;
  if (s.format == Format::json) {
    nlohmann::json obj = {{"time", format_iso8601_ms(std::chrono::system_clock::now())},
                          {"program", s.program},
                          {"level", level_name(lvl)},
                          {"message", message}};
    if (fields.is_object()) {
      for (auto it = fields.begin(); it != fields.end(); ++it) obj[it.key()] = it.value();
    }
    line = obj.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = s.program + ": ";
    if (lvl != Level::info && lvl != Level::notice) line += std::string(level_name(lvl)) + ": ";
    line += message;
    if (fields.is_object() && !fields.empty()) {
      line += " [";
      bool first = true;
      for (auto it = fields.begin(); it != fields.end(); ++it) {
        if (!first) line += ' ';
        first = false;
        line += it.key() + "=" +
                (it.value().is_string() ? it.value().get<std::string>()
                                        : it.value().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      }
      line += "]";
    }
  }
  line = redact_locked(s, line);
  line += '\n';
  write_all(line);
}

}  // namespace hlsmesh::log
