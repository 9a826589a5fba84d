#define GST_USE_UNSTABLE_API  // webrtc's headers warn without it (and -Werror is on)
#include "tools/meshrelay/gst_webrtc.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include <functional>
#include <utility>

#include "common/error.hpp"
#include "common/log.hpp"
#include "tools/meshrelay/main_loop.hpp"

namespace hlsmesh::meshrelay {
namespace {

struct GstObjectDeleter {
  void operator()(gpointer object) const { gst_object_unref(object); }
};
template <class T>
using GstPtr = std::unique_ptr<T, GstObjectDeleter>;

struct GObjectDeleter {
  void operator()(gpointer object) const { g_object_unref(object); }
};

// What the GStreamer callbacks reach: the peer's state while it lives.
struct State;
using Weak = std::weak_ptr<State>;

struct State {
  GstPtr<GstElement> pipeline;
  GstElement* webrtc = nullptr;  // owned by the pipeline
  std::unique_ptr<GstWebRTCDataChannel, GObjectDeleter> channel;
  PeerEvents events;
  guint64 low_threshold = 0;
  bool offering = false;  // offer(): the local description is an offer
  bool described = false;  // the local description went out
  bool closed = false;
  Weak self;

  void close(const std::string& reason) {
    if (closed) return;
    closed = true;
    if (events.on_closed) events.on_closed(reason);
  }
  ~State() {
    if (channel) gst_webrtc_data_channel_close(channel.get());
    if (pipeline) {
      GstPtr<GstBus> bus(gst_element_get_bus(pipeline.get()));
      gst_bus_remove_watch(bus.get());
      gst_element_set_state(pipeline.get(), GST_STATE_NULL);
    }
  }
};

// Runs `f` on the main loop if the peer still exists then.
void post_to(const Weak& weak, std::function<void(State&)> f) {
  post([weak, f = std::move(f)] {
    if (auto s = weak.lock()) f(*s);
  });
}

// Signal and promise user data: a heap copy of the weak pointer, freed by GLib.
gpointer token(const State& s) { return new Weak(s.self); }
void free_token(gpointer data, GClosure* = nullptr) { delete static_cast<Weak*>(data); }
void free_token_notify(gpointer data) { delete static_cast<Weak*>(data); }
const Weak& weak_of(gpointer data) { return *static_cast<Weak*>(data); }

template <class Fn>
void connect(gpointer instance, const char* signal, Fn callback, const State& s) {
  g_signal_connect_data(instance, signal, G_CALLBACK(callback), token(s), free_token, GConnectFlags{});
}

// Sends the local description once every candidate is in it (non-trickle).
void maybe_send_local(State& s) {
  if (s.described || s.closed) return;
  GstWebRTCICEGatheringState gathering{};
  g_object_get(s.webrtc, "ice-gathering-state", &gathering, nullptr);
  log::debug("ICE gathering state " + std::to_string(static_cast<int>(gathering)));
  if (gathering != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) return;
  GstWebRTCSessionDescription* local = nullptr;
  g_object_get(s.webrtc, "local-description", &local, nullptr);
  if (local == nullptr) return;
  gchar* text = gst_sdp_message_as_text(local->sdp);
  std::string sdp = text ? text : "";
  g_free(text);
  gst_webrtc_session_description_free(local);
  s.described = true;
  const auto& send = s.offering ? s.events.on_offer : s.events.on_answer;
  if (send) send(sdp);
}

// create-offer and create-answer reply alike: the description under `field`.
void on_description_created(GstPromise* promise, gpointer data, const char* field) {
  GstWebRTCSessionDescription* description = nullptr;
  const GstStructure* reply = gst_promise_get_reply(promise);
  if (reply != nullptr) gst_structure_get(reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &description, nullptr);
  gst_promise_unref(promise);
  post_to(weak_of(data), [description, field = std::string(field)](State& s) {
    if (description == nullptr) return s.close("webrtcbin made no " + field);
    g_signal_emit_by_name(s.webrtc, "set-local-description", description, nullptr);
    gst_webrtc_session_description_free(description);
    maybe_send_local(s);
  });
}

void on_answer_created(GstPromise* promise, gpointer data) { on_description_created(promise, data, "answer"); }
void on_offer_created(GstPromise* promise, gpointer data) { on_description_created(promise, data, "offer"); }

bool promise_failed(GstPromise* promise) {
  const GstStructure* reply = gst_promise_get_reply(promise);
  const bool failed = reply != nullptr && gst_structure_has_field(reply, "error");
  gst_promise_unref(promise);
  return failed;
}

void on_remote_set(GstPromise* promise, gpointer data) {
  const bool failed = promise_failed(promise);
  post_to(weak_of(data), [failed](State& s) {
    log::debug(std::string("remote description set") + (failed ? " (failed)" : ""));
    if (failed) return s.close("webrtcbin refused the offer (set-remote-description)");
    GstPromise* next = gst_promise_new_with_change_func(on_answer_created, token(s), free_token_notify);
    g_signal_emit_by_name(s.webrtc, "create-answer", nullptr, next);
  });
}

void on_remote_answer_set(GstPromise* promise, gpointer data) {
  const bool failed = promise_failed(promise);
  post_to(weak_of(data), [failed](State& s) {
    if (failed) s.close("webrtcbin refused the answer (set-remote-description)");
  });
}

void on_channel_message(GstWebRTCDataChannel*, GBytes* bytes, gpointer data) {
  gsize size = 0;
  const auto* raw = static_cast<const char*>(g_bytes_get_data(bytes, &size));
  post_to(weak_of(data), [message = std::string(raw ? raw : "", size)](State& s) mutable {
    if (!s.closed && s.events.on_message) s.events.on_message(std::move(message));
  });
}

void on_channel_string(GstWebRTCDataChannel*, gchar* text, gpointer data) {
  post_to(weak_of(data), [message = std::string(text ? text : "")](State& s) mutable {
    if (!s.closed && s.events.on_message) s.events.on_message(std::move(message));
  });
}

void on_channel_open(GstWebRTCDataChannel*, gpointer data) {
  post_to(weak_of(data), [](State& s) {
    if (!s.closed && s.events.on_open) s.events.on_open();
  });
}

void on_channel_low(GstWebRTCDataChannel*, gpointer data) {
  post_to(weak_of(data), [](State& s) {
    if (!s.closed && s.events.on_buffered_low) s.events.on_buffered_low();
  });
}

void on_channel_close(GstWebRTCDataChannel*, gpointer data) {
  post_to(weak_of(data), [](State& s) { s.close("the browser closed the data channel"); });
}

void on_channel_error(GstWebRTCDataChannel*, GError* error, gpointer data) {
  std::string why = error ? error->message : "unknown";
  post_to(weak_of(data), [why](State& s) { s.close("data channel error: " + why); });
}

void adopt_channel(State& s, GstWebRTCDataChannel* channel) {
  if (s.channel) return g_object_unref(channel);  // p2p-media-loader opens one channel
  s.channel.reset(channel);
  connect(channel, "on-message-data", on_channel_message, s);
  connect(channel, "on-message-string", on_channel_string, s);
  connect(channel, "on-open", on_channel_open, s);
  connect(channel, "on-close", on_channel_close, s);
  connect(channel, "on-error", on_channel_error, s);
  connect(channel, "on-buffered-amount-low", on_channel_low, s);
  g_object_set(channel, "buffered-amount-low-threshold", s.low_threshold, nullptr);
  GstWebRTCDataChannelState state{};
  g_object_get(channel, "ready-state", &state, nullptr);
  // Usually open already; on-open may still come, and opening twice is harmless.
  if (state == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN && s.events.on_open) s.events.on_open();
}

void on_data_channel(GstElement*, GObject* channel, gpointer data) {
  g_object_ref(channel);
  auto* typed = GST_WEBRTC_DATA_CHANNEL(channel);
  post_to(weak_of(data), [typed](State& s) { adopt_channel(s, typed); });
}

void on_gathering(GstElement*, GParamSpec*, gpointer data) {
  post_to(weak_of(data), [](State& s) { maybe_send_local(s); });
}

void on_ice_state(GstElement* webrtc, GParamSpec*, gpointer data) {
  GstWebRTCICEConnectionState state{};
  g_object_get(webrtc, "ice-connection-state", &state, nullptr);
  log::debug("ICE connection state " + std::to_string(static_cast<int>(state)));
  if (state != GST_WEBRTC_ICE_CONNECTION_STATE_FAILED && state != GST_WEBRTC_ICE_CONNECTION_STATE_CLOSED) return;
  post_to(weak_of(data), [](State& s) { s.close("ICE failed or closed"); });
}

gboolean on_bus(GstBus*, GstMessage* message, gpointer data) {
  if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ERROR) return TRUE;
  GError* error = nullptr;
  gst_message_parse_error(message, &error, nullptr);
  std::string why = error ? error->message : "pipeline error";
  g_clear_error(&error);
  // A browser going away shows up here too ("SCTP association went into error state").
  if (auto s = weak_of(data).lock()) s->close("gone: " + why);
  return TRUE;
}

// Host candidates over UDP only, no UPnP probing: what a relay beside the
// viewers needs, and it opens channels faster.
void tune_ice(GstElement* webrtc, const std::vector<std::string>& addresses) {
  GObject* ice = nullptr;
  g_object_get(webrtc, "ice-agent", &ice, nullptr);
  if (ice == nullptr) return;
  for (const auto& address : addresses) {
    gboolean added = FALSE;
    g_signal_emit_by_name(ice, "add-local-ip-address", address.c_str(), &added);
    if (!added) log::warning("ICE: cannot gather on local address " + address);
  }
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "ice-tcp")) g_object_set(ice, "ice-tcp", FALSE, nullptr);
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "agent")) {
    GObject* agent = nullptr;
    g_object_get(ice, "agent", &agent, nullptr);
    if (agent && g_object_class_find_property(G_OBJECT_GET_CLASS(agent), "upnp")) {
      g_object_set(agent, "upnp", FALSE, nullptr);
    }
    if (agent) g_object_unref(agent);
  }
  g_object_unref(ice);
}

