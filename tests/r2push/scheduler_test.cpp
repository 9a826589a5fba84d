// r2push's Scheduler driven through its ObjectStore seam: a store the test
// answers by hand, so retries, give-ups, coalescing, output order and the
// delete/write races are played step by step, without a server. The real
// stores run against s3rver and a directory in the script tests.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/fd.hpp"
#include "common/time_util.hpp"
#include "tests/lib/temp_dir.hpp"
#include "tools/r2push/destination.hpp"
#include "tools/r2push/expirer.hpp"
#include "tools/r2push/keys.hpp"
#include "tools/r2push/object_store.hpp"
#include "tools/r2push/scheduler.hpp"

using namespace hlsmesh;
using namespace hlsmesh::r2push;
using hlsmesh::test::TempDir;

namespace {

// Keeps each try until the test answers it.
class ScriptedStore final : public ObjectStore {
 public:
  struct Try {
    PutRequest request;
    Done done;
  };
  void put(const PutRequest& request, Done done) override { tries.push_back({request, std::move(done)}); }
  std::string object_url(const std::string& key) const override { return "https://store.test/" + key; }
  std::string describe(const std::string& key) const override { return "s3://live/" + key; }
  bool paces_writes() const override { return false; }

  // Answers the try at `index` (in start order among those unanswered).
  void answer(size_t index, PutResult result) {
    ASSERT_LT(index, tries.size());
    Try t = std::move(tries[index]);
    tries.erase(tries.begin() + static_cast<long>(index));
    t.done(std::move(result));
  }

  std::vector<Try> tries;  // unanswered
};

PutResult stored(const std::string& etag) {
  PutResult r;
  r.ok = true;
  r.etag = etag;
  r.bytes = 100;
  return r;
}

PutResult unavailable() {
  PutResult r;
  r.failure.retryable = true;
  r.failure.status = 503;
  r.failure.summary = "the store is unavailable (HTTP 503)";
  r.failure.hint = "try again later";
  return r;
}

Json segment(const std::string& path) { return {{"event", "segment"}, {"rendition", "0"}, {"path", path}}; }

struct Rig {
  explicit Rig(int retries = 5, bool delete_expired = false) {
    settings.destination = parse_destination("file://" + (tmp.path / "www").string());
    settings.key_template = "{rendition}/{name}";
    settings.retries = retries;
    settings.delete_expired = delete_expired;
  }

  // The events written so far, in order.
  std::vector<Json> written() const {
    std::vector<Json> out;
    std::ifstream in(tmp.path / "out.jsonl");
    for (std::string line; std::getline(in, line);) out.push_back(Json::parse(line));
    return out;
  }

  // Pumps until the scheduler starts a try or `limit_ms` pass; the waits are
  // the ones pump() asks for (the backoff).
  void pump_until_a_try(long limit_ms = 3000) {
    int64_t end = monotonic_ms() + limit_ms;
    while (store.tries.empty() && monotonic_ms() < end) {
      long due = scheduler.pump();
      if (store.tries.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(due < 0 ? 10 : due + 1));
    }
  }

  TempDir tmp{"r2push-scheduler"};
  Settings settings;
  http::Client client{1};
  Expirer expirer{settings, client, nullptr};
  ScriptedStore store;
  UniqueFd out_fd{::open((tmp.path / "out.jsonl").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
  EventWriter writer{out_fd.get()};
  Scheduler scheduler{settings, store, expirer, writer};
};

}  // namespace

TEST(r2pushScheduler, RetriesARetryableFailureAfterABackoff) {
  Rig rig(2);
  rig.scheduler.add(segment("/src/0/seg1.ts"));
  rig.scheduler.pump();
  ASSERT_EQ(rig.store.tries.size(), 1u);
  EXPECT_EQ(rig.store.tries[0].request.key, "0/seg1.ts");
  EXPECT_EQ(rig.store.tries[0].request.content_type, "video/mp2t");
  rig.store.answer(0, unavailable());
  EXPECT_EQ(rig.scheduler.stats().retries, 1u);
  // First backoff: 250 ms with equal jitter, so 125-250 ms; nothing before.
  long due = rig.scheduler.pump();
  EXPECT_GE(due, 100);
  EXPECT_LE(due, 250);
  EXPECT_TRUE(rig.store.tries.empty());
  EXPECT_TRUE(rig.written().empty());
  rig.pump_until_a_try();
  ASSERT_EQ(rig.store.tries.size(), 1u);
  EXPECT_EQ(rig.store.tries[0].request.attempt, 2);
  rig.store.answer(0, stored("\"e1\""));
  rig.scheduler.pump();
  auto out = rig.written();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["url"], "https://store.test/0/seg1.ts");
  EXPECT_EQ(out[0]["etag"], "\"e1\"");
  EXPECT_EQ(out[0]["key"], "0/seg1.ts");
  EXPECT_FALSE(out[0].contains("error"));
  EXPECT_EQ(rig.scheduler.stats().uploaded, 1u);
  EXPECT_TRUE(rig.scheduler.idle());
}

TEST(r2pushScheduler, GivesUpAfterTheRetriesWithTheErrorInTheEvent) {
  Rig rig(1);
  rig.scheduler.add(segment("/src/0/seg1.ts"));
  rig.pump_until_a_try();
  rig.store.answer(0, unavailable());
  rig.pump_until_a_try();
  ASSERT_EQ(rig.store.tries.size(), 1u);
  rig.store.answer(0, unavailable());
  rig.scheduler.pump();
  EXPECT_TRUE(rig.store.tries.empty());  // --retries 1: two tries, no third
  auto out = rig.written();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].contains("url"));
  const Json& error = out[0]["error"];
  EXPECT_EQ(error["tool"], "r2push");
  EXPECT_EQ(error["status"], 503);
  EXPECT_EQ(error["message"],
            "upload of /src/0/seg1.ts to s3://live/0/seg1.ts failed after 2 tries: the store is unavailable "
            "(HTTP 503); try again later");
  EXPECT_EQ(rig.scheduler.stats().failed, 1u);
}

