#pragma once
// The one libwebsockets server: HTTP and WebSocket on one port. Owns the lws
// context, our listening socket (so HTTP tracker requests can be read raw:
// lws's URL parser refuses %00 and %0D, which binary info_hashes contain),
// every connection's state, the registry, the feed and the counters.
#include <libwebsockets.h>

#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/event_io.hpp"
#include "common/fd.hpp"
#include "common/lws_context.hpp"
#include "tools/sigd/core/access.hpp"
#include "tools/sigd/core/delivery.hpp"
#include "tools/sigd/core/forwarded.hpp"
#include "tools/sigd/core/http_tracker.hpp"
#include "tools/sigd/core/rate_limit.hpp"
#include "tools/sigd/options.hpp"
#include "tools/sigd/core/registry.hpp"
#include "tools/sigd/core/relays.hpp"
#include "tools/sigd/core/stats.hpp"
#include "tools/sigd/core/ws_protocol.hpp"

namespace hlsmesh::sigd {

enum class ConnKind : uint8_t { tracker, events, publish };

// One WebSocket connection. Kept small: idle connections are most of them.
struct Conn {
  lws* wsi = nullptr;
  ConnId id = 0;    // the registry's name for this connection (tracker connections)
  PeerAddr client;  // who it speaks for: its session's client, taken at the upgrade
  ConnKind kind = ConnKind::tracker;
  bool established = false;
  bool closing = false;
  uint32_t bad_messages = 0;  // up to --max-bad-messages (at most 1,000,000)
  TokenBucket bucket;
  std::string rx;  // message being reassembled
  // Queued frames, header and payload each, behind LWS_PRE bytes of headroom:
  // one buffer per connection, reused while it stays small, instead of a heap
  // string per message.
  std::string out;
  size_t out_head = 0;   // next byte to write; out_head == out.size(): nothing queued
  size_t out_bytes = 0;  // framed bytes queued, for --send-queue
  std::vector<std::pair<Id20, Id20>> memberships;   // (info_hash, peer_id) this connection announced
};

// A response on an lws HTTP connection: a generated body or a file range.
struct HttpTxn {
  std::string body;
  size_t body_sent = 0;
  hlsmesh::UniqueFd file;
  uint64_t file_pos = 0, file_end = 0;  // [pos, end)
};

// A sniffed HTTP tracker request handled outside lws's HTTP parser.
struct RawHttp {
  std::string request;
  std::string response;
  bool responded = false;
};

// A TLS connection that is not an HTTP tracker request. lws terminates its
// TLS as a raw socket, so sigd reads the request line itself as it does on
// plain HTTP (lws's URL parser refuses the %00 of binary info hashes);
// anything else is passed on, in plain text, through a socketpair to an lws
// HTTP/WebSocket connection on its other end. Shared by the TLS side's and
// the socketpair side's sessions; the lws* are cleared as each one goes.
struct TlsBridge {
  lws* outer = nullptr;  // the client's TLS connection (raw)
  lws* pipe = nullptr;   // our end of the socketpair (raw)
  std::string to_pipe;   // plain text from the client, for lws
  std::string to_outer;  // lws's output, for the client
};

struct Session {
  PeerAddr remote;  // the TCP peer
  // Whom limits key on: `remote`, or for a WebSocket upgrade through a
  // --trusted-proxy the client that proxy names.
  PeerAddr client;
  bool ip_counted = false;  // counted in per_ip_ under `client`
  std::unique_ptr<Conn> ws;
  std::unique_ptr<HttpTxn> http;
  std::unique_ptr<RawHttp> raw;
  bool tls = false;                   // a TLS connection, sniffed after its handshake
  std::shared_ptr<TlsBridge> bridge;  // once it is passed on to lws (both ends hold it)
  bool counted = false;  // an accepted client connection (counts toward limits)
};

class Server {
 public:
  explicit Server(const Options& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Serves until SIGINT/SIGTERM. Returns the exit code.
  int run();

  // A request's CF-Connecting-IP and X-Forwarded-For values (empty if absent).
  struct ProxyHeaders {
    std::string cf_connecting_ip, x_forwarded_for;
  };

  // The client an lws-parsed HTTP request on `wsi` speaks for: the TCP peer,
  // or through a --trusted-proxy the client it names (the proxy itself when
  // it names none). What per-IP limits on HTTP requests key on.
  PeerAddr request_client(lws* wsi);

  // lws entry point for every protocol.
  static int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);