// nullptr when `sdp` does not parse.
GstWebRTCSessionDescription* parse_description(const std::string& sdp, GstWebRTCSDPType type) {
  GstSDPMessage* message = nullptr;
  if (gst_sdp_message_new_from_text(sdp.c_str(), &message) != GST_SDP_OK || message == nullptr) {
    if (message != nullptr) gst_sdp_message_free(message);
    return nullptr;
  }
  return gst_webrtc_session_description_new(type, message);
}

class GstPeer : public PeerConnection {
 public:
  explicit GstPeer(std::shared_ptr<State> state) : state_(std::move(state)) {}

  void send(std::shared_ptr<const std::string> owner, std::size_t offset, std::size_t length) override {
    if (!state_->channel || state_->closed) return;
    const char* start = owner->data() + offset;
    GBytes* bytes = g_bytes_new_with_free_func(start, length, +[](gpointer keep) {
      delete static_cast<std::shared_ptr<const std::string>*>(keep);
    }, new std::shared_ptr<const std::string>(std::move(owner)));
    GError* error = nullptr;
    if (!gst_webrtc_data_channel_send_data_full(state_->channel.get(), bytes, &error)) {
      std::string why = error ? error->message : "unknown";
      g_clear_error(&error);
      post_to(state_->self, [why](State& s) { s.close("send failed: " + why); });
    }
    g_bytes_unref(bytes);
  }

