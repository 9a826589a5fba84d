#pragma once
// The relay itself, on the main loop: the swarms it joined (one per
// rendition and p2p-media-loader release), the tracker connections it
// announces on, the browser peers it serves (it answered their offers, or
// they answered its own), the live window, and the counters behind `relay`
// events.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/meshrelay/main_loop.hpp"
#include "tools/meshrelay/options.hpp"
#include "tools/meshrelay/own_offers.hpp"
#include "tools/meshrelay/peer_connection.hpp"
#include "tools/meshrelay/peer_session.hpp"
#include "tools/meshrelay/segment_source.hpp"
#include "tools/meshrelay/segment_window.hpp"
#include "tools/meshrelay/tracker_client.hpp"
#include "tools/meshrelay/upload_budget.hpp"

namespace hlsmesh::meshrelay {

struct Swarm {
  int stream = 0;  // rendition index
  std::string rendition;  // named as the viewer page names it in its reports to sigd
  P2pmlRelease release = P2pmlRelease::v2_2;
  std::string id;         // v2-<swarm>-main-<index>
  std::string info_hash;  // 20 characters
  std::string peer_id;    // ours in this swarm
  std::uint64_t bytes = 0, segments = 0, requests = 0, absent = 0, offers = 0;
  // Per tracker: the other peers it counts in this swarm, from its last
  // reply (complete + incomplete); absent while it has not said.
  std::map<std::size_t, std::uint64_t> others;
  std::map<std::size_t, std::chrono::steady_clock::time_point> offered;  // per tracker: the last offers made
};

struct DropCounts {
  std::uint64_t flood = 0, malformed = 0, not_reading = 0, refused_full = 0, failed = 0, closed = 0;
};

class Relay {
 public:
  Relay(const Options& options, PeerConnectionFactory& factory);
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;
  ~Relay();

  void connect_trackers();  // after construction, once the loop can run
  void add_segment(FetchedSegment segment);
  void tracker_connected(std::size_t tracker);
  void tracker_message(std::size_t tracker, const std::string& text);
  void tick();  // once a second
  nlohmann::json report();  // the source adds its own figures (SegmentSource::report)
  // For sigd's /relay-report: bytes served and peers per rendition, both
  // releases' swarms together, as of the last report().
  nlohmann::json contribution(const std::string& relay_id, std::uint64_t seq) const;

  std::size_t peer_count() const { return peers_.size(); }

 private:
  struct Peer {
    std::string remote_id;
    std::size_t swarm = 0;
    std::size_t tracker = 0;
    std::chrono::steady_clock::time_point since;
    bool open = false;
    bool dropping = false;
    bool own_offer = false;       // the relay offered; the browser answered
    bool awaiting_answer = false;  // own offer, no answer yet
    std::string offer_id;          // own offer: its id
    std::uint64_t batch = 0;       // own offer: the announce it goes out in
    std::uint64_t counted = 0;  // of session->stats().bytes_sent, already in the totals
    std::unique_ptr<PeerConnection> connection;
    std::unique_ptr<PeerSession> session;  // after connection: destroyed first
  };
  Swarm& swarm_for(int stream, const LevelInfo& level, P2pmlRelease release);
  // An announce with fresh offers of the relay's own when there is room
  // for them (relay_offers.cpp); it goes out when their SDP is ready.
  void announce(std::size_t tracker, Swarm& swarm, bool started);
  void send_announce(std::size_t tracker, const Swarm& swarm, bool started, nlohmann::json offers);
  void answer_offer(std::size_t tracker, std::size_t swarm, const nlohmann::json& message);
  // Own offers (relay_offers.cpp).
  struct OfferBatch {  // one announce's offers, gathering
    std::size_t tracker = 0, swarm = 0;
    bool started = false;
    std::vector<std::string> waiting;  // offer ids without their SDP yet
    nlohmann::json offers = nlohmann::json::array();
    std::chrono::steady_clock::time_point since;
  };
  void make_offer(std::uint64_t batch, std::size_t tracker, std::size_t swarm);
  void offer_ready(std::uint64_t batch, const std::string& offer_id, const std::string* sdp);
  void take_answer(std::size_t tracker, const nlohmann::json& message);
  void offers_tick(std::chrono::steady_clock::time_point now);
  std::size_t offers_wanted(std::size_t tracker, std::size_t swarm, bool first) const;
  void note_swarm_size(std::size_t tracker, const nlohmann::json& message);
  void offer_gone(std::uint64_t peer);
  void flush(std::uint64_t batch);

  std::unique_ptr<PeerSession> session_for(std::uint64_t peer, PeerConnection& connection, std::size_t swarm);
  void drop(std::uint64_t peer, const std::string& reason);
  void discard(std::uint64_t peer, const std::string& why);  // an own offer that led nowhere: not a drop
  PeerEvents events_for(std::uint64_t peer);
  void count(Peer& peer);
  void pump_all();

  const Options& options_;
  PeerConnectionFactory& factory_;
  SegmentWindow window_;
  UploadBudget budget_;
  std::vector<std::unique_ptr<TrackerClient>> trackers_;
  std::vector<Swarm> swarms_;
  std::map<std::uint64_t, Peer> peers_;
  OfferTable own_offers_;
  std::map<std::uint64_t, OfferBatch> batches_;
  std::uint64_t next_batch_ = 1;
  std::uint64_t next_peer_ = 1;
  std::uint64_t peers_served_ = 0;
  std::uint64_t bytes_served_total_ = 0;
  std::map<std::string, std::uint64_t> bytes_by_remote_;  // peer id -> bytes, since the last report
  DropCounts drops_;
  std::chrono::steady_clock::time_point last_announce_{};
  OneShot retry_;  // the upload cap ran dry: pump again shortly
};

}  // namespace hlsmesh::meshrelay
