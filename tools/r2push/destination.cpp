#include "tools/r2push/destination.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace hlsmesh::r2push {

namespace {

std::string trim_slashes(std::string s) {
  while (!s.empty() && s.front() == '/') s.erase(s.begin());
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// Percent-decoding for file:// URLs ("file:///srv/my%20live").
std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// S3 bucket naming rules (R2 is the same): 3-63 of [a-z0-9.-], starting and
// ending with a letter or digit.
bool valid_bucket(const std::string& b) {
  if (b.size() < 3 || b.size() > 63) return false;
  auto ok = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'; };
  return std::all_of(b.begin(), b.end(), ok) && b.front() != '-' && b.front() != '.' && b.back() != '-' &&
         b.back() != '.';
}

}  // namespace

Destination parse_destination(const std::string& spec) {
  Destination d;
  d.spec = spec;
  if (spec.rfind("s3://", 0) == 0) {
    d.kind = Destination::Kind::s3;
    std::string rest = spec.substr(5);
    size_t slash = rest.find('/');
    d.bucket = rest.substr(0, slash);
    d.prefix = slash == std::string::npos ? std::string() : trim_slashes(rest.substr(slash + 1));
    if (!valid_bucket(d.bucket)) {
      throw Error(Exit::config, "--to " + spec + ": '" + d.bucket +
                                    "' is not a valid bucket name; use 3-63 characters of a-z, 0-9, '-' and '.', "
                                    "as in s3://live or s3://live/prefix");
    }
    return d;
  }
  if (spec.rfind("file://", 0) == 0) {
    d.kind = Destination::Kind::file;
    std::string path = spec.substr(7);
    if (path.rfind("localhost/", 0) == 0) path = path.substr(9);
    if (path.empty() || path.front() != '/') {
      throw Error(Exit::config, "--to " + spec + ": a file URL needs an absolute directory, as in file:///srv/live");
    }
    d.dir = std::filesystem::path(percent_decode(path)).lexically_normal();
    if (d.dir.has_filename() == false && d.dir != "/") d.dir = d.dir.parent_path();
    return d;
  }
  throw Error(Exit::config, "--to " + spec + ": unknown destination; use s3://BUCKET[/PREFIX] or file:///DIR");
}

}  // namespace hlsmesh::r2push
