// p2p-media-loader's protocol, serving side, over a fake connection that
// records what is sent and lets the test set the buffered amount; and the
// live window's byte and count bounds.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tools/meshrelay/peer_session.hpp"

namespace hlsmesh::meshrelay {
namespace {

using namespace std::chrono_literals;

class FakeConnection : public PeerConnection {
 public:
  void send(std::shared_ptr<const std::string> owner, std::size_t offset, std::size_t length) override {
    sent.emplace_back(owner->substr(offset, length));
    buffered += length;
  }
  std::size_t buffered_amount() const override { return buffered; }
  void set_buffered_low_threshold(std::size_t bytes) override { low = bytes; }
  void accept_answer(const std::string&) override {}

  std::vector<std::string> sent;
  std::size_t buffered = 0;
  std::size_t low = 0;
};

std::string encode(const Command& c) {
  auto parts = serialize(c);
  EXPECT_EQ(parts.size(), 1u);
  return parts[0];
}

std::optional<Command> decode(const std::string& message) {
  if (!is_command_chunk(message)) return std::nullopt;
  return deserialize(std::string_view(message).substr(4, message.size() - 8));
}

struct SessionTest : ::testing::Test {
  SegmentWindow window{1 << 24, 100};
  UploadBudget budget{0};
  FakeConnection connection;
  std::vector<std::string> drops;
  int retries = 0;
  std::unique_ptr<PeerSession> session;
  std::string segment = std::string(200000, 'a') + std::string(100, 'z');
  PeerSession::Clock::time_point t0 = PeerSession::Clock::now();

  void SetUp() override {
    window.add(0, 10, std::make_shared<const std::string>(segment));
    window.add(0, 11, std::make_shared<const std::string>("eleven"));
    window.add(1, 10, std::make_shared<const std::string>("other rendition"));
    make();
  }
  void make(SessionLimits limits = {}, UploadBudget* b = nullptr) {
    session = std::make_unique<PeerSession>(connection, window, 0, limits, b ? *b : budget,
                                            PeerSession::Hooks{[this] { ++retries; },
                                                               [this](const std::string& r) { drops.push_back(r); }});
  }
  void request(std::int64_t id, std::int64_t r, std::optional<std::int64_t> from = {}, PeerSession::Clock::time_point at = {}) {
    auto c = segment_command(CommandType::segment_request, id, r);
    c.b = from;
    session->received(encode(c), at == PeerSession::Clock::time_point{} ? t0 : at);
  }
  std::string data_sent() const {
    std::string out;
    for (const auto& m : connection.sent) {
      if (!is_command_chunk(m)) out += m;
    }
    return out;
  }
};

TEST_F(SessionTest, AnnouncesTheHeldSegmentsOfItsRendition) {
  session->announce();
  ASSERT_EQ(connection.sent.size(), 1u);
  auto c = decode(connection.sent[0]);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->type, CommandType::segments_announcement);
  EXPECT_EQ(c->l, (std::vector<std::int64_t>{10, 11}));
  // The next one as loading: viewers leave its HTTP fetch to the relay.
  EXPECT_EQ(c->p, (std::vector<std::int64_t>{12}));
}

TEST_F(SessionTest, ClaimsNoSegmentWhileItHoldsNone) {
  SegmentWindow empty(1 << 20, 10);
  PeerSession bare(connection, empty, 0, SessionLimits{}, budget, {});
  bare.announce();
  auto c = decode(connection.sent.at(0));
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->l.empty());
  EXPECT_TRUE(c->p.empty());
}

TEST_F(SessionTest, AnswersARequestWithDataInMessagesOfAtMost65535Bytes) {
  request(10, 7);
  ASSERT_GE(connection.sent.size(), 3u);
  auto header = decode(connection.sent.front());
  ASSERT_TRUE(header);
  EXPECT_EQ(header->type, CommandType::segment_data);
  EXPECT_EQ(header->s, static_cast<std::int64_t>(segment.size()));
  EXPECT_EQ(header->r, 7);
  for (const auto& m : connection.sent) EXPECT_LE(m.size(), 65535u);
  EXPECT_TRUE(data_sent() == segment);
  auto done = decode(connection.sent.back());
  ASSERT_TRUE(done);
  EXPECT_EQ(done->type, CommandType::segment_data_sending_completed);
  EXPECT_EQ(done->i, 10);
  EXPECT_EQ(session->stats().bytes_sent, segment.size());
  EXPECT_FALSE(session->uploading());
}

TEST_F(SessionTest, ResumesFromAByteOffset) {
  request(10, 1, 200000);
  EXPECT_EQ(decode(connection.sent.front())->s, 100);
  EXPECT_EQ(data_sent(), std::string(100, 'z'));
}

TEST_F(SessionTest, SaysAbsentForWhatItDoesNotHold) {
  request(12, 3);
  request(10, 4, 999999);  // offset past the end
  ASSERT_EQ(connection.sent.size(), 2u);
  for (const auto& m : connection.sent) EXPECT_EQ(decode(m)->type, CommandType::segment_absent);
  EXPECT_EQ(decode(connection.sent[0])->i, 12);
  EXPECT_EQ(session->stats().absent, 2u);
}

TEST_F(SessionTest, StopsQueueingAtTheHighWaterMarkAndResumesOnPump) {
  SessionLimits limits;
  limits.high_water = 100000;
  make(limits);
  EXPECT_EQ(connection.low, 50000u);
  request(10, 1);
  EXPECT_TRUE(session->uploading());
  const auto queued = data_sent().size();
  EXPECT_GE(queued, 100000u);
  EXPECT_LT(queued, segment.size());
  connection.buffered = 0;  // the browser read it all: on-buffered-amount-low
  session->pump();
  connection.buffered = 0;
  session->pump();
  EXPECT_TRUE(data_sent() == segment);
  EXPECT_FALSE(session->uploading());
}

