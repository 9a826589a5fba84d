#include "tools/r2push/options.hpp"

#include <cmath>
#include <cstdlib>

#include "common/error.hpp"
#include "common/log.hpp"
#include "tools/r2push/keys.hpp"

namespace hlsmesh::r2push {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// The first non-empty of several environment variables.
std::string first_env(std::initializer_list<const char*> names) {
  for (const char* n : names) {
    std::string v = env(n);
    if (!v.empty()) return v;
  }
  return {};
}

std::string strip_trailing_slashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

long to_ms(double seconds) { return std::lround(seconds * 1000.0); }

}  // namespace

void add_connection_options(CLI::App& app, Options& o) {
  app.add_option("--to", o.to, "Destination: s3://BUCKET[/PREFIX] or file:///DIR (default: s3://$R2_BUCKET)")
      ->envname("R2PUSH_TO");
  app.add_option("--endpoint", o.endpoint,
                 "S3 endpoint URL (default https://$R2_ACCOUNT_ID.r2.cloudflarestorage.com; env R2_ENDPOINT, "
                 "AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL)");
  app.add_option("--account-id", o.account_id, "Cloudflare account id (env R2_ACCOUNT_ID, CLOUDFLARE_ACCOUNT_ID)");
  app.add_option("--region", o.region, "SigV4 region (default auto; env R2_REGION, AWS_REGION for non-R2 endpoints)");
  app.add_option("--access-key-id", o.access_key_id,
                 "Access key id (env R2_ACCESS_KEY_ID, AWS_ACCESS_KEY_ID); the secret comes only from "
                 "R2_SECRET_ACCESS_KEY / AWS_SECRET_ACCESS_KEY or --env-file");
  app.add_option("--public-url", o.public_url,
                 "Public base URL of the bucket or directory; url = PUBLIC-URL/KEY (env R2_PUBLIC_URL)")
      ->envname("R2_PUBLIC_URL");
  app.add_option("--timeout", o.timeout_s, "Seconds one request may take")->capture_default_str()->check(CLI::PositiveNumber);
}

void add_upload_options(CLI::App& app, Options& o) {
  app.add_option("--key", o.key_template,
                 "Key template: {prefix} {rendition} {stream} {name} {stem} {ext} {msn} {event} {hash} (16 hex "
                 "digits of the file's SHA-256: a source that restarts and reuses names gets new keys)")
      ->capture_default_str()
      ->envname("R2PUSH_KEY");
  app.add_option("--segment-cache-control", o.segment_cache_control, "Cache-Control of segments and other files")
      ->capture_default_str();
  app.add_option("--playlist-cache-control", o.playlist_cache_control, "Cache-Control of .m3u8 playlists")
      ->capture_default_str();
  app.add_option("-j,--jobs", o.jobs, "Parallel uploads on one connection pool")
      ->capture_default_str()
      ->check(CLI::Range(1, 256))
      ->envname("R2PUSH_JOBS");
  app.add_option("--retries", o.retries, "Retries per object after the first try")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  app.add_option("--deadline", o.deadline_s, "Seconds an object may take from its first try, retries included")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--same-key-interval", o.same_key_interval_s,
                 "Minimum seconds between two writes of one key (R2 allows one per second)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--delete-expired", o.delete_expired,
               "Delete the object of each `expire` event once its RFC 8216 availability time has passed");
  app.add_option("--expire-delay", o.expire_delay_s,
                 "Seconds from an `expire` event to the delete (default: its expire_after, else segment duration + "
                 "playlist duration)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--playlist-duration", o.default_playlist_duration_s,
                 "Playlist duration in seconds to assume before a `playlist` event tells it")
      ->check(CLI::NonNegativeNumber);
}

void add_options(CLI::App& app, Options& o) {
  app.description(
      "Upload HLS segments and playlists named by events to Cloudflare R2 (any S3 API) or a local directory; events "
      "pass through in order with key, url, etag and upload_ms added.");
  add_common_options(app, o.common);
  add_connection_options(app, o);
  add_upload_options(app, o);

  auto* check = app.add_subcommand(
      "check", "Check credentials, bucket, a PUT/HEAD/DELETE round trip, the public URL and CORS; OK/FAIL per line");
  check->add_option("--origin", o.allow_origins, "Origin to test CORS with (default: the public URL's origin)");
  auto* cors = app.add_subcommand("cors", "Set the bucket's CORS rule for HLS players (PutBucketCors)");
  cors->add_option("--allow-origin", o.allow_origins, "Allowed origin(s): scheme://host[:port], or *")->required();
  cors->add_option("--max-age", o.cors_max_age, "Seconds browsers may cache the preflight answer")
      ->capture_default_str()
      ->check(CLI::Range(0, 86400));
  auto* lifecycle = app.add_subcommand(
      "lifecycle", "Add or update a lifecycle rule deleting objects after N days, keeping the bucket's other rules");
  lifecycle->add_option("--expire-days", o.expire_days, "Delete objects this many days after upload")
      ->required()
      ->check(CLI::Range(1, 36500));
  lifecycle->add_option("--prefix", o.lifecycle_prefix, "Only keys under this prefix (default: the --to prefix)");
  lifecycle->add_flag("--replace", o.lifecycle_replace,
                      "Overwrite every lifecycle rule of the bucket with this one (default: keep the others, "
                      "replace only r2push's rule for this prefix)");
  for (auto* sub : {check, cors, lifecycle}) sub->fallthrough();
  app.require_subcommand(0, 1);
}