  std::size_t buffered_amount() const override {
    if (!state_->channel) return 0;
    guint64 amount = 0;
    g_object_get(state_->channel.get(), "buffered-amount", &amount, nullptr);
    return static_cast<std::size_t>(amount);
  }

  void set_buffered_low_threshold(std::size_t bytes) override {
    state_->low_threshold = bytes;
    if (state_->channel) g_object_set(state_->channel.get(), "buffered-amount-low-threshold", state_->low_threshold, nullptr);
  }

  void accept_answer(const std::string& answer_sdp) override {
    if (!state_->offering || state_->closed) return;
    auto description = parse_description(answer_sdp, GST_WEBRTC_SDP_TYPE_ANSWER);
    if (description == nullptr) {
      post_to(state_->self, [](State& s) { s.close("the answer's SDP does not parse"); });
      return;
    }
    GstPromise* promise = gst_promise_new_with_change_func(on_remote_answer_set, token(*state_), free_token_notify);
    g_signal_emit_by_name(state_->webrtc, "set-remote-description", description, promise);
    gst_webrtc_session_description_free(description);
  }

 private:
  std::shared_ptr<State> state_;
};

}  // namespace

std::vector<std::string> loopback_only_addresses() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return {};
  bool other = false;
  for (auto* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET || (a->ifa_flags & IFF_UP) == 0) continue;
    if ((a->ifa_flags & IFF_LOOPBACK) == 0) other = true;
  }
  freeifaddrs(list);
  if (other) return {};
  return {"127.0.0.1"};
}

