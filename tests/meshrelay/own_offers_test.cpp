// The table of the relay's own offers waiting for answers: the room left
// under --max-peers, expiry, answers matched once, and answers that are
// malformed or answer nothing pending ignored and counted.
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <set>

#include "tools/meshrelay/own_offers.hpp"

namespace hlsmesh::meshrelay {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

json answer_to(const std::string& offer_id, const std::string& sdp = "v=0\r\n") {
  return {{"action", "announce"}, {"info_hash", "h"}, {"peer_id", "-PM0203-abcdefghijkl"},
          {"answer", {{"type", "answer"}, {"sdp", sdp}}}, {"offer_id", offer_id}};
}

TEST(OfferTable, RoomStaysWithinMaxPeersCountingPendingOffers) {
  OfferTable table(50s);
  EXPECT_EQ(table.room(5, 0, 50), 5u);
  EXPECT_EQ(table.room(5, 47, 50), 3u);
  EXPECT_EQ(table.room(5, 50, 50), 0u);
  EXPECT_EQ(table.room(5, 60, 50), 0u);
  const auto now = OfferTable::Clock::now();
  for (std::uint64_t k = 0; k < 4; ++k) table.add({k, 0, 0, now});
  EXPECT_EQ(table.room(5, 44, 50), 2u) << "44 connected and 4 pending leave room for 2";
  EXPECT_EQ(table.room(5, 46, 50), 0u);
}

TEST(OfferTable, IdsAreUniqueAsciiOf20Characters) {
  OfferTable table(50s);
  std::set<std::string> ids;
  for (std::uint64_t k = 0; k < 200; ++k) {
    auto id = table.add({k, 0, 0, OfferTable::Clock::now()});
    ASSERT_EQ(id.size(), 20u);
    for (char c : id) ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 200u);
  EXPECT_EQ(table.counts().made, 200u);
}

TEST(OfferTable, AnAnswerMatchesItsOfferOnceThroughTheSameTracker) {
  OfferTable table(50s);
  const auto id = table.add({7, 2, 1, OfferTable::Clock::now()});
  EXPECT_FALSE(table.match(answer_to(id), 0)) << "an answer through another tracker answers nothing sent there";
  EXPECT_EQ(table.counts().unknown_answers, 1u);
  auto matched = table.match(answer_to(id, "v=0 sdp"), 1);
  ASSERT_TRUE(matched);
  EXPECT_EQ(matched->offer.peer, 7u);
  EXPECT_EQ(matched->offer.swarm, 2u);
  EXPECT_EQ(matched->remote_id, "-PM0203-abcdefghijkl");
  EXPECT_EQ(matched->sdp, "v=0 sdp");
  EXPECT_EQ(table.pending(), 0u);
  EXPECT_FALSE(table.match(answer_to(id), 1)) << "a second answer to the same offer";
  EXPECT_EQ(table.counts().answered, 1u);
  EXPECT_EQ(table.counts().unknown_answers, 2u);
}

TEST(OfferTable, UnknownOfferIdsAreIgnoredAndCounted) {
  OfferTable table(50s);
  table.add({1, 0, 0, OfferTable::Clock::now()});
  EXPECT_FALSE(table.match(answer_to("nobody-offered-this"), 0));
  EXPECT_EQ(table.counts().unknown_answers, 1u);
  EXPECT_EQ(table.counts().malformed_answers, 0u);
  EXPECT_EQ(table.pending(), 1u) << "the pending offer is untouched";
}

TEST(OfferTable, MalformedAnswersAreIgnoredAndCounted) {
  OfferTable table(50s);
  const auto id = table.add({1, 0, 0, OfferTable::Clock::now()});
  std::vector<json> bad = {json::array(), json("answer"), answer_to(id), answer_to(id), answer_to(id),
                           answer_to(id), answer_to(id), answer_to(id), answer_to(id)};
  bad[2]["answer"] = "v=0";                      // not an object
  bad[3]["answer"]["type"] = "offer";            // not an answer
  bad[4]["answer"].erase("sdp");                 // no SDP
  bad[5]["answer"]["sdp"] = 42;                  // SDP not text
  bad[6]["answer"]["sdp"] = "";                  // empty SDP
  bad[7]["offer_id"] = 12345;                    // offer id not text
  bad[8].erase("peer_id");                       // from nobody
  for (const auto& message : bad) EXPECT_FALSE(table.match(message, 0)) << message.dump();
  EXPECT_EQ(table.counts().malformed_answers, bad.size());
  EXPECT_EQ(table.counts().unknown_answers, 0u);
  EXPECT_EQ(table.pending(), 1u);
  EXPECT_TRUE(table.match(answer_to(id), 0)) << "the offer still takes its real answer";
}

TEST(OfferTable, OffersExpireAfterTheTimeoutAndFreeTheirRoom) {
  OfferTable table(50s);
  const auto t0 = OfferTable::Clock::now();
  const auto old_id = table.add({1, 0, 0, t0});
  table.add({2, 0, 0, t0 + 30s});
  EXPECT_TRUE(table.expire(t0 + 49s).empty());
  EXPECT_EQ(table.expire(t0 + 50s), std::vector<std::uint64_t>{1});
  EXPECT_EQ(table.pending(), 1u);
  EXPECT_EQ(table.room(5, 49, 50), 0u);
  EXPECT_EQ(table.expire(t0 + 80s), std::vector<std::uint64_t>{2});
  EXPECT_EQ(table.room(5, 49, 50), 1u);
  EXPECT_EQ(table.counts().expired, 2u);
  EXPECT_FALSE(table.match(answer_to(old_id), 0)) << "an answer after expiry answers nothing";
  EXPECT_EQ(table.counts().unknown_answers, 1u);
}

TEST(OfferTable, ForgettingAConnectionTakesItsOfferOut) {
  OfferTable table(50s);
  const auto id = table.add({9, 0, 0, OfferTable::Clock::now()});
  table.add({10, 0, 0, OfferTable::Clock::now()});
  table.forget(9);
  EXPECT_EQ(table.pending(), 1u);
  EXPECT_FALSE(table.match(answer_to(id), 0));
  const auto report = table.report();
  EXPECT_EQ(report["made"], 2);
  EXPECT_EQ(report["pending"], 1);
  EXPECT_EQ(report["unknown_answers"], 1);
}

}  // namespace
}  // namespace hlsmesh::meshrelay