TEST_F(SessionTest, OneUploadAtATimeANewRequestReplacesTheCurrentOne) {
  SessionLimits limits;
  limits.high_water = 70000;
  make(limits);
  request(10, 1);
  ASSERT_TRUE(session->uploading());
  connection.sent.clear();
  connection.buffered = 0;
  request(11, 2);
  ASSERT_EQ(connection.sent.size(), 3u);  // header, "eleven", completed: nothing more of segment 10
  EXPECT_EQ(decode(connection.sent[0])->i, 11);
  EXPECT_EQ(connection.sent[1], "eleven");
  EXPECT_FALSE(session->uploading());
}

TEST_F(SessionTest, CancelStopsTheUploadOfThatRequestOnly) {
  SessionLimits limits;
  limits.high_water = 70000;
  make(limits);
  request(10, 5);
  session->received(encode(segment_command(CommandType::cancel_segment_request, 10, 4)), t0);
  EXPECT_TRUE(session->uploading());
  session->received(encode(segment_command(CommandType::cancel_segment_request, 10, 5)), t0);
  EXPECT_FALSE(session->uploading());
  EXPECT_EQ(session->stats().cancelled, 1u);
}

TEST_F(SessionTest, DropsAPeerThatFloodsRequests) {
  for (int k = 0; k < 50; ++k) request(12, k, std::nullopt, t0 + std::chrono::milliseconds(k));
  EXPECT_TRUE(drops.empty());
  request(12, 50, std::nullopt, t0 + 500ms);
  ASSERT_EQ(drops.size(), 1u);
  EXPECT_EQ(drops[0].rfind("flood", 0), 0u);
  request(12, 51, std::nullopt, t0 + 600ms);
  EXPECT_EQ(drops.size(), 1u) << "dropped once";
}

TEST_F(SessionTest, ARequestRateUnderTheLimitIsNeverAFlood) {
  for (int k = 0; k < 200; ++k) request(12, k, std::nullopt, t0 + std::chrono::milliseconds(k * 25));
  EXPECT_TRUE(drops.empty());
}

TEST_F(SessionTest, DropsAPeerThatSendsMalformedCommands) {
  session->received(std::string("cstr\x09\x01\x02\x03", 8) + "cend", t0);
  session->received(std::string(1000, 'x'), t0);  // data nobody asked for
  session->received("dstrxxdend", t0);            // a part without its first
  EXPECT_TRUE(drops.empty());
  session->received(std::string("cstr\x01i\x7f", 7) + "cend", t0);
  ASSERT_EQ(drops.size(), 1u);
  EXPECT_EQ(drops[0].rfind("malformed", 0), 0u);
  EXPECT_EQ(session->stats().malformed, 4u);
}

TEST_F(SessionTest, DropsAPeerThatStopsReading) {
  SessionLimits limits;
  limits.high_water = 70000;
  limits.stall = 5s;
  make(limits);
  request(10, 1);
  session->tick(t0 + 4s);
  EXPECT_TRUE(drops.empty());
  session->tick(t0 + 6s);
  ASSERT_EQ(drops.size(), 1u);
  EXPECT_EQ(drops[0].rfind("not-reading", 0), 0u);
}

TEST_F(SessionTest, AReaderThatKeepsUpIsNeverStalled) {
  SessionLimits limits;
  limits.high_water = 70000;
  limits.stall = 5s;
  make(limits);
  request(10, 1);
  for (int s = 1; s < 20; ++s) {
    connection.buffered = 0;
    session->pump(t0 + std::chrono::seconds(s));
    session->tick(t0 + std::chrono::seconds(s));
  }
  EXPECT_TRUE(drops.empty());
}

TEST_F(SessionTest, TheUploadCapHoldsBytesBackAndAsksToBeCalledAgain) {
  UploadBudget capped(65535 * 4);  // bytes/s; the bucket holds two messages
  make({}, &capped);
  request(10, 1);
  EXPECT_TRUE(session->uploading());
  EXPECT_EQ(data_sent().size(), 2u * 65535);
  EXPECT_EQ(retries, 1);
  for (int s = 1; s <= 3; ++s) {
    connection.buffered = 0;
    session->pump(PeerSession::Clock::now() + std::chrono::seconds(s));
  }
  EXPECT_TRUE(data_sent() == segment);
}

TEST(SegmentWindow, BoundedInBytesOldestFirstAcrossRenditions) {
  SegmentWindow w(100, 10);
  EXPECT_TRUE(w.add(0, 1, std::make_shared<const std::string>(40, 'a')));
  EXPECT_TRUE(w.add(1, 1, std::make_shared<const std::string>(40, 'b')));
  EXPECT_TRUE(w.add(0, 2, std::make_shared<const std::string>(40, 'c')));
  EXPECT_FALSE(w.has(0, 1));
  EXPECT_TRUE(w.has(1, 1));
  EXPECT_EQ(w.bytes(), 80u);
  EXPECT_FALSE(w.add(0, 3, std::make_shared<const std::string>(101, 'd'))) << "larger than the budget";
  EXPECT_FALSE(w.add(0, 2, std::make_shared<const std::string>(1, 'e'))) << "held already";
  EXPECT_EQ(w.dropped(), 1u);
}

TEST(SegmentWindow, BoundedInCountPerRendition) {
  SegmentWindow w(1000, 2);
  for (int k = 0; k < 5; ++k) w.add(0, k, std::make_shared<const std::string>(1, 'x'));
  w.add(1, 0, std::make_shared<const std::string>(1, 'y'));
  EXPECT_EQ(w.ids(0), (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(w.count(), 3u);
}

}  // namespace
}  // namespace hlsmesh::meshrelay