GstPeerFactory::GstPeerFactory(std::vector<std::string> ice_addresses) : ice_addresses_(std::move(ice_addresses)) {
  if (ice_addresses_.empty()) ice_addresses_ = loopback_only_addresses();
  GError* error = nullptr;
  if (!gst_init_check(nullptr, nullptr, &error)) {
    std::string why = error ? error->message : "unknown";
    g_clear_error(&error);
    throw Error(Exit::unavailable, "GStreamer does not initialize: " + why);
  }
  for (const auto& [element, package] : {std::pair{"webrtcbin", "gstreamer1.0-plugins-bad"},
                                         {"nicesrc", "gstreamer1.0-nice"},
                                         {"dtlsenc", "gstreamer1.0-plugins-bad"},
                                         {"sctpenc", "gstreamer1.0-plugins-bad"},
                                         {"rtpbin", "gstreamer1.0-plugins-good"}}) {
    GstPtr<GstElementFactory> factory(gst_element_factory_find(element));
    if (!factory) {
      throw Error(Exit::unavailable, std::string("GStreamer element ") + element + " is missing: install " + package +
                                         " (scripts/deps installs it)");
    }
  }
}

namespace {

// A webrtcbin in a playing pipeline, its signals connected.
std::shared_ptr<State> start(const std::vector<std::string>& ice_addresses, PeerEvents events) {
  auto state = std::make_shared<State>();
  state->self = state;
  state->events = std::move(events);
  state->pipeline.reset(GST_ELEMENT(gst_object_ref_sink(gst_pipeline_new(nullptr))));
  state->webrtc = gst_element_factory_make("webrtcbin", nullptr);
  gst_bin_add(GST_BIN(state->pipeline.get()), state->webrtc);
  gst_util_set_object_arg(G_OBJECT(state->webrtc), "bundle-policy", "max-bundle");
  tune_ice(state->webrtc, ice_addresses);
  connect(state->webrtc, "on-data-channel", on_data_channel, *state);
  connect(state->webrtc, "notify::ice-gathering-state", on_gathering, *state);
  connect(state->webrtc, "notify::ice-connection-state", on_ice_state, *state);
  GstPtr<GstBus> bus(gst_element_get_bus(state->pipeline.get()));
  gst_bus_add_watch_full(bus.get(), G_PRIORITY_DEFAULT, on_bus, token(*state), free_token_notify);
  // PLAYING before negotiating, or the answer never completes.
  gst_element_set_state(state->pipeline.get(), GST_STATE_PLAYING);
  return state;
}

}  // namespace

std::unique_ptr<PeerConnection> GstPeerFactory::answer(const std::string& offer_sdp, PeerEvents events) {
  auto state = start(ice_addresses_, std::move(events));
  auto offer = parse_description(offer_sdp, GST_WEBRTC_SDP_TYPE_OFFER);
  if (offer == nullptr) {
    post_to(state, [](State& s) { s.close("the offer's SDP does not parse"); });
    return std::make_unique<GstPeer>(state);
  }
  GstPromise* promise = gst_promise_new_with_change_func(on_remote_set, token(*state), free_token_notify);
  g_signal_emit_by_name(state->webrtc, "set-remote-description", offer, promise);
  gst_webrtc_session_description_free(offer);
  return std::make_unique<GstPeer>(state);
}

std::unique_ptr<PeerConnection> GstPeerFactory::offer(PeerEvents events) {
  auto state = start(ice_addresses_, std::move(events));
  state->offering = true;
  // Ordered and reliable, not pre-negotiated: simple-peer, answering, adopts
  // the channel the offerer opens whatever its label.
  GstWebRTCDataChannel* channel = nullptr;
  g_signal_emit_by_name(state->webrtc, "create-data-channel", "hlsmesh-relay", nullptr, &channel);
  if (channel == nullptr) {
    post_to(state, [](State& s) { s.close("webrtcbin made no data channel"); });
    return std::make_unique<GstPeer>(state);
  }
  adopt_channel(*state, channel);
  GstPromise* promise = gst_promise_new_with_change_func(on_offer_created, token(*state), free_token_notify);
  g_signal_emit_by_name(state->webrtc, "create-offer", nullptr, promise);
  return std::make_unique<GstPeer>(state);
}

}  // namespace hlsmesh::meshrelay
