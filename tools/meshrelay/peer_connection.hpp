#pragma once
// The relay's view of one WebRTC peer: an answer to a browser's offer and the
// data channel the browser opened, or an offer of the relay's own (its data
// channel, which the browser's simple-peer adopts whatever its label) and
// the browser's answer to it. GStreamer stays behind this interface
// (gst_webrtc.cpp); the protocol and the tests see only this. Every event is
// delivered on the relay's main loop, never on a library thread.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace hlsmesh::meshrelay {

struct PeerEvents {
  std::function<void(const std::string& answer_sdp)> on_answer;  // full, non-trickle
  std::function<void(const std::string& offer_sdp)> on_offer;    // the same, for offer()
  std::function<void()> on_open;                                // the data channel is open
  std::function<void(std::string message)> on_message;          // one binary message
  std::function<void()> on_buffered_low;                        // room to send again
  std::function<void(const std::string& reason)> on_closed;     // gone, failed or refused
};

class PeerConnection {
 public:
  virtual ~PeerConnection() = default;
  // Queues bytes [offset, offset + length) of `owner` as one message; the
  // connection keeps `owner` alive until they are sent.
  virtual void send(std::shared_ptr<const std::string> owner, std::size_t offset, std::size_t length) = 0;
  // Bytes queued and not yet handed to the network.
  virtual std::size_t buffered_amount() const = 0;
  // on_buffered_low fires when buffered_amount() falls to `bytes`.
  virtual void set_buffered_low_threshold(std::size_t bytes) = 0;
  // After offer(): the browser's answer; a refusal arrives as on_closed.
  virtual void accept_answer(const std::string& answer_sdp) = 0;
};

class PeerConnectionFactory {
 public:
  virtual ~PeerConnectionFactory() = default;
  // Starts answering `offer_sdp`; events arrive later on the main loop.
  virtual std::unique_ptr<PeerConnection> answer(const std::string& offer_sdp, PeerEvents events) = 0;
  // Starts an offer with one data channel; on_offer brings its SDP once every
  // candidate is gathered (the WebTorrent protocol relays no trickle).
  virtual std::unique_ptr<PeerConnection> offer(PeerEvents events) = 0;
};

}  // namespace hlsmesh::meshrelay
