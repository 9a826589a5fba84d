#include "common/program.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "common/error.hpp"
#include "common/event_io.hpp"
#include "common/log.hpp"
#include "common/signals.hpp"

#ifndef HLSMESH_VERSION
#define HLSMESH_VERSION "0.0.0"
#endif

namespace hlsmesh {

std::string version_string(std::string_view program) {
  return std::string(program) + " (hlsmesh) " + HLSMESH_VERSION;
}

void add_common_options(CLI::App& app, CommonOptions& o, bool reads_events) {
  app.set_version_flag("--version", version_string(app.get_name()));
  app.add_option("--log-format", o.log_format, "Log format on stderr: text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->envname("HLSMESH_LOG_FORMAT");
  app.add_option("--log-level", o.log_level, "error, warning, notice, info or debug")
      ->check(CLI::IsMember({"error", "warning", "notice", "info", "debug"}))
      ->envname("HLSMESH_LOG_LEVEL");
  app.add_flag("-q,--quiet", o.quiet, "Write no events to stdout (end of a pipe); log only warnings and errors");
  app.add_flag("-v,--verbose", o.verbose, "Log debug detail to stderr");
  if (reads_events) {
    app.add_flag("--strict", o.strict, "Exit 65 on a bad input line instead of reporting and skipping it");
  }
  app.add_option("--env-file", o.env_file, "Load settings from a dotenv file (flags and environment win)");
}

void apply_common_options(std::string_view program, const CommonOptions& o) {
  log::Level level = log::Level::info;
  if (o.quiet) level = log::Level::warning;
  if (o.verbose) level = log::Level::debug;
  if (!o.log_level.empty()) {
    static const std::pair<const char*, log::Level> names[] = {{"error", log::Level::error},
                                                               {"warning", log::Level::warning},
                                                               {"notice", log::Level::notice},
                                                               {"info", log::Level::info},
                                                               {"debug", log::Level::debug}};
    for (const auto& [name, lvl] : names)
      if (o.log_level == name) level = lvl;
  }
  log::configure(program, o.log_format == "json" ? log::Format::json : log::Format::text, level);
}

namespace {

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// Finds --env-file before CLI11 runs, so values it sets are seen as environment.
std::string find_env_file_arg(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") break;
    if (a == "--env-file" && i + 1 < argc) return argv[i + 1];
    if (a.rfind("--env-file=", 0) == 0) return std::string(a.substr(11));
  }
  return {};
}

}  // namespace

void load_env_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw Error(Exit::no_input, "cannot read env file " + path + ": " + errno_text(errno) +
                                    "; pass an existing dotenv file to --env-file");
  }
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    if (t.rfind("export ", 0) == 0) t = trim(t.substr(7));
    size_t eq = t.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error(Exit::config, path + " line " + std::to_string(lineno) +
                                    ": expected KEY=VALUE; fix or comment out that line");
    }
    std::string key = trim(t.substr(0, eq));
    std::string value = trim(t.substr(eq + 1));
    for (char c : key) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) {
        throw Error(Exit::config, path + " line " + std::to_string(lineno) + ": '" + key +
                                      "' is not a valid variable name; use letters, digits and _");
      }
    }
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    } else {
      size_t hash = value.find(" #");  // inline comment after an unquoted value
      if (hash != std::string::npos) value = trim(value.substr(0, hash));
    }
    ::setenv(key.c_str(), value.c_str(), 0);
  }
}

void parse_args(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {  // --help, --version: CLI11 prints them
      app.exit(e);
      throw ExitRequest{Exit::ok};
    }
    log::error(std::string(e.what()) + "; run '" + app.get_name() + " --help' for usage");
    throw ExitRequest{Exit::usage};
  }
}

int run_program(std::string_view program, int argc, char** argv, const std::function<int()>& body) {
  signals::install();
  log::configure(program, log::Format::text, log::Level::info);
  try {
    std::string env_file = find_env_file_arg(argc, argv);
    if (env_file.empty()) {
      if (const char* e = std::getenv("HLSMESH_ENV_FILE")) env_file = e;
    }
    if (!env_file.empty()) load_env_file(env_file);
    return body();
  } catch (const Error& e) {
    log::error(e.what());
    return code(e.exit());
  } catch (const EventWriter::PipeClosed&) {
    return 0;  // downstream went away: exit quietly
  } catch (const ExitRequest& e) {
    return code(e.exit);
  } catch (const std::exception& e) {
    log::error(std::string("internal error: ") + e.what() + "; please report it with the command line you ran");
    return code(Exit::software);
  }
}

}  // namespace hlsmesh
