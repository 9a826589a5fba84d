// meshrelay's GStreamer peer against a real WebRTC offerer: a second
// webrtcbin in the same process opens a data channel the way a browser does
// (offer with every candidate, non-trickle), meshrelay answers it, and the
// p2p-media-loader protocol runs over the channel: a request answered with
// the segment's bytes, one for a segment it does not hold answered absent.
#define GST_USE_UNSTABLE_API
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "tools/meshrelay/gst_webrtc.hpp"
#include "tools/meshrelay/main_loop.hpp"
#include "tools/meshrelay/peer_commands.hpp"
#include "tools/meshrelay/peer_session.hpp"

namespace hlsmesh::meshrelay {
namespace {

// The browser's side, on the raw GStreamer API.
struct Offerer {
  GstElement* pipeline = nullptr;
  GstElement* webrtc = nullptr;
  GstWebRTCDataChannel* channel = nullptr;
  std::string offer_sdp;
  bool open = false;
  std::vector<std::string> received;

  Offerer() {
    pipeline = gst_pipeline_new(nullptr);
    webrtc = gst_element_factory_make("webrtcbin", nullptr);
    gst_bin_add(GST_BIN(pipeline), webrtc);
    gst_util_set_object_arg(G_OBJECT(webrtc), "bundle-policy", "max-bundle");
    GObject* ice = nullptr;
    g_object_get(webrtc, "ice-agent", &ice, nullptr);
    for (const auto& address : loopback_only_addresses()) {
      gboolean added = FALSE;
      g_signal_emit_by_name(ice, "add-local-ip-address", address.c_str(), &added);
    }
    g_object_unref(ice);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    g_signal_emit_by_name(webrtc, "create-data-channel", "p2pml", nullptr, &channel);
    g_signal_connect(channel, "on-open", G_CALLBACK(+[](GstWebRTCDataChannel*, gpointer self) {
      post([self] { static_cast<Offerer*>(self)->open = true; });
    }), this);
    g_signal_connect(channel, "on-message-data", G_CALLBACK(+[](GstWebRTCDataChannel*, GBytes* b, gpointer self) {
      gsize n = 0;
      auto* d = static_cast<const char*>(g_bytes_get_data(b, &n));
      std::string m(d ? d : "", n);
      post([self, m] { static_cast<Offerer*>(self)->received.push_back(m); });
    }), this);
    GstPromise* p = gst_promise_new_with_change_func(+[](GstPromise* promise, gpointer self) {
      GstWebRTCSessionDescription* offer = nullptr;
      gst_structure_get(gst_promise_get_reply(promise), "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, nullptr);
      gst_promise_unref(promise);
      auto* o = static_cast<Offerer*>(self);
      g_signal_emit_by_name(o->webrtc, "set-local-description", offer, nullptr);
      gst_webrtc_session_description_free(offer);
    }, this, nullptr);
    g_signal_emit_by_name(webrtc, "create-offer", nullptr, p);
  }
  ~Offerer() {
    if (channel) g_object_unref(channel);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
  }
  bool gathered() {
    GstWebRTCICEGatheringState state{};
    g_object_get(webrtc, "ice-gathering-state", &state, nullptr);
    if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) return false;
    GstWebRTCSessionDescription* local = nullptr;
    g_object_get(webrtc, "local-description", &local, nullptr);
    if (!local) return false;
    gchar* text = gst_sdp_message_as_text(local->sdp);
    offer_sdp = text;
    g_free(text);
    gst_webrtc_session_description_free(local);
    return true;
  }
  void set_answer(const std::string& sdp) {
    GstSDPMessage* message = nullptr;
    ASSERT_EQ(gst_sdp_message_new_from_text(sdp.c_str(), &message), GST_SDP_OK);
    auto* answer = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, message);
    g_signal_emit_by_name(webrtc, "set-remote-description", answer, nullptr);
    gst_webrtc_session_description_free(answer);
  }
  void send(const std::string& bytes) {
    GBytes* b = g_bytes_new(bytes.data(), bytes.size());
    gst_webrtc_data_channel_send_data_full(channel, b, nullptr);
    g_bytes_unref(b);
  }
};

// Turns the main loop until `done` holds or `seconds` pass.
template <class F>
bool spin_until(F done, double seconds) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    g_main_context_iteration(nullptr, FALSE);
    g_usleep(1000);
  }
  return true;
}

TEST(GstPeer, AnswersAnOfferAndServesASegmentOverTheDataChannel) {
  GstPeerFactory factory;
  Offerer browser;
  ASSERT_TRUE(spin_until([&] { return browser.gathered(); }, 10)) << "the offerer never finished gathering";
  ASSERT_NE(browser.offer_sdp.find("a=candidate"), std::string::npos);

  SegmentWindow window(1 << 24, 10);
  std::string segment(200000, '\0');
  for (std::size_t k = 0; k < segment.size(); ++k) segment[k] = static_cast<char>(k * 7);
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

  auto request = segment_command(CommandType::segment_request, 42, 7);
  for (const auto& m : serialize(request)) browser.send(m);
  auto missing = segment_command(CommandType::segment_request, 43, 8);
  std::string data;
  bool completed = false, absent = false;
  ASSERT_TRUE(spin_until([&] {
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
  }, 15)) << "got " << data.size() << " bytes";
  EXPECT_TRUE(data == segment) << data.size() << " bytes received";
  EXPECT_EQ(session->stats().bytes_sent, segment.size());
}

}  // namespace
}  // namespace hlsmesh::meshrelay
