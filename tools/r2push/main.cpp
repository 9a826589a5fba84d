// r2push: uploads the file of every event that has a `path` and no `url` yet
// to Cloudflare R2 / any S3 API, or publishes it in a local directory, and
// passes every event on in order with `key`, `url`, `etag`, `upload_ms`.
#include "common/program.hpp"
#include "tools/r2push/commands.hpp"

int main(int argc, char** argv) {
  using namespace hlsmesh;
  using namespace hlsmesh::r2push;
  return run_program("r2push", argc, argv, [&] {
    Options o;
    CLI::App app{"Upload HLS segments and playlists named by events to Cloudflare R2 (any S3 API) or a local "
                 "directory; events pass through in order with key, url, etag and upload_ms added.",
                 "r2push"};
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

    parse_args(app, argc, argv);
    o.lifecycle_prefix_given = lifecycle->count("--prefix") > 0;
    apply_common_options("r2push", o.common);
    if (*check) return run_check(o);
    if (*cors) return run_cors(o);
    if (*lifecycle) return run_lifecycle(o);
    return run_upload(o);
  });
}
