// r2push check / cors / lifecycle: what the seeds' troubleshooting did by hand
// with curl and the dashboard, one line per step with the fix when it fails.
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time_util.hpp"
#include "common/url.hpp"
#include "tools/r2push/commands.hpp"
#include "tools/r2push/keys.hpp"
#include "tools/r2push/lifecycle.hpp"
#include "tools/r2push/s3_api.hpp"

namespace hlsmesh::r2push {

namespace {

// Prints "OK   what" / "FAIL what: fix" lines on stdout and counts failures.
class Report {
 public:
  void ok(const std::string& what) { line("OK  ", what); }
  void warn(const std::string& what) { line("WARN", what); }
  void skip(const std::string& what) { line("SKIP", what); }
  void fail(const std::string& what) {
    ++failures_;
    line("FAIL", what);
  }
  int failures() const { return failures_; }

 private:
  void line(const char* tag, const std::string& what) {
    std::cout << tag << "  " << log::redact(what) << "\n" << std::flush;
  }
  int failures_ = 0;
};

std::string origin_of(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  size_t path = url.find('/', scheme + 3);
  return url.substr(0, path);
}

bool valid_origin(const std::string& o) {
  if (o == "*") return true;
  size_t scheme = o.find("://");
  if (scheme == std::string::npos || scheme == 0) return false;
  std::string rest = o.substr(scheme + 3);
  return !rest.empty() && rest.find('/') == std::string::npos;
}

std::string failure_text(const http::Response& r, const S3Config& config) {
  Failure f = classify(r, config);
  return f.summary + "; " + f.hint;
}

void check_clock(Report& report, const http::Response& r) {
  std::string date = r.header("date");
  if (date.empty()) return;
  time_t server = curl_getdate(date.c_str(), nullptr);
  if (server < 0) return;
  long skew = static_cast<long>(std::time(nullptr) - server);
  if (std::labs(skew) > 300) {
    report.fail("clock: this machine is " + std::to_string(skew) + " s off the server's Date (" + date +
                "): signed requests fail beyond 15 minutes; sync the clock with NTP (timedatectl set-ntp true)");
  } else {
    report.ok("clock: within " + std::to_string(std::labs(skew) + 1) + " s of the server's Date");
  }
}

void check_range(Report& report, http::Client& client, const std::string& url, const std::string& body,
                 const std::string& origin);

// The public URL serves the object, with CORS for `origin`.
void check_public(Report& report, http::Client& client, const std::string& url, const std::string& body,
                  const std::string& origin) {
  http::Request get;
  get.url = url;
  get.headers = {"Origin: " + origin};
  get.timeout_ms = 15000;
  http::Response r = client.perform(std::move(get));
  if (!r.ok()) {
    report.fail("public URL " + url + ": " +
                (r.curl_code != CURLE_OK ? r.error : "HTTP " + std::to_string(r.status)) +
                "; check --public-url (R2: enable the r2.dev URL or connect a custom domain to the bucket)");
    return;
  }
  if (r.body != body) {
    report.fail("public URL " + url + " serves other bytes than were uploaded; check that --public-url points at "
                "this bucket and prefix, and purge the CDN cache");
    return;
  }
  report.ok("public URL serves the object: " + url);
  std::string allow = r.header("access-control-allow-origin");
  if (allow == "*" || allow == origin) {
    std::string expose = r.header("access-control-expose-headers");
    report.ok("CORS: " + origin + " may read it (Access-Control-Allow-Origin: " + allow + ")" +
              (expose.empty() ? "" : ", exposed: " + expose));
  } else {
    report.fail("CORS: no Access-Control-Allow-Origin for Origin " + origin +
                " (players on that page cannot load segments); run: r2push cors --allow-origin " + origin);
    return;
  }
  check_range(report, client, url, body, origin);
}

// p2p-media-loader finishes a segment a peer began over HTTP with a Range
// request: browsers preflight it (Range beyond a plain bytes=N-M is not
// CORS-safelisted everywhere), and the server must answer it with 206.
void check_range(Report& report, http::Client& client, const std::string& url, const std::string& body,
                 const std::string& origin) {
  http::Request preflight;
  preflight.method = "OPTIONS";
  preflight.url = url;
  preflight.headers = {"Origin: " + origin, "Access-Control-Request-Method: GET",
                       "Access-Control-Request-Headers: range"};
  preflight.timeout_ms = 15000;
  http::Response p = client.perform(std::move(preflight));
  std::string allowed = p.header("access-control-allow-headers");
  if (!p.ok() || !http::header_lists(allowed, "range")) {
    report.fail("CORS preflight for a Range request from " + origin + ": " +
                (p.curl_code != CURLE_OK ? p.error
                                         : "HTTP " + std::to_string(p.status) + ", Access-Control-Allow-Headers: " +
                                               (allowed.empty() ? "(none)" : allowed)) +
                " (players cannot finish a segment a peer began); run: r2push cors --allow-origin " + origin);
    return;
  }
  report.ok("CORS preflight allows the Range header (Access-Control-Allow-Headers: " + allowed + ")");

  http::Request ranged;
  ranged.url = url;
  ranged.headers = {"Origin: " + origin, "Range: bytes=1-3"};
  ranged.timeout_ms = 15000;
  http::Response g = client.perform(std::move(ranged));
  if (g.status == 206 && g.body == body.substr(1, 3)) {
    report.ok("Range: bytes=1-3 answered 206 with those 3 bytes");
  } else {
    report.fail("Range: bytes=1-3 answered " +
                (g.curl_code != CURLE_OK ? g.error : "HTTP " + std::to_string(g.status)) +
                (g.status == 200 ? " with the whole object" : "") +
                ": the CDN or proxy in front of the bucket must pass Range through (a cache rule may strip it)");
  }
}

int finish(const Report& report) {
  std::cout << (report.failures() ? std::to_string(report.failures()) + " check(s) failed" : "all checks passed")
            << "\n";
  return report.failures() ? code(Exit::unavailable) : 0;
}

int check_file(const Settings& s, const std::string& origin) {
  Report report;
  http::Client client(2);
  std::filesystem::path dir = s.destination.dir;
  // No leading dot: sigd and many web servers refuse to serve dotfiles.
  std::string key = (s.destination.prefix.empty() ? "" : s.destination.prefix + "/") + "r2push-check-" +
                    std::to_string(::getpid()) + ".txt";
  std::filesystem::path file = dir / key;
  std::string body = "r2push check " + format_iso8601_ms(std::chrono::system_clock::now()) + "\n";
  try {
    ensure_directory(file.parent_path());
    write_file_atomic(file, body);
    report.ok("directory " + dir.string() + " is writable");
  } catch (const Error& e) {
    report.fail(e.what());
    return finish(report);
  }
  if (s.public_url.empty()) {
    report.skip("public URL: none given (--public-url / R2_PUBLIC_URL)");
  } else {
    check_public(report, client, url::join(s.public_url, encode_key(key)), body, origin);
  }
  std::filesystem::remove(file);
  return finish(report);
}

// ListObjectsV2: the credentials, the clock and the bucket. False: nothing
// further can work.
bool check_bucket(Report& report, http::Client& client, const S3Api& api, const Settings& s) {
  http::Response list = client.perform(api.list_objects_v2(s.destination.prefix, 1));
  check_clock(report, list);
  if (list.ok()) {
    report.ok("credentials accepted; bucket " + s.destination.bucket + " reachable (ListObjectsV2)");
    return true;
  }
  Failure f = classify(list, api.config());
  if (f.summary.rfind("access denied", 0) == 0) {
    report.warn("ListObjectsV2 denied (an object-scoped token may not list); going on with the object round trip");
    return true;
  }
  report.fail("ListObjectsV2 on " + s.destination.bucket + ": " + f.summary + "; " + f.hint);
  return false;
}

// PUT then HEAD of a small object: it is stored as sent. False: the PUT failed.
bool check_put(Report& report, http::Client& client, const S3Api& api, const std::string& key,
               const std::string& body) {
  const std::string type = "text/plain; charset=utf-8";
  http::Response put = client.perform(api.put_object(key, body, type, "no-store"));
  if (!put.ok()) {
    report.fail("PUT " + key + ": " + failure_text(put, api.config()));
    return false;
  }
  report.ok("PUT " + key + " (" + std::to_string(body.size()) + " bytes, ETag " + put.header("etag") + ")");
  http::Response head = client.perform(api.head_object(key));
  if (!head.ok()) {
    report.fail("HEAD " + key + ": " + failure_text(head, api.config()));
  } else if (head.header("content-length") != std::to_string(body.size()) || head.header("content-type") != type) {
    report.fail("HEAD " + key + ": stored as " + head.header("content-length") + " bytes, " +
                head.header("content-type") + "; the service does not keep what was sent, check the endpoint");
  } else {
    report.ok("HEAD " + key + ": same size and Content-Type");
  }
  return true;
}

// Without a public URL, the bucket's CORS rules stand in for a real fetch.
void check_bucket_cors(Report& report, http::Client& client, const S3Api& api, const Settings& s) {
  report.skip("public URL: none given (--public-url / R2_PUBLIC_URL)");
  http::Response cors = client.perform(api.get_bucket_cors());
  if (cors.ok() && cors.body.find("<AllowedOrigin>") != std::string::npos) {
    report.ok("CORS rules present on the bucket (GetBucketCors)");
  } else if (cors.ok() || cors.status == 404) {
    report.fail("CORS: no rule on bucket " + s.destination.bucket + "; run: r2push cors --allow-origin ORIGIN");
  } else {
    report.warn("GetBucketCors: " + failure_text(cors, api.config()));
  }
}

// DELETE, then HEAD finds nothing: --delete-expired will work.
void check_delete(Report& report, http::Client& client, const S3Api& api, const std::string& key) {
  http::Response del = client.perform(api.delete_object(key));
  if (!del.ok()) {
    report.fail("DELETE " + key + ": " + failure_text(del, api.config()) +
                "; the token needs delete permission for --delete-expired");
    return;
  }
  http::Response gone = client.perform(api.head_object(key));
  if (gone.status == 404) {
    report.ok("DELETE " + key + ": the object is gone");
  } else {
    report.fail("DELETE " + key + " answered " + std::to_string(del.status) + " but HEAD still finds it (" +
                std::to_string(gone.status) + ")");
  }
}

}  // namespace

int run_check(const Options& options) {
  const Settings s = resolve(options);
  std::string origin = options.allow_origins.empty()
                           ? (s.public_url.empty() ? "http://localhost" : origin_of(s.public_url))
                           : options.allow_origins.front();
  if (!s.destination.is_s3()) return check_file(s, origin);

  Report report;
  S3Api api(s3_config(s));
  http::Client client(2);
  report.ok("config: bucket " + s.destination.bucket + " at " + s.endpoint + ", region " + s.region);
  if (!check_bucket(report, client, api, s)) return finish(report);

  std::string key = (s.destination.prefix.empty() ? "" : s.destination.prefix + "/") + "r2push-check-" +
                    std::to_string(::getpid()) + "-" + std::to_string(std::time(nullptr)) + ".txt";
  std::string body = "r2push check " + format_iso8601_ms(std::chrono::system_clock::now()) + "\n";
  if (!check_put(report, client, api, key, body)) return finish(report);
  if (s.public_url.empty()) {
    check_bucket_cors(report, client, api, s);
  } else {
    check_public(report, client, url::join(s.public_url, encode_key(key)), body, origin);
  }
  check_delete(report, client, api, key);
  return finish(report);
}

int run_cors(const Options& options) {
  const Settings s = resolve(options);
  if (!s.destination.is_s3()) {
    throw Error(Exit::usage, "r2push cors works on s3:// destinations; for a local directory set CORS in the web "
                             "server (sigd does it)");
  }
  for (const auto& o : options.allow_origins) {
    if (!valid_origin(o)) {
      throw Error(Exit::usage, "--allow-origin " + o +
                                   ": an origin is scheme://host[:port] without a path, e.g. https://watch.example.com");
    }
  }
  S3Api api(s3_config(s));
  http::Client client(2);
  http::Response r = client.perform(api.put_bucket_cors(options.allow_origins, options.cors_max_age));
  if (!r.ok()) {
    throw Error(Exit::unavailable, "PutBucketCors on " + s.destination.bucket + ": " + failure_text(r, api.config()));
  }
  std::string origins;
  for (const auto& o : options.allow_origins) origins += (origins.empty() ? "" : " ") + o;
  std::cout << "OK    CORS on " << s.destination.bucket << ": GET, HEAD from " << origins
            << "; Range allowed; Content-Length, Content-Range, Content-Type, ETag exposed; max age "
            << options.cors_max_age << " s\n";
  return 0;
}

int run_lifecycle(const Options& options) {
  const Settings s = resolve(options);
  if (!s.destination.is_s3()) {
    throw Error(Exit::usage, "r2push lifecycle works on s3:// destinations");
  }
  std::string prefix = options.lifecycle_prefix_given ? options.lifecycle_prefix
                                                      : (s.destination.prefix.empty() ? "" : s.destination.prefix + "/");
  S3Api api(s3_config(s));
  http::Client client(2);
  const std::string rule = expire_rule(options.expire_days, prefix);
  // PutBucketLifecycleConfiguration replaces every rule of the bucket: read
  // them first and put them back, unless the user asked to replace them all.
  std::vector<std::string> existing;
  if (!options.lifecycle_replace) {
    http::Response got = client.perform(api.get_bucket_lifecycle());
    const std::string what = "GetBucketLifecycleConfiguration on " + s.destination.bucket;
    const std::string why = "r2push lifecycle reads the bucket's rules first because PutBucketLifecycleConfiguration "
                            "replaces all of them, and it keeps the others; fix that, or pass --replace to overwrite "
                            "every lifecycle rule of the bucket with this one";
    if (got.ok()) {
      if (got.body.find("LifecycleConfiguration") == std::string::npos) {
        throw Error(Exit::unavailable, what + ": the answer is not a LifecycleConfiguration document; " + why);
      }
      existing = lifecycle_rules(got.body);
    } else if (parse_error(got).code != "NoSuchLifecycleConfiguration") {  // that one: no rules yet
      throw Error(Exit::unavailable, what + ": " + failure_text(got, api.config()) + ". " + why);
    }
  }
  const size_t before = existing.size();
  std::vector<std::string> rules = merge_lifecycle_rule(std::move(existing), rule);
  const bool replaced_ours = rules.size() == before && before > 0;
  http::Response r = client.perform(api.put_bucket_lifecycle(lifecycle_configuration(rules)));
  if (!r.ok()) {
    throw Error(Exit::unavailable,
                "PutBucketLifecycleConfiguration on " + s.destination.bucket + ": " + failure_text(r, api.config()));
  }
  const size_t others = rules.size() - 1;
  std::cout << "OK    lifecycle on " << s.destination.bucket << ": objects under '" << prefix << "' expire after "
            << options.expire_days << " day(s) (rule " << expire_rule_id(prefix) << "); "
            << (options.lifecycle_replace ? "every other rule removed (--replace)"
                                          : std::to_string(others) + " other rule(s) kept" +
                                                (replaced_ours ? ", the earlier rule of that ID replaced" : ""))
            << "\n";
  return 0;
}

int run(const Options& o) {
  if (o.command == "check") return run_check(o);
  if (o.command == "cors") return run_cors(o);
  if (o.command == "lifecycle") return run_lifecycle(o);
  return run_upload(o);
}

}  // namespace hlsmesh::r2push