 private:
  int dispatch(lws* wsi, lws_callback_reasons reason, void* in, size_t len);
  // The listening socket, the signal self-pipe or stdin is readable; -1 closes it (stdin's end).
  int own_fd_readable(lws* wsi);

  // server.cpp: context, listener, loop, timers, reload
  void create_context();
  void open_listener();
  void accept_ready();
  void hand_over(int fd, const PeerAddr& remote);
  void schedule_sweep();
  static void sweep_timer(lws_sorted_usec_list_t* sul);
  void sweep();
  void reload();
  void release_session(lws* wsi);
  // Counts `client` toward --max-per-ip for session `s`; false (counted as
  // ip_limit) if it already holds its share.
  bool admit_per_ip(Session& s, const PeerAddr& client);
  Session* session(lws* wsi);

  // ws_session.cpp: WebSocket tracker, feed subscribers, publishers
  int ws_filter(lws* wsi);
  PeerAddr upgrade_client(lws* wsi, const PeerAddr& remote);
  // A WebSocket peer whose peer_id is held by another connection from the
  // same client address: that connection is the viewer's own, left behind
  // by a reconnect. Closes it (logged) so the new one takes over; false if
  // the holder is anyone else.
  bool replace_lingering(Conn& c, const Peer& holder);
  int ws_established(lws* wsi);
  int ws_receive(lws* wsi, const void* in, size_t len);
  // One whole message of `c`: non-zero when the connection must close.
  int on_ws_message(Conn& c, std::string_view message, bool binary);
  void publish_lines(std::string_view message);  // /publish: one event per line
  int ws_writeable(lws* wsi);
  void ws_closed(lws* wsi);
  int handle_tracker_message(Conn& c, std::string_view text);
  void handle_announce(Conn& c, AnnounceRequest& a);
  void relay_answer(Swarm& swarm, const AnnounceRequest& a);
  void relay_offers(Swarm& swarm, const AnnounceRequest& a);
  void handle_scrape(Conn& c, const ScrapeRequest& s);
  void leave_all(Conn& c);
  void drop_membership(Conn& c, const Id20& ih, const Id20& pid);
  // Queues one text message; the message writers write into scratch_ first.
  void send_text(Conn& c, std::string_view text);
  void kill(Conn& c);
  void feed_event(hlsmesh::Json&& event);
  void stdin_readable(lws* wsi);

  // http_routes.cpp: lws HTTP requests and raw HTTP tracker requests
  int http_request(lws* wsi, const char* path);
  int http_writeable(lws* wsi);
  int respond(lws* wsi, unsigned status, std::string_view content_type, std::string body,
              const std::vector<std::pair<std::string, std::string>>& extra = {}, bool head_only = false);
  int serve_static(lws* wsi, std::string_view path, bool head_only);
  int raw_receive(lws* wsi, const void* in, size_t len);
  int raw_respond(lws* wsi, Session& s, size_t head_end);
  int raw_writeable(lws* wsi);

  // tls_bridge.cpp: TLS connections that are not HTTP tracker requests
  bool bridge_tls(lws* outer, Session& s, std::string&& first);
  int bridge_receive(lws* wsi, Session& s, const void* in, size_t len);
  int bridge_writeable(lws* wsi, Session& s);
  void bridge_release(lws* wsi, Session& s);
  // The client a request from `remote` speaks for; proxy_headers is called
  // only when `remote` is a trusted proxy; nullopt when that proxy names none.
  std::optional<PeerAddr> client_of(const PeerAddr& remote, const std::function<ProxyHeaders()>& proxy_headers) const;
  // An HTTP tracker reply for a request from `remote` (the TCP peer);
  // proxy_headers is called only when `remote` is a trusted proxy.
  std::string tracker_response(std::string_view path, std::string_view query, const PeerAddr& remote,
                               const std::function<ProxyHeaders()>& proxy_headers);

