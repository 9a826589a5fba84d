#pragma once
// Logging to stderr, never stdout (stdout carries events only).
//   text: "hlswatch: warning: EACCES on /data/hls/0: ... [path=/data/hls/0]"
//   json: {"time":"…","program":"hlswatch","level":"warning","message":"…","path":"…"}
// Registered secrets are replaced by "***" in every message and field.
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace hlsmesh::log {

enum class Level { error = 0, warning = 1, notice = 2, info = 3, debug = 4 };
enum class Format { text, json };

void configure(std::string_view program, Format format, Level level);
void set_level(Level level);
Level level();
bool enabled(Level level);
std::string_view program();

// Every later message has this string replaced by "***" (no-op when empty).
void add_secret(std::string secret);
// The same redaction for text that goes elsewhere (e.g. curl's verbose output).
std::string redact(std::string_view text);

void write(Level level, std::string_view message, const nlohmann::json& fields = nullptr);
inline void error(std::string_view m, const nlohmann::json& f = nullptr) { write(Level::error, m, f); }
inline void warning(std::string_view m, const nlohmann::json& f = nullptr) { write(Level::warning, m, f); }
inline void notice(std::string_view m, const nlohmann::json& f = nullptr) { write(Level::notice, m, f); }
inline void info(std::string_view m, const nlohmann::json& f = nullptr) { write(Level::info, m, f); }
inline void debug(std::string_view m, const nlohmann::json& f = nullptr) { write(Level::debug, m, f); }

}  // namespace hlsmesh::log