TEST(r2pushScheduler, AFailureThatIsNotRetryableEndsAtOnce) {
  Rig rig(5);
  rig.scheduler.add(segment("/src/0/seg1.ts"));
  rig.scheduler.pump();
  PutResult denied;
  denied.failure = {false, 403, "AccessDenied", "credentials rejected (AccessDenied)", "check the key", -1};
  rig.store.answer(0, std::move(denied));
  rig.scheduler.pump();
  auto out = rig.written();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["error"]["status"], 403);
  EXPECT_NE(out[0]["error"]["message"].get<std::string>().find("failed after 1 try: credentials rejected"),
            std::string::npos);
  EXPECT_EQ(rig.scheduler.stats().retries, 0u);
}

TEST(r2pushScheduler, CoalescesVersionsOfAKeyThatAreStillWaiting) {
  Rig rig;
  rig.scheduler.add(segment("/a/0/index.m3u8"));
  rig.scheduler.pump();
  ASSERT_EQ(rig.store.tries.size(), 1u);  // the first version is under way
  rig.scheduler.add(segment("/b/0/index.m3u8"));
  rig.scheduler.add(segment("/c/0/index.m3u8"));  // replaces /b's, which never started
  rig.scheduler.pump();
  EXPECT_EQ(rig.store.tries.size(), 1u);  // one write of a key at a time
  EXPECT_EQ(rig.scheduler.stats().coalesced, 1u);
  rig.store.answer(0, stored("\"v1\""));
  rig.scheduler.pump();
  ASSERT_EQ(rig.store.tries.size(), 1u);
  EXPECT_EQ(rig.store.tries[0].request.path, "/c/0/index.m3u8");
  EXPECT_EQ(rig.store.tries[0].request.content_type, "application/vnd.apple.mpegurl");
  rig.store.answer(0, stored("\"v3\""));
  rig.scheduler.pump();
  auto out = rig.written();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0]["path"], "/a/0/index.m3u8");
  EXPECT_EQ(out[0]["etag"], "\"v1\"");
  EXPECT_EQ(out[1]["path"], "/b/0/index.m3u8");  // carried by the newer version's upload
  EXPECT_EQ(out[1]["etag"], "\"v3\"");
  EXPECT_EQ(out[2]["path"], "/c/0/index.m3u8");
  EXPECT_EQ(out[2]["etag"], "\"v3\"");
  EXPECT_EQ(rig.scheduler.stats().uploaded, 2u);
}

TEST(r2pushScheduler, WritesAnEventOnlyWhenEveryEarlierOneIsDone) {
  Rig rig;
  rig.scheduler.add(segment("/src/0/seg1.ts"));
  rig.scheduler.add({{"event", "stats"}, {"n", 1}});  // nothing to upload: passes
  rig.scheduler.add(segment("/src/0/seg2.ts"));
  rig.scheduler.pump();
  ASSERT_EQ(rig.store.tries.size(), 2u);
  rig.store.answer(1, stored("\"s2\""));  // seg2 first
  rig.scheduler.pump();
  EXPECT_TRUE(rig.written().empty());
  EXPECT_EQ(rig.scheduler.backlog(), 3u);
  rig.store.answer(0, stored("\"s1\""));
  rig.scheduler.pump();
  auto out = rig.written();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0]["path"], "/src/0/seg1.ts");
  EXPECT_EQ(out[1]["event"], "stats");
  EXPECT_EQ(out[1], (Json{{"event", "stats"}, {"n", 1}}));  // passed untouched
  EXPECT_EQ(out[2]["path"], "/src/0/seg2.ts");
  EXPECT_EQ(out[2]["etag"], "\"s2\"");
}

