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

// The browser's side, on the raw GStreamer API.
struct Offerer {
  Offerer(const Offerer&) = delete;
  Offerer& operator=(const Offerer&) = delete;
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
    // As the relay does: no UPnP port mapping (it only slows gathering here).
    if (g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "agent")) {
      GObject* agent = nullptr;
      g_object_get(ice, "agent", &agent, nullptr);
      if (agent && g_object_class_find_property(G_OBJECT_GET_CLASS(agent), "upnp")) g_object_set(agent, "upnp", FALSE, nullptr);
      if (agent) g_object_unref(agent);
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
    if (gst_sdp_message_new_from_text(sdp.c_str(), &message) != GST_SDP_OK) return;
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
