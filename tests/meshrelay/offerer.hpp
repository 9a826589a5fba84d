#pragma once
// A browser's side of a WebRTC data channel on the raw GStreamer API, for
// tests and the peer-cycles bench: a webrtcbin that offers a channel with
// every candidate (non-trickle), as Chromium does, on loopback.
#define GST_USE_UNSTABLE_API
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include <chrono>
#include <string>
#include <vector>

#include "tools/meshrelay/gst_webrtc.hpp"
#include "tools/meshrelay/main_loop.hpp"

namespace hlsmesh::meshrelay::test_peer {

// One raw webrtcbin on loopback, for either side.
struct RawPeer {
  RawPeer(const RawPeer&) = delete;
  RawPeer& operator=(const RawPeer&) = delete;
  GstElement* pipeline = nullptr;
  GstElement* webrtc = nullptr;
  GstWebRTCDataChannel* channel = nullptr;
  bool open = false;
  std::vector<std::string> received;

  RawPeer() {
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
    // As the relay does: no UPnP port mapping (it only slows gathering here).
    if (g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "agent")) {
      GObject* agent = nullptr;
      g_object_get(ice, "agent", &agent, nullptr);
      if (agent && g_object_class_find_property(G_OBJECT_GET_CLASS(agent), "upnp")) g_object_set(agent, "upnp", FALSE, nullptr);
      if (agent) g_object_unref(agent);
    }
    g_object_unref(ice);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
  }
  ~RawPeer() {
    if (channel) g_object_unref(channel);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
  }
  void watch_channel() {
    g_signal_connect(channel, "on-open", G_CALLBACK(+[](GstWebRTCDataChannel*, gpointer self) {
      post([self] { static_cast<RawPeer*>(self)->open = true; });
    }), this);
    g_signal_connect(channel, "on-message-data", G_CALLBACK(+[](GstWebRTCDataChannel*, GBytes* b, gpointer self) {
      gsize n = 0;
      auto* d = static_cast<const char*>(g_bytes_get_data(b, &n));
      std::string m(d ? d : "", n);
      post([self, m] { static_cast<RawPeer*>(self)->received.push_back(m); });
    }), this);
  }
  // The local description once every candidate is in it, else empty.
  std::string gathered_sdp() {
    GstWebRTCICEGatheringState state{};
    g_object_get(webrtc, "ice-gathering-state", &state, nullptr);
    if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) return {};
    GstWebRTCSessionDescription* local = nullptr;
    g_object_get(webrtc, "local-description", &local, nullptr);
    if (!local) return {};
    gchar* text = gst_sdp_message_as_text(local->sdp);
    std::string sdp = text;
    g_free(text);
    gst_webrtc_session_description_free(local);
    return sdp;
  }
  // set-remote-description; `then` runs on the promise's thread when done.
  void set_remote(const std::string& sdp, GstWebRTCSDPType type, GstPromise* then = nullptr) {
    GstSDPMessage* message = nullptr;
    if (gst_sdp_message_new_from_text(sdp.c_str(), &message) != GST_SDP_OK) return;
    auto* description = gst_webrtc_session_description_new(type, message);
    g_signal_emit_by_name(webrtc, "set-remote-description", description, then);
    gst_webrtc_session_description_free(description);
  }
  void send(const std::string& bytes) {
    GBytes* b = g_bytes_new(bytes.data(), bytes.size());
    gst_webrtc_data_channel_send_data_full(channel, b, nullptr);
    g_bytes_unref(b);
  }
};

// Sets the description a create-offer or create-answer promise brings.
inline void set_local_from(GstPromise* promise, GstElement* webrtc, const char* field) {
  GstWebRTCSessionDescription* description = nullptr;
  gst_structure_get(gst_promise_get_reply(promise), field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &description, nullptr);
  gst_promise_unref(promise);
  g_signal_emit_by_name(webrtc, "set-local-description", description, nullptr);
  gst_webrtc_session_description_free(description);
}

// The browser's side when it offers, as Chromium does.
struct Offerer : RawPeer {
  std::string offer_sdp;

  Offerer() {
    g_signal_emit_by_name(webrtc, "create-data-channel", "p2pml", nullptr, &channel);
    watch_channel();
    GstPromise* p = gst_promise_new_with_change_func(+[](GstPromise* promise, gpointer self) {
      set_local_from(promise, static_cast<Offerer*>(self)->webrtc, "offer");
    }, this, nullptr);
    g_signal_emit_by_name(webrtc, "create-offer", nullptr, p);
  }
  bool gathered() {
    offer_sdp = gathered_sdp();
    return !offer_sdp.empty();
  }
  void set_answer(const std::string& sdp) { set_remote(sdp, GST_WEBRTC_SDP_TYPE_ANSWER); }
};

// The browser's side when the relay offers: it takes the data channel the
// offer brings, as simple-peer answering does.
struct Answerer : RawPeer {
  std::string answer_sdp;

  explicit Answerer(const std::string& offer_sdp) {
    g_signal_connect(webrtc, "on-data-channel", G_CALLBACK(+[](GstElement*, GObject* c, gpointer self) {
      g_object_ref(c);
      post([self, c] {
        auto* a = static_cast<Answerer*>(self);
        a->channel = GST_WEBRTC_DATA_CHANNEL(c);
        a->watch_channel();
        GstWebRTCDataChannelState state{};
        g_object_get(c, "ready-state", &state, nullptr);
        if (state == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN) a->open = true;
      });
    }), this);
    set_remote(offer_sdp, GST_WEBRTC_SDP_TYPE_OFFER, gst_promise_new_with_change_func(+[](GstPromise* done, gpointer self) {
      gst_promise_unref(done);
      auto* a = static_cast<Answerer*>(self);
      GstPromise* p = gst_promise_new_with_change_func(+[](GstPromise* promise, gpointer peer) {
        set_local_from(promise, static_cast<Answerer*>(peer)->webrtc, "answer");
      }, self, nullptr);
      g_signal_emit_by_name(a->webrtc, "create-answer", nullptr, p);
    }, this, nullptr));
  }
  bool gathered() {
    answer_sdp = gathered_sdp();
    return !answer_sdp.empty();
  }
};

// Turns the main loop until `done` holds or `seconds` pass.
template <class F>
inline bool spin_until(F done, double seconds) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    g_main_context_iteration(nullptr, FALSE);
    g_usleep(1000);
  }
  return true;
}

}  // namespace hlsmesh::meshrelay::test_peer