TEST(r2pushScheduler, ALaterWriteOfAKeyCancelsItsScheduledDelete) {
  Rig rig(5, true);
  rig.tmp.write("www/0/seg1.ts", "old");
  rig.tmp.write("www/0/seg2.ts", "old");
  rig.scheduler.add({{"event", "expire"}, {"rendition", "0"}, {"path", "/src/0/seg1.ts"}, {"expire_after", 0}});
  rig.scheduler.add({{"event", "expire"}, {"rendition", "0"}, {"path", "/src/0/seg2.ts"}, {"expire_after", 0}});
  EXPECT_EQ(rig.written().size(), 2u);
  EXPECT_EQ(rig.expirer.pending(), 2u);  // counting down since written
  rig.scheduler.add(segment("/restarted/0/seg1.ts"));  // a restarted source reuses the name
  EXPECT_EQ(rig.expirer.pending(), 1u);
  EXPECT_EQ(rig.expirer.cancelled(), 1u);
  rig.expirer.pump(monotonic_ms() + 1000);
  EXPECT_TRUE(std::filesystem::exists(rig.tmp.path / "www/0/seg1.ts"));
  EXPECT_FALSE(std::filesystem::exists(rig.tmp.path / "www/0/seg2.ts"));  // not written again: deleted
}

TEST(r2pushScheduler, AnExpireQueuedBehindAnUploadIsDroppedWhenALaterEventWritesTheKey) {
  Rig rig(5, true);
  rig.scheduler.add(segment("/src/0/seg0.ts"));
  rig.scheduler.add({{"event", "expire"}, {"rendition", "0"}, {"path", "/src/0/seg1.ts"}, {"expire_after", 0}});
  rig.scheduler.add(segment("/restarted/0/seg1.ts"));
  rig.scheduler.pump();
  ASSERT_EQ(rig.store.tries.size(), 2u);
  rig.store.answer(0, stored("\"s0\""));  // seg0 done: the expire is written next
  rig.scheduler.pump();
  EXPECT_EQ(rig.written().size(), 2u);
  EXPECT_EQ(rig.expirer.pending(), 0u);  // never scheduled: the write after it would be removed
  rig.store.answer(0, stored("\"s1\""));
  rig.scheduler.pump();
  EXPECT_EQ(rig.written().size(), 3u);
  EXPECT_TRUE(rig.scheduler.idle());
}

// The real FileStore with a {hash} request: the object is a copy of the bytes
// checked, never a link the encoder could rewrite in place, and a file that
// changed since its hash was taken is refused, not published.
namespace {

PutResult put_to(FileStore& store, const PutRequest& request) {
  PutResult out;
  store.put(request, [&](PutResult&& r) { out = std::move(r); });
  return out;
}

// seg1.ts holding `bytes` now, published as 0/seg1-x.ts with the {hash} of `hashed`.
PutRequest hashed_put(const TempDir& tmp, const std::string& bytes, const std::string& hashed) {
  std::filesystem::path source = tmp.path / "seg1.ts";
  std::ofstream(source) << bytes;
  PutRequest request;
  request.key = "0/seg1-x.ts";
  request.path = source.string();
  request.hash = content_hash(sha256_hex(hashed));
  return request;
}

}  // namespace

TEST(r2pushFileStore, AHashedObjectIsACopyOfTheBytesChecked) {
  TempDir tmp{"r2push-filestore"};
  FileStore store(tmp.path / "www");
  PutRequest request = hashed_put(tmp, "first run", "first run");
  PutResult result = put_to(store, request);
  ASSERT_TRUE(result.ok);
  EXPECT_FALSE(result.linked);
  std::ofstream(request.path) << "second run";  // rewritten in place (O_TRUNC)
  std::ifstream object(tmp.path / "www" / "0/seg1-x.ts");
  std::string held((std::istreambuf_iterator<char>(object)), {});
  EXPECT_EQ(held, "first run");
}

TEST(r2pushFileStore, AFileThatChangedSinceItsHashIsRefused) {
  TempDir tmp{"r2push-filestore"};
  FileStore store(tmp.path / "www");
  PutResult result = put_to(store, hashed_put(tmp, "second run", "first run"));
  ASSERT_TRUE(result.refused);
  EXPECT_NE(result.refused->why.find("changed after its event"), std::string::npos) << result.refused->message();
  EXPECT_FALSE(std::filesystem::exists(tmp.path / "www" / "0/seg1-x.ts"));
}
