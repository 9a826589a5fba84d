#pragma once
// r2push's commands: the upload filter (default) and the subcommands.
#include "tools/r2push/options.hpp"
#include "tools/r2push/s3_api.hpp"

namespace hlsmesh::r2push {

int run_upload(const Options& options);     // events in → uploads → events out
int run_check(const Options& options);      // r2push check
int run_cors(const Options& options);       // r2push cors --allow-origin ...
int run_lifecycle(const Options& options);  // r2push lifecycle --expire-days N

S3Config s3_config(const Settings& settings);

}  // namespace hlsmesh::r2push
