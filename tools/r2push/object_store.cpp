#include "tools/r2push/object_store.hpp"

#include <sys/stat.h>

#include <cstdio>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/url.hpp"
#include "tools/r2push/keys.hpp"

namespace hlsmesh::r2push {

namespace {

// ETag of a published file the way nginx computes it ("mtime-size" in hex).
std::string file_etag(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  char buf[64];
  std::snprintf(buf, sizeof buf, "\"%llx-%llx\"", static_cast<unsigned long long>(st.st_mtime),
                static_cast<unsigned long long>(st.st_size));
  return buf;
}

// The file no longer holds the bytes its {hash} key was made from: the source
// rewrote it after its event (an encoder restarted and reused the name).
// Those bytes under this key would change an object a playlist may list
// already; the new file comes with an event, and a key, of its own.
Refusal changed_since_event(const PutRequest& request) {
  return Refusal{"not uploading " + request.path + " as " + request.key,
                 "the file changed after its event (its bytes no longer hash to " + request.hash +
                     "); the source rewrote it, e.g. a restarted encoder reusing the name",
                 "the new file is uploaded under a key of its own when it is reported; this event goes on with an "
                 "error and no url"};
}

PutResult refused(Refusal refusal) {
  PutResult result;
  result.refused = std::move(refusal);
  return result;
}

}  // namespace

void S3Store::put(const PutRequest& request, Done done) {
  std::string body;
  try {
    body = read_file(request.path);
  } catch (const Error& e) {
    done(refused({"upload of " + request.path + " to " + describe(request.key) + " failed", e.what(),
                  "the event goes on with an error and no url"}));
    return;
  }
  std::string sha256 = sha256_hex(body);  // the payload hash the PUT needs anyway
  if (!request.hash.empty() && content_hash(sha256) != request.hash) return done(refused(changed_since_event(request)));
  const uint64_t bytes = body.size();
  http::Request put = api_.put_object(request.key, std::move(body), request.content_type, request.cache_control,
                                      std::move(sha256));
  put.timeout_ms = request.timeout_ms;
  client_.start(std::move(put), [this, key = request.key, attempt = request.attempt, bytes,
                                 done = std::move(done)](http::Response&& r) {
    log::debug("PUT done", {{"key", key},
                            {"status", r.status},
                            {"attempt", attempt},
                            {"ms", static_cast<long>(r.total_s * 1000)},
                            {"new_connections", r.new_connections}});
    PutResult result;
    result.bytes = bytes;
    result.ok = r.ok();
    if (result.ok) {
      result.etag = r.header("etag");
    } else {
      result.failure = classify(r, api_.config());
    }
    done(std::move(result));
  });
}

std::string S3Store::object_url(const std::string& key) const { return api_.object_url(key); }

std::string S3Store::describe(const std::string& key) const { return "s3://" + api_.config().bucket + "/" + key; }

void FileStore::put(const PutRequest& request, Done done) {
  const std::filesystem::path target = dir_ / request.key;
  PutResult result;
  try {
    ensure_directory(target.parent_path());
    std::error_code ec;
    if (!request.hash.empty()) {
      // Written from the bytes checked, not hard-linked: an encoder that
      // rewrites the source in place (ffmpeg without temp_file reopens
      // streamN.ts with O_TRUNC) would change the object under its hash key.
      // Live segments are not worth an fsync, as the hard link had none.
      std::string body = read_file(request.path);
      if (content_hash(sha256_hex(body)) != request.hash) return done(refused(changed_since_event(request)));
      write_file_atomic(target, body, 0644, Durability::rename_only);
    } else if (std::filesystem::equivalent(request.path, target, ec)) {
      // Already in place (the source directory is the destination).
    } else {
      result.linked = link_or_copy_atomic(request.path, target);
    }
  } catch (const Error& e) {
    done(refused({"publishing " + request.path + " as " + target.string() + " failed", e.what(),
                  "the event goes on with an error and no url"}));
    return;
  }
  std::error_code size_error;
  result.bytes = std::filesystem::file_size(target, size_error);
  if (size_error) result.bytes = 0;
  result.ok = true;
  result.etag = file_etag(target);
  done(std::move(result));
}

std::string FileStore::object_url(const std::string& key) const {
  return "file://" + url::encode((dir_ / key).string(), true);
}

}  // namespace hlsmesh::r2push
