#pragma once
// PeerConnection on GStreamer 1.22's webrtcbin: one pipeline with one
// webrtcbin per browser, answering its data-channel offer with a full
// (non-trickle) answer, or offering a data channel the same way. The calls, in order, and their gotchas are in
// docs/meshrelay.md. Everything GStreamer reports on its own threads is
// posted to the main loop; nothing here blocks it.
#include <memory>
#include <string>
#include <vector>

#include "tools/meshrelay/peer_connection.hpp"

namespace hlsmesh::meshrelay {

class GstPeerFactory : public PeerConnectionFactory {
 public:
  // Initializes GStreamer; throws hlsmesh::Error(Exit::unavailable) naming
  // the Debian package when webrtcbin, nice, dtls or sctp is missing.
  // `ice_addresses`: the only local addresses ICE gathers on; empty: every
  // interface's, or 127.0.0.1 when the machine has nothing but loopback
  // (libnice skips loopback, and would gather nothing at all).
  explicit GstPeerFactory(std::vector<std::string> ice_addresses = {});
  std::unique_ptr<PeerConnection> answer(const std::string& offer_sdp, PeerEvents events) override;
  std::unique_ptr<PeerConnection> offer(PeerEvents events) override;

 private:
  std::vector<std::string> ice_addresses_;
};

// 127.0.0.1 when every IPv4 interface of this machine is loopback (a network
// namespace with only `lo`), else nothing.
std::vector<std::string> loopback_only_addresses();

}  // namespace hlsmesh::meshrelay
