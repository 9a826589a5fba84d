// meshrelay's GStreamer peer against a real WebRTC offerer: a second
// webrtcbin in the same process opens a data channel the way a browser does
// (offer with every candidate, non-trickle), meshrelay answers it, and the
// p2p-media-loader protocol runs over the channel: a request answered with
// the segment's bytes, one for a segment it does not hold answered absent.
// Then the other way round: meshrelay offers a channel (its own offers, for
// trackers that relay offers at random), a raw webrtcbin answers as the
// browser's simple-peer does, and the same protocol runs over it.
#define GST_USE_UNSTABLE_API
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "tools/meshrelay/gst_webrtc.hpp"
#include "tools/meshrelay/main_loop.hpp"
#include "tools/meshrelay/peer_commands.hpp"
#include "tools/meshrelay/peer_session.hpp"
#include "tests/meshrelay/offerer.hpp"

namespace hlsmesh::meshrelay {
namespace {

using test_peer::Answerer;
using test_peer::Offerer;
using test_peer::RawPeer;
using test_peer::spin_until;

// Requests segment 42 (held) then 43 (not held) as p2p-media-loader does;
// returns the bytes received for 42 once both are answered, else nothing.
std::optional<std::string> fetch_42_and_43(RawPeer& browser) {
  for (const auto& m : serialize(segment_command(CommandType::segment_request, 42, 7))) browser.send(m);
  auto missing = segment_command(CommandType::segment_request, 43, 8);
  std::string data;
  bool completed = false, absent = false;
  const bool done = spin_until([&] {
    for (auto& m : browser.received) {
      if (!is_command_chunk(m)) {
        data += m;
        continue;
      }
      auto c = deserialize(std::string_view(m).substr(4, m.size() - 8));
      if (c.type == CommandType::segment_data_sending_completed) {
        completed = true;
        for (const auto& x : serialize(missing)) browser.send(x);
      }
      if (c.type == CommandType::segment_absent && c.i == 43 && c.r == 8) absent = true;
    }
    browser.received.clear();
    return completed && absent;
  }, 15);
  if (!done) return std::nullopt;
  return data;
}

std::string test_segment() {
  std::string segment(200000, '\0');
  for (std::size_t k = 0; k < segment.size(); ++k) segment[k] = static_cast<char>(k * 7);
  return segment;
}

TEST(GstPeer, AnswersAnOfferAndServesASegmentOverTheDataChannel) {
  GstPeerFactory factory;
  Offerer browser;
  ASSERT_TRUE(spin_until([&] { return browser.gathered(); }, 10)) << "the offerer never finished gathering";
  ASSERT_NE(browser.offer_sdp.find("a=candidate"), std::string::npos);

  SegmentWindow window(1 << 24, 10);
  const std::string segment = test_segment();
  window.add(0, 42, std::make_shared<const std::string>(segment));
  UploadBudget budget(0);

  std::string answer, closed;
  bool opened = false;
  std::unique_ptr<PeerSession> session;
  PeerEvents events;
  events.on_answer = [&](const std::string& sdp) { answer = sdp; };
  events.on_open = [&] { opened = true; };
  events.on_message = [&](std::string m) { session->received(m); };
  events.on_buffered_low = [&] { session->pump(); };
  events.on_closed = [&](const std::string& why) { closed = why; };
  auto peer = factory.answer(browser.offer_sdp, events);
  session = std::make_unique<PeerSession>(*peer, window, 0, SessionLimits{}, budget, PeerSession::Hooks{});

  ASSERT_TRUE(spin_until([&] { return !answer.empty() || !closed.empty(); }, 10)) << "no answer";
  ASSERT_TRUE(closed.empty()) << closed;
  EXPECT_NE(answer.find("a=candidate"), std::string::npos) << "the answer must carry its candidates (non-trickle)";
  browser.set_answer(answer);
  ASSERT_TRUE(spin_until([&] { return opened && browser.open; }, 15)) << "the data channel never opened: " << closed;

  auto data = fetch_42_and_43(browser);
  ASSERT_TRUE(data) << "the requests were not both answered";
  EXPECT_TRUE(*data == segment) << data->size() << " bytes received";
  EXPECT_EQ(session->stats().bytes_sent, segment.size());
}

TEST(GstPeer, OffersADataChannelAndServesTheBrowserThatAnswers) {
  GstPeerFactory factory;
  SegmentWindow window(1 << 24, 10);
  const std::string segment = test_segment();
  window.add(0, 42, std::make_shared<const std::string>(segment));
  UploadBudget budget(0);

  std::string offer, closed;
  bool opened = false;
  std::unique_ptr<PeerSession> session;
  PeerEvents events;
  events.on_answer = [&](const std::string&) { ADD_FAILURE() << "an offering peer made an answer"; };
  events.on_offer = [&](const std::string& sdp) { offer = sdp; };
  events.on_open = [&] { opened = true; };
  events.on_message = [&](std::string m) { session->received(m); };
  events.on_buffered_low = [&] { session->pump(); };
  events.on_closed = [&](const std::string& why) { closed = why; };
  auto peer = factory.offer(events);
  session = std::make_unique<PeerSession>(*peer, window, 0, SessionLimits{}, budget, PeerSession::Hooks{});

  ASSERT_TRUE(spin_until([&] { return !offer.empty() || !closed.empty(); }, 10)) << "no offer";
  ASSERT_TRUE(closed.empty()) << closed;
  EXPECT_NE(offer.find("a=candidate"), std::string::npos) << "the offer must carry its candidates (non-trickle)";
  EXPECT_NE(offer.find("m=application"), std::string::npos) << "the offer must bring a data channel";
  EXPECT_NE(offer.find("webrtc-datachannel"), std::string::npos);

  Answerer browser(offer);
  ASSERT_TRUE(spin_until([&] { return browser.gathered(); }, 10)) << "the browser never answered";
  peer->accept_answer(browser.answer_sdp);
  ASSERT_TRUE(spin_until([&] { return opened && browser.open; }, 15)) << "the data channel never opened: " << closed;
  auto data = fetch_42_and_43(browser);
  ASSERT_TRUE(data) << "the requests were not both answered";
  EXPECT_TRUE(*data == segment) << data->size() << " bytes received";
  EXPECT_EQ(session->stats().bytes_sent, segment.size());
}

TEST(GstPeer, AnAnswerThatDoesNotParseClosesTheOffer) {
  GstPeerFactory factory;
  std::string offer, closed;
  PeerEvents events;
  events.on_offer = [&](const std::string& sdp) { offer = sdp; };
  events.on_closed = [&](const std::string& why) { closed = why; };
  auto peer = factory.offer(events);
  ASSERT_TRUE(spin_until([&] { return !offer.empty(); }, 10)) << "no offer";
  peer->accept_answer("this is no SDP");
  ASSERT_TRUE(spin_until([&] { return !closed.empty(); }, 5)) << "a garbage answer left the offer open";
  // GStreamer's SDP parser is lenient: the refusal may come from webrtcbin.
  EXPECT_NE(closed.find("answer"), std::string::npos) << closed;
}

}  // namespace
}  // namespace hlsmesh::meshrelay
