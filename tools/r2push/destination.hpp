#pragma once
// Where objects go: an S3 bucket (R2 or any S3 API) or a local directory.
#include <filesystem>
#include <string>

namespace hlsmesh::r2push {

struct Destination {
  enum class Kind { s3, file };
  Kind kind = Kind::file;
  std::string bucket;           // s3
  std::filesystem::path dir;    // file: the directory objects are published under
  std::string prefix;           // key prefix, no leading or trailing '/'
  std::string spec;             // as given, for messages

  bool is_s3() const { return kind == Kind::s3; }
};

// "s3://BUCKET[/PREFIX]" or "file:///DIR[/PREFIX]" (a file URL names an
// absolute directory; the prefix is then empty). Throws Error(config).
Destination parse_destination(const std::string& spec);

}  // namespace hlsmesh::r2push