  // report_route.cpp: POST /report and the delivery figures' 10 s tick
  struct ReportConn;
  int report_begin(lws* wsi, std::string_view path, const PeerAddr& client);
  int report_body(lws* wsi, const void* in, size_t len);
  int report_complete(lws* wsi);
  int relay_report_complete(lws* wsi, ReportConn& rc, int64_t now);
  bool relay_authorized(lws* wsi) const;
  void schedule_delivery();
  static void delivery_timer(lws_sorted_usec_list_t* sul);
  void delivery_tick();

  const Options& opt_;
  Stats stats_;
  Registry registry_;
  AllowList allow_;
  RelayPeers relays_{opt_.relay_token};
  TrustedProxies trusted_proxies_;
  IpRateLimit http_limit_;  // HTTP announces and scrapes per client
  bool warned_unnamed_proxy_ = false;
  OriginPolicy origins_;
  HttpTrackerConfig http_config_;
  std::string www_real_;

  lws_retry_bo_t retry_{};
  std::vector<lws_protocols> protocols_;
  hlsmesh::LwsContext context_;
  lws_vhost* vhost_ = nullptr;
  int listen_fd_ = -1;  // owned by lws once adopted
  lws* listener_wsi_ = nullptr;
  lws* wake_wsi_ = nullptr;
  lws* stdin_wsi_ = nullptr;
  std::unique_ptr<hlsmesh::EventReader> stdin_reader_;

  struct SweepTimer {
    lws_sorted_usec_list_t sul;  // first member: the timer callback casts back
    Server* server;
  } sweep_timer_{};

  // A connection that has POSTed a report: its rate limit, and the body being read.
  struct ReportConn {
    TokenBucket bucket;
    PeerAddr client;
    std::string body;
    size_t received = 0;
    bool wrong_path = false;  // a POST elsewhere: its body is read and dropped, then 405
    bool relay = false;             // POST /relay-report (meshrelay)
    bool relay_authorized = false;  // it showed sigd's --relay-token
    bool started = false;     // bucket set up by the connection's first POST
  };
  Delivery delivery_;
  IpRateLimit report_limit_;  // reports per client address (--report-rate)
  std::unordered_map<lws*, ReportConn> report_conns_;
  struct DeliveryTimer {
    lws_sorted_usec_list_t sul;  // first member: the timer callback casts back
    Server* server;
  } delivery_timer_{};

  std::unordered_map<lws*, Session> sessions_;
  std::unordered_map<std::string, uint32_t> per_ip_;
  PeerAddr adopting_remote_;          // remote of the socket being adopted (callbacks run inside adopt)
  std::exception_ptr pending_error_;  // thrown inside an lws callback; rethrown by run()

  // Established tracker connections, indexed by their ids: every relayed
  // offer looks its receiver up, so an array index rather than a hash. An id
  // is its slot + 1 in the low 32 bits and the slot's generation above, so
  // the id of a closed connection finds nothing once its slot is reused.
  struct ConnSlot {
    Conn* conn = nullptr;
    uint32_t generation = 0;
  };
  std::vector<ConnSlot> conn_slots_;
  std::vector<uint32_t> free_slots_;
  ConnId add_tracker_conn(Conn& c);
  void remove_tracker_conn(ConnId id);
  Conn* tracker_conn(ConnId id);  // nullptr once it closed

  std::string scratch_;  // the message being written, reused: send_text copies it out
  std::unordered_set<Conn*> subscribers_;
  std::deque<std::string> backlog_;  // last --feed-backlog segment events, serialized
};

}  // namespace hlsmesh::sigd
