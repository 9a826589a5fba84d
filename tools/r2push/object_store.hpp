#pragma once
// Where the scheduler's uploads go, behind one interface: an S3 API over
// libcurl, or a local directory (file://). The scheduler decides what to
// upload, when, and how often to try; a store makes one try and says how it
// went. The seam lets a test drive the scheduler with a store it scripts.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "common/http_client.hpp"
#include "common/refusal.hpp"
#include "tools/r2push/s3_api.hpp"

namespace hlsmesh::r2push {

// One try of one upload.
struct PutRequest {
  std::string key, path, content_type, cache_control;
  // {hash} of the bytes the key was made from, or "". When set, the store
  // writes the object only if the file still hashes to it (refused if not).
  std::string hash;
  long timeout_ms = 30000;
  int attempt = 1;  // for the debug log
};

// How one try went.
struct PutResult {
  // The try could not be made (unreadable file, directory not writable).
  // Never retried.
  std::optional<Refusal> refused;
  bool ok = false;
  std::string etag;
  uint64_t bytes = 0;   // of the object written or sent
  bool linked = false;  // file://: a hard link, no copy
  Failure failure;      // neither ok nor refused: the store's answer, retryable or not
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  using Done = std::function<void(PutResult&&)>;
  // Makes one try and calls `done` once: from a later poll, or before
  // returning when the store is local.
  virtual void put(const PutRequest& request, Done done) = 0;
  // The object's URL in the store (--public-url aside).
  virtual std::string object_url(const std::string& key) const = 0;
  // Names the object in messages ("s3://BUCKET/KEY").
  virtual std::string describe(const std::string& key) const = 0;
  // Writes of one key are spaced by --same-key-interval (R2 takes one a second).
  virtual bool paces_writes() const = 0;
};

// PUT Object on an S3 API; `client` and `api` outlive the store.
class S3Store final : public ObjectStore {
 public:
  S3Store(http::Client& client, const S3Api& api) : client_(client), api_(api) {}
  void put(const PutRequest& request, Done done) override;
  std::string object_url(const std::string& key) const override;
  std::string describe(const std::string& key) const override;
  bool paces_writes() const override { return true; }

 private:
  http::Client& client_;
  const S3Api& api_;
};

// file://DIR: a hard link (or an atomic copy) of the file at DIR/KEY; with a
// {hash}, a copy of the bytes checked.
class FileStore final : public ObjectStore {
 public:
  explicit FileStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  void put(const PutRequest& request, Done done) override;
  std::string object_url(const std::string& key) const override;
  std::string describe(const std::string& key) const override { return (dir_ / key).string(); }
  bool paces_writes() const override { return false; }

 private:
  std::filesystem::path dir_;
};

}  // namespace hlsmesh::r2push
