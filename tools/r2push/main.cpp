// r2push: uploads the file of every event that has a `path` and no `url` yet
// to Cloudflare R2 / any S3 API, or publishes it in a local directory, and
// passes every event on in order with `key`, `url`, `etag`, `upload_ms`.
// Every tool's main() has this shape: options.hpp declares add_options,
// validate and run; run_program maps what they throw to an exit code.
#include "common/program.hpp"
#include "tools/r2push/options.hpp"

int main(int argc, char** argv) {
  namespace tool = hlsmesh::r2push;
  return hlsmesh::run_program("r2push", argc, argv, [&] {
    tool::Options options;
    CLI::App app{"", "r2push"};
    tool::add_options(app, options);
    hlsmesh::parse_args(app, argc, argv);
    hlsmesh::apply_common_options("r2push", options.common);
    tool::validate(app, options);
    return tool::run(options);
  });
}
