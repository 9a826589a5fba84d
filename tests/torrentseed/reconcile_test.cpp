// TorrentTable against a real libtorrent session whose alert queue is made to
// overflow: adds and removals whose alerts were dropped must still settle
// (reconcile()), so no event is held back and no stored copy is left behind.
#include <gtest/gtest.h>
#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/torrent_flags.hpp>
#include <poll.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "common/time_util.hpp"
#include "tests/lib/temp_dir.hpp"
#include "tools/torrentseed/session.hpp"
#include "tools/torrentseed/store.hpp"
#include "tools/torrentseed/torrent_maker.hpp"
#include "tools/torrentseed/torrents.hpp"

namespace fs = std::filesystem;
using namespace hlsmesh::torrentseed;

namespace {

constexpr int kTorrents = 400;

struct Fixture {
  hlsmesh::test::TempDir tmp{"ts-reconcile"};
  fs::path dir = tmp.path;
  SegmentStore store;
  TorrentSession session;
  TorrentTable table{session, store};
  int dropped = 0;  // alerts libtorrent reported dropped

  Fixture()
      : store((dir / "store").string()),
        // The smallest queue torrentseed accepts, never read while the adds go
        // in: it overflows.
        session(SessionConfig{"127.0.0.1:0", false, false, 64, false}) {}

  // Lets the table see whatever alerts survived.
  void drain(int ms) {
    const std::int64_t until = hlsmesh::monotonic_ms() + ms;
    while (hlsmesh::monotonic_ms() < until) {
      pollfd fd{session.notify_fd(), POLLIN, 0};
      if (::poll(&fd, 1, 20) <= 0) continue;
      for (lt::alert* alert : session.pop_alerts()) {
        if (const auto* d = lt::alert_cast<lt::alerts_dropped_alert>(alert)) dropped += static_cast<int>(d->dropped_alerts.count());
        table.handle(*alert);
      }
    }
  }
};

}  // namespace

TEST(torrentseed_reconcile, DroppedAddAndRemoveAlertsStillSettle) {
  Fixture f;
  std::set<std::string> hashes;
  for (int i = 0; i < kTorrents; ++i) {
    TorrentSpec spec;
    spec.name = "seg" + std::to_string(i) + ".ts";
    const std::string content = "segment " + std::to_string(i) + std::string(20000, static_cast<char>('a' + i % 26));
    MadeTorrent made = make_torrent(content, spec);
    fs::create_directories(f.store.dir_for(made.infohash));
    std::ofstream(f.store.dir_for(made.infohash) / spec.name, std::ios::binary) << content;
    f.store.claim(made.infohash);
    f.table.adding(made.info->info_hashes(), spec.name, spec.name);
    f.table.retain(made.infohash);
    lt::add_torrent_params params;
    params.ti = made.info;
    params.save_path = f.store.dir_for(made.infohash).string();
    params.flags = lt::torrent_flags::seed_mode | lt::torrent_flags::update_subscribe;
    f.session.get().async_add_torrent(std::move(params));
    hashes.insert(made.infohash);
  }
  // All in the session, the queue overflowed on the way.
  for (int i = 0; i < 200 && f.session.get().get_torrents().size() < kTorrents; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(f.session.get().get_torrents().size(), static_cast<std::size_t>(kTorrents));
  f.drain(300);
  ASSERT_GT(f.dropped, 0) << "the alert queue did not overflow; the test proves nothing";

  std::set<std::string> settled;
  for (const auto& outcome : f.table.take_added()) settled.insert(outcome.infohash);
  const std::size_t by_alert = settled.size();
  EXPECT_LT(by_alert, static_cast<std::size_t>(kTorrents)) << "every add_torrent_alert arrived: nothing to reconcile";

  // Overdue: reconcile looks the rest up in the session.
  f.table.reconcile(hlsmesh::monotonic_ms() + TorrentTable::confirm_ms);
  for (const auto& outcome : f.table.take_added()) {
    EXPECT_TRUE(outcome.error.empty()) << outcome.error;
    EXPECT_TRUE(outcome.handle.is_valid());
    EXPECT_TRUE(settled.insert(outcome.infohash).second) << "settled twice: " << outcome.infohash;
  }
  EXPECT_EQ(settled, hashes);
  EXPECT_EQ(f.table.live(), static_cast<std::size_t>(kTorrents));

  // Now every torrent leaves at once: removal alerts overflow too.
  for (const auto& ih : hashes) f.table.release(ih);
  for (int i = 0; i < 300 && !f.session.get().get_torrents().empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(f.session.get().get_torrents().empty());
  f.drain(300);
  f.table.reconcile(hlsmesh::monotonic_ms() + TorrentTable::confirm_ms);
  EXPECT_EQ(f.table.size(), 0u) << "entries stuck in `removing`";
  EXPECT_EQ(f.table.removed_count(), static_cast<std::uint64_t>(kTorrents));
  std::size_t left = 0;
  std::string first;
  for (const auto& entry : fs::directory_iterator(f.store.root())) {
    if (entry.path().filename() == ".staging") continue;
    if (left++ == 0) first = entry.path().string();
  }
  EXPECT_EQ(left, 0u) << "stored copies left behind, e.g. " << first;
}

TEST(torrentseed_reconcile, AnAddTheSessionNeverHadFailsAfterGiveUp) {
  Fixture f;
  TorrentSpec spec;
  spec.name = "ghost.ts";
  MadeTorrent made = make_torrent(std::string(30000, 'g'), spec);
  fs::create_directories(f.store.dir_for(made.infohash));
  std::ofstream(f.store.dir_for(made.infohash) / spec.name) << "x";
  f.store.claim(made.infohash);
  // Registered as being added, but never given to libtorrent: as if the add
  // and its alert were both lost.
  f.table.adding(made.info->info_hashes(), spec.name, "ghost.ts");
  f.table.retain(made.infohash);

  const std::int64_t now = hlsmesh::monotonic_ms();
  f.table.reconcile(now + TorrentTable::confirm_ms);
  EXPECT_TRUE(f.table.take_added().empty()) << "gave up before give_up_ms";
  f.table.reconcile(now + TorrentTable::give_up_ms + 1000);
  auto outcomes = f.table.take_added();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].infohash, made.infohash);
  EXPECT_NE(outcomes[0].error.find("not in the session"), std::string::npos) << outcomes[0].error;
  EXPECT_EQ(f.table.size(), 0u);
  EXPECT_EQ(f.table.errors().torrent, 1u);
  EXPECT_FALSE(fs::exists(f.store.dir_for(made.infohash))) << "the failed add's stored copy stays";
}
