#pragma once
// What every program's main() shares: the standard options (logging, --strict,
// --env-file, --version), dotenv loading, and one place that turns exceptions
// into a message and a sysexits code.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace hlsmesh {

struct CommonOptions {
  std::string log_format = "text";  // text | json
  std::string log_level;            // error | warning | notice | info | debug
  bool quiet = false;               // no events on stdout; only warnings and errors on stderr
  bool verbose = false;             // debug logging
  bool strict = false;              // a bad event line is fatal (exit 65)
  std::string env_file;             // dotenv file, loaded before options are read
};

// Adds --log-format, --log-level, -q/--quiet, -v/--verbose, --strict,
// --env-file and --version to `app`. `reads_events` adds --strict.
void add_common_options(CLI::App& app, CommonOptions& options, bool reads_events = true);

// Applies logging settings after parsing.
void apply_common_options(std::string_view program, const CommonOptions& options);

// Loads KEY=VALUE lines (dotenv: comments, `export`, quotes) into the
// environment without overriding variables already set (flags > environment
// > env file). Throws Error(Exit::config / no_input) with the line on bad input.
void load_env_file(const std::string& path);

// Runs `body` (which parses options and does the work) and maps what it throws
// to a message on stderr and an exit code:
// Error → its code, EventWriter::PipeClosed → 0 quietly, anything else → 70.
// Also installs the signal handlers and loads --env-file before parsing.
int run_program(std::string_view program, int argc, char** argv, const std::function<int()>& body);

// Parses argv into `app`: --help/--version print and exit 0, bad usage is
// reported with a hint and exits 64 (via ExitRequest).
void parse_args(CLI::App& app, int argc, char** argv);

std::string version_string(std::string_view program);

}  // namespace hlsmesh
