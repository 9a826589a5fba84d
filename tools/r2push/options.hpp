#pragma once
// r2push's settings: the command line, the environment (R2_*, AWS_*,
// CLOUDFLARE_ACCOUNT_ID) and --env-file, resolved into one Settings value.
#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "common/program.hpp"
#include "tools/r2push/destination.hpp"

namespace hlsmesh::r2push {

// Raw values as the user gave them (flags, then environment).
struct Options {
  CommonOptions common;
  std::string to;             // s3://BUCKET[/PREFIX] or file:///DIR[/PREFIX]
  std::string bucket;         // R2_BUCKET: used when --to is not given
  std::string endpoint;       // https://ACCOUNT.r2.cloudflarestorage.com by default
  std::string account_id;     // R2_ACCOUNT_ID / CLOUDFLARE_ACCOUNT_ID
  std::optional<std::string> region;  // set only when --region was given: it then wins over R2_REGION/AWS_REGION
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::string public_url;
  std::string key_template = "{prefix}/{rendition}/{name}";
  std::string segment_cache_control = "public, max-age=31536000, immutable";
  std::string playlist_cache_control = "public, max-age=1, no-transform";
  int jobs = 4;
  int retries = 5;
  double deadline_s = 60;
  double timeout_s = 30;
  double same_key_interval_s = 1.0;
  bool delete_expired = false;
  std::optional<double> expire_delay_s;
  double default_playlist_duration_s = 0;
  // Subcommands.
  std::string command;  // "" (upload), "check", "cors" or "lifecycle"; set by validate()
  std::vector<std::string> allow_origins;
  int cors_max_age = 86400;
  int expire_days = 0;
  std::string lifecycle_prefix;
  bool lifecycle_prefix_given = false;
  bool lifecycle_replace = false;  // PUT only r2push's rule, dropping the bucket's others
};

// Settings after validation: what the program actually uses.
struct Settings {
  Destination destination;
  std::string endpoint;  // no trailing slash (s3 only)
  std::string region;
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::string public_url;  // no trailing slash; empty: derived from the destination
  std::string key_template;
  std::string segment_cache_control;
  std::string playlist_cache_control;
  int jobs = 4;
  int retries = 5;
  long deadline_ms = 60000;
  long timeout_ms = 30000;
  long same_key_interval_ms = 1000;
  bool delete_expired = false;
  std::optional<long> expire_delay_ms;
  long default_playlist_duration_ms = 0;
  bool verbose = false;
  bool quiet = false;
  bool strict = false;
};

// Declares every option (with its environment variable) and the subcommands on `app`.
void add_options(CLI::App& app, Options& o);
void add_upload_options(CLI::App& app, Options& o);
void add_connection_options(CLI::App& app, Options& o);
// After parsing: which subcommand ran and what was given explicitly.
void validate(const CLI::App& app, Options& o);
// The program: the upload filter or the subcommand `o.command`. In subcommands.cpp.
int run(const Options& o);

// Fills in environment fallbacks CLI11 cannot express (several names for one
// setting), validates, registers secrets with the logger. Throws Error(config).
Settings resolve(const Options& o, bool need_destination = true);

}  // namespace hlsmesh::r2push