void validate(const CLI::App& app, Options& o) {
  for (const char* name : {"check", "cors", "lifecycle"})
    if (app.get_subcommand(name)->parsed()) o.command = name;
  o.lifecycle_prefix_given = app.get_subcommand("lifecycle")->count("--prefix") > 0;
}

namespace {

// --to, or s3://$R2_BUCKET; a subcommand that needs none gets a placeholder.
Destination resolve_destination(const Options& o, bool need_destination) {
  std::string to = o.to;
  if (to.empty()) {
    std::string bucket = env("R2_BUCKET");
    if (!bucket.empty()) to = "s3://" + bucket;
  }
  if (to.empty()) {
    if (need_destination) {
      throw Error(Exit::config,
                  "no destination: pass --to s3://BUCKET[/PREFIX] (or set R2_BUCKET), or --to file:///DIR for a local "
                  "directory a web server serves");
    }
    to = "file:///nonexistent";
  }
  return parse_destination(to);
}

// What and how to upload: keys, headers, retries, expiry.
void resolve_upload(const Options& o, Settings& s) {
  s.public_url = strip_trailing_slashes(o.public_url);
  if (!s.public_url.empty() && s.public_url.find("://") == std::string::npos) {
    throw Error(Exit::config, "--public-url " + s.public_url + ": not a URL; use e.g. https://cdn.example.com/live");
  }
  validate_key_template(o.key_template);
  s.key_template = o.key_template;
  s.segment_cache_control = o.segment_cache_control;
  s.playlist_cache_control = o.playlist_cache_control;
  s.jobs = o.jobs;
  s.retries = o.retries;
  s.deadline_ms = to_ms(o.deadline_s);
  s.timeout_ms = to_ms(o.timeout_s);
  s.same_key_interval_ms = to_ms(o.same_key_interval_s);
  s.delete_expired = o.delete_expired;
  if (o.expire_delay_s) s.expire_delay_ms = to_ms(*o.expire_delay_s);
  s.default_playlist_duration_ms = to_ms(o.default_playlist_duration_s);
  s.verbose = o.common.verbose;
  s.quiet = o.common.quiet;
  s.strict = o.common.strict;
}

// The S3 endpoint: --endpoint, the environment, or R2's from the account id.
std::string resolve_endpoint(const Options& o, const Destination& destination) {
  std::string account = !o.account_id.empty() ? o.account_id : first_env({"R2_ACCOUNT_ID", "CLOUDFLARE_ACCOUNT_ID"});
  std::string endpoint =
      !o.endpoint.empty() ? o.endpoint : first_env({"R2_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"});
  if (endpoint.empty() && !account.empty()) endpoint = "https://" + account + ".r2.cloudflarestorage.com";
  if (endpoint.empty()) {
    throw Error(Exit::config, "no S3 endpoint for " + destination.spec +
                                  ": set R2_ACCOUNT_ID (or CLOUDFLARE_ACCOUNT_ID) for Cloudflare R2, or pass "
                                  "--endpoint URL for another S3 service");
  }
  endpoint = strip_trailing_slashes(endpoint);
  if (endpoint.rfind("http://", 0) != 0 && endpoint.rfind("https://", 0) != 0) {
    throw Error(Exit::config, "--endpoint " + endpoint + ": use an http:// or https:// URL");
  }
  return endpoint;
}

// Region and credentials; the secrets join the log's redaction list.
void resolve_signing(const Options& o, Settings& s) {
  bool is_r2 = s.endpoint.find(".r2.cloudflarestorage.com") != std::string::npos;
  // R2 enforces region "auto" in the signing scope: a generic AWS_REGION left
  // in the environment for other tools must not leak into it.
  // A given --region wins even when it is "auto" (flags over environment).
  s.region = o.region ? *o.region : first_env({"R2_REGION"});
  if (s.region.empty() && !o.region && !is_r2) s.region = first_env({"AWS_REGION", "AWS_DEFAULT_REGION"});
  if (s.region.empty()) s.region = "auto";
  s.access_key_id = !o.access_key_id.empty() ? o.access_key_id : first_env({"R2_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"});
  s.secret_access_key = first_env({"R2_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"});
  s.session_token = first_env({"R2_SESSION_TOKEN", "AWS_SESSION_TOKEN"});
  if (s.access_key_id.empty() || s.secret_access_key.empty()) {
    throw Error(Exit::config, std::string("no credentials for ") + s.destination.spec + ": set " +
                                  (s.access_key_id.empty() ? "R2_ACCESS_KEY_ID" : "R2_SECRET_ACCESS_KEY") +
                                  " (or the AWS_* names) in the environment or an --env-file");
  }
  log::add_secret(s.secret_access_key);
  log::add_secret(s.access_key_id);
  log::add_secret(s.session_token);
}

}  // namespace

Settings resolve(const Options& o, bool need_destination) {
  Settings s;
  s.destination = resolve_destination(o, need_destination);
  resolve_upload(o, s);
  if (!s.destination.is_s3()) return s;
  s.endpoint = resolve_endpoint(o, s.destination);
  resolve_signing(o, s);
  return s;
}

}  // namespace hlsmesh::r2push
