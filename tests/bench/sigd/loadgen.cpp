// sigd-loadgen: a WebTorrent-tracker load generator after aquatic_ws_load_test
// (reference trackers.md section 3). Closed-loop WebSocket connections; each
// request is an announce with 10 offers (47-byte dummy SDP) for one of 10,000
// info hashes drawn with a Gamma(0.2, 100) bias; 25% of peers are seeders
// ("completed", left 0), the rest "started", left 50. When the last message a
// connection received was a relayed offer, its next request answers it.
// Every inbound message counts as a response.
//
// Three deviations, applied to every server alike:
// - all connections are opened and upgraded first, then every connection
//   starts its loop at once (a Node server busy with traffic accepts new
//   connections too slowly to ever reach the target count otherwise);
// - a connection keeps exactly one announce outstanding: it sends the next
//   request when the reply to its announce arrives (relayed offers and answers
//   in between are counted and remembered, but do not trigger sends). Sending
//   on every inbound message multiplies the load by 1 + offers per round and
//   only measures how a server drowns (the Node trackers stalled that way in
//   aquatic's own run).
// - trackers send nothing back to an answer (bittorrent-tracker and sigd
//   relay it only), so an answer is followed at once by the next announce.
//
//   sigd-loadgen --target 127.0.0.1:8000 --connections 1000 --duration 15
//   sigd-loadgen --target 127.0.0.1:8000 --connections 50000 --idle   (hold, print when all are up)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Config {
  std::string host = "127.0.0.1";
  int port = 8000;
  std::string path = "/announce";
  int connections = 1000;
  double duration = 15, warmup = 3;
  int torrents = 10000, offers = 10;
  double gamma_shape = 0.2, gamma_scale = 100, seeder_ratio = 0.25;
  std::vector<std::string> sources = {"127.0.0.1"};
  bool idle = false;
  int server_pid = 0;  // --server-pid: also report responses per server CPU-second
  double hold = 0;  // --idle: seconds to hold after all are up (0: until killed)
};

using Clock = std::chrono::steady_clock;

// utime + stime of a process, in seconds (/proc/PID/stat fields 14 and 15).
double cpu_seconds(int pid) {
  if (pid <= 0) return 0;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE* f = std::fopen(path, "r");
  if (!f) return 0;
  char buf[2048];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  const char* p = std::strrchr(buf, ')');
  if (!p) return 0;
  unsigned long long utime = 0, stime = 0;
  // after ") " come fields 3.. ; utime is field 14, stime 15
  if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) return 0;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}
double secs_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct Conn {
  int fd = -1;
  bool upgraded = false, closed = false;
  std::string in, out;
  size_t out_off = 0;
  char peer_id[21]{};
  bool have_offer = false;
  std::string offer_ih, offer_from, offer_id;
  bool announced = false;
  bool watching_out = true;  // EPOLLOUT registered (set by open_conn)
};

std::mt19937_64 rng{12345};
Config cfg;
std::gamma_distribution<double>* gamma_dist;
uint64_t responses = 0, requests = 0, errors = 0, upgraded = 0, closed_conns = 0;
bool traffic_started = false;

std::string random_ascii(size_t n) {
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string s(n, 'a');
  for (auto& c : s) c = alphabet[rng() % (sizeof alphabet - 1)];
  return s;
}

std::string info_hash(int index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "ih%018d", index);
  return std::string(buf, 20);
}

void frame(std::string& out, std::string_view payload) {
  out += static_cast<char>(0x81);
  if (payload.size() < 126) {
    out += static_cast<char>(0x80 | payload.size());
  } else {
    out += static_cast<char>(0x80 | 126);
    out += static_cast<char>((payload.size() >> 8) & 0xFF);
    out += static_cast<char>(payload.size() & 0xFF);
  }
  out.append(4, '\0');  // a zero masking key leaves the payload as is
  out.append(payload);
}

const std::string sdp = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n..";  // 47 bytes

void queue_announce(Conn& c, int offers) {
  int index = static_cast<int>((*gamma_dist)(rng)) % cfg.torrents;
  bool seeder = std::uniform_real_distribution<double>(0, 1)(rng) < cfg.seeder_ratio;
  std::string m = "{\"action\":\"announce\",\"info_hash\":\"" + info_hash(index) + "\",\"peer_id\":\"" + c.peer_id +
                  "\",\"numwant\":" + std::to_string(offers) + ",\"uploaded\":0,\"downloaded\":0,\"left\":" +
                  (seeder ? "0" : "50") + ",\"event\":\"" + (seeder ? "completed" : "started") + "\",\"offers\":[";
  for (int i = 0; i < offers; ++i) {
    if (i) m += ',';
    m += "{\"offer\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\no=- 0 0 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\n..\"},\"offer_id\":\"" +
         random_ascii(20) + "\"}";
  }
  m += "]}";
  frame(c.out, m);
  ++requests;
}

void queue_next(Conn& c) {
  if (cfg.idle) {
    if (!c.announced) {
      c.announced = true;
      queue_announce(c, 0);
    }
    return;
  }
  if (c.have_offer) {
    std::string m = "{\"action\":\"announce\",\"info_hash\":\"" + c.offer_ih + "\",\"peer_id\":\"" + c.peer_id +
                    "\",\"to_peer_id\":\"" + c.offer_from +
                    "\",\"answer\":{\"type\":\"answer\",\"sdp\":\"v=0\\r\\no=- 1 1 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\n..\"},\"offer_id\":\"" +
                    c.offer_id + "\"}";
    frame(c.out, m);
    ++requests;
    c.have_offer = false;
  }
  queue_announce(c, cfg.offers);
}

// The 20 ASCII characters after `"key":"` (ids in this test are ASCII).
bool field(std::string_view msg, std::string_view key, std::string& out) {
  std::string pat = "\"" + std::string(key) + "\":\"";
  auto p = msg.find(pat);
  if (p == std::string_view::npos || p + pat.size() + 20 > msg.size()) return false;
  out.assign(msg.substr(p + pat.size(), 20));
  return true;
}

void flush(int ep, Conn& c) {
  while (c.out_off < c.out.size()) {
    ssize_t n = ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN) break;
      c.closed = true;
      return;
    }
    c.out_off += static_cast<size_t>(n);
  }
  // Re-arm only when the interest changes: an epoll_ctl per flush cost the
  // generator ~8 % of its core.
  const bool want_out = c.out_off < c.out.size();
  if (want_out != c.watching_out) {
    epoll_event ev{};
    ev.data.ptr = &c;
    ev.events = EPOLLIN | (want_out ? static_cast<uint32_t>(EPOLLOUT) : 0u);
    epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
    c.watching_out = want_out;
  }
  if (c.out_off == c.out.size()) {
    c.out.clear();
    c.out_off = 0;
  }
}

void on_message(Conn& c, std::string_view msg) {
  ++responses;
  const bool reply = msg.find("\"interval\":") != std::string_view::npos ||
                     msg.find("\"failure reason\"") != std::string_view::npos;
  static const bool debug = std::getenv("LOADGEN_DEBUG") != nullptr;
  if (debug) std::fprintf(stderr, "<- %.*s\n", static_cast<int>(std::min<size_t>(msg.size(), 300)), msg.data());
  if (msg.find("\"offer\":{") != std::string_view::npos) {
    c.have_offer = field(msg, "info_hash", c.offer_ih) && field(msg, "peer_id", c.offer_from) &&
                   field(msg, "offer_id", c.offer_id);
  }
  if (reply) queue_next(c);
}

void on_readable(Conn& c) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n == 0) {
      c.closed = true;
      return;
    }
    if (n < 0) {
      if (errno != EAGAIN) c.closed = true;
      break;
    }
    c.in.append(buf, static_cast<size_t>(n));
    if (static_cast<size_t>(n) < sizeof buf) break;  // drained: skip the recv that would say EAGAIN
  }
  size_t pos = 0;
  if (!c.upgraded) {
    auto end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) return;
    if (c.in.compare(0, 12, "HTTP/1.1 101") != 0) {
      ++errors;
      c.closed = true;
      return;
    }
    c.upgraded = true;
    ++upgraded;
    pos = end + 4;
    if (traffic_started) queue_next(c);
  }
  for (;;) {
    if (c.in.size() - pos < 2) break;
    auto b0 = static_cast<uint8_t>(c.in[pos]), b1 = static_cast<uint8_t>(c.in[pos + 1]);
    uint64_t len = b1 & 0x7F;
    size_t hdr = 2;
    if (len == 126) {
      if (c.in.size() - pos < 4) break;
      len = (static_cast<uint8_t>(c.in[pos + 2]) << 8) | static_cast<uint8_t>(c.in[pos + 3]);
      hdr = 4;
    } else if (len == 127) {
      if (c.in.size() - pos < 10) break;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<uint8_t>(c.in[pos + 2 + i]);
      hdr = 10;
    }
    if (c.in.size() - pos - hdr < len) break;
    std::string_view payload(c.in.data() + pos + hdr, len);
    int opcode = b0 & 0x0F;
    if (opcode == 1 || opcode == 2) on_message(c, payload);
    else if (opcode == 9) {  // ping: pong with the same payload
      c.out += static_cast<char>(0x8A);
      c.out += static_cast<char>(0x80 | payload.size());
      c.out.append(4, '\0');
      c.out.append(payload);
    } else if (opcode == 8) {
      c.closed = true;
    }
    pos += hdr + len;
  }
  c.in.erase(0, pos);
}

int open_conn(int ep, Conn& c, size_t n) {
  c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c.fd < 0) return -1;
  int one = 1;
  setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(c.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  sockaddr_in src{};
  src.sin_family = AF_INET;
  inet_pton(AF_INET, cfg.sources[n % cfg.sources.size()].c_str(), &src.sin_addr);
  if (::bind(c.fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) return -1;
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(static_cast<uint16_t>(cfg.port));
  inet_pton(AF_INET, cfg.host.c_str(), &dst.sin_addr);
  if (::connect(c.fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0 && errno != EINPROGRESS) return -1;
  std::string id = "-LG0001-" + random_ascii(12);
  std::memcpy(c.peer_id, id.data(), 20);
  c.out = "GET " + cfg.path + " HTTP/1.1\r\nHost: " + cfg.host + ":" + std::to_string(cfg.port) +
          "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          "Sec-WebSocket-Version: 13\r\n\r\n";
  epoll_event ev{};
  ev.data.ptr = &c;
  ev.events = EPOLLIN | EPOLLOUT;
  return epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--target") {
      std::string t = next();
      cfg.host = t.substr(0, t.rfind(':'));
      cfg.port = std::atoi(t.substr(t.rfind(':') + 1).c_str());
    } else if (a == "--path") cfg.path = next();
    else if (a == "--connections") cfg.connections = std::atoi(next().c_str());
    else if (a == "--duration") cfg.duration = std::atof(next().c_str());
    else if (a == "--warmup") cfg.warmup = std::atof(next().c_str());
    else if (a == "--offers") cfg.offers = std::atoi(next().c_str());
    else if (a == "--hold") cfg.hold = std::atof(next().c_str());
    else if (a == "--idle") cfg.idle = true;
    else if (a == "--server-pid") cfg.server_pid = std::atoi(next().c_str());
    else if (a == "--sources") {
      cfg.sources.clear();
      std::string s = next();
      for (size_t p = 0; p <= s.size();) {
        size_t q = s.find(',', p);
        if (q == std::string::npos) q = s.size();
        cfg.sources.push_back(s.substr(p, q - p));
        p = q + 1;
      }
    } else {
      std::fprintf(stderr, "sigd-loadgen: unknown option %s\n", a.c_str());
      return 64;
    }
  }
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  std::gamma_distribution<double> g(cfg.gamma_shape, cfg.gamma_scale);
  gamma_dist = &g;

  int ep = epoll_create1(EPOLL_CLOEXEC);
  std::vector<Conn> conns(static_cast<size_t>(cfg.connections));
  auto start = Clock::now();
  size_t opened = 0;
  std::vector<epoll_event> events(4096);
  bool measuring = false;
  Clock::time_point measure_start;
  uint64_t responses_at_start = 0;
  double cpu_at_start = 0, gen_cpu_at_start = 0;
  auto all_up_at = Clock::time_point{};
  auto last_status = Clock::now();
  for (;;) {
    if (secs_since(last_status) >= 5) {
      last_status = Clock::now();
      std::fprintf(stderr, "sigd-loadgen: %.0f s: %zu opened, %llu upgraded, %llu closed, %llu responses\n",
                   secs_since(start), opened, static_cast<unsigned long long>(upgraded),
                   static_cast<unsigned long long>(closed_conns), static_cast<unsigned long long>(responses));
    }
    // Open connections gradually: 200 per loop turn (aquatic opens one per ms per worker).
    for (int k = 0; k < 200 && opened < conns.size(); ++k, ++opened)
      if (open_conn(ep, conns[opened], opened) != 0) {
        ++errors;
        conns[opened].closed = true;
      }
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 10);
    for (int i = 0; i < n; ++i) {
      auto& c = *static_cast<Conn*>(events[i].data.ptr);
      if (c.closed) continue;
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c);
      if (!c.closed) flush(ep, c);
      if (c.closed) {
        ++closed_conns;
        epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
      }
    }
    if (opened == conns.size() && all_up_at == Clock::time_point{} &&
        upgraded + errors + closed_conns >= conns.size()) {
      all_up_at = Clock::now();
      traffic_started = true;
      for (auto& c : conns)
        if (c.upgraded && !c.closed) {
          queue_next(c);
          flush(ep, c);
        }
      if (cfg.idle) {
        std::printf("up %llu connections (%llu errors) in %.1f s\n", static_cast<unsigned long long>(upgraded),
                    static_cast<unsigned long long>(errors), secs_since(start));
        std::fflush(stdout);
      }
    }
    if (cfg.idle) {
      if (all_up_at != Clock::time_point{} && cfg.hold > 0 && secs_since(all_up_at) > cfg.hold) break;
      continue;
    }
    if (!measuring && all_up_at != Clock::time_point{} && secs_since(all_up_at) >= cfg.warmup) {
      measuring = true;
      measure_start = Clock::now();
      responses_at_start = responses;
      cpu_at_start = cpu_seconds(cfg.server_pid);
      gen_cpu_at_start = cpu_seconds(getpid());
    }
    if (measuring && secs_since(measure_start) >= cfg.duration) break;
    if (secs_since(start) > cfg.duration + cfg.warmup + 120) {
      std::fprintf(stderr, "sigd-loadgen: connections never all came up (%llu of %d)\n",
                   static_cast<unsigned long long>(upgraded), cfg.connections);
      return 69;
    }
  }
  if (!cfg.idle) {
    double secs = secs_since(measure_start);
    double cpu = cpu_seconds(cfg.server_pid) - cpu_at_start;
    double gen_cpu = cpu_seconds(getpid()) - gen_cpu_at_start;
    double got = static_cast<double>(responses - responses_at_start);
    // gen_cpu: this generator's share of its core; near 1.0 it, not the server, is the limit.
    std::printf("connections %d upgraded %llu closed %llu errors %llu responses/s %.0f server_cpu %.2f responses/cpu_s %.0f "
                "gen_cpu %.2f\n",
                cfg.connections, static_cast<unsigned long long>(upgraded), static_cast<unsigned long long>(closed_conns),
                static_cast<unsigned long long>(errors), got / secs, cpu / secs, cpu > 0 ? got / cpu : 0.0, gen_cpu / secs);
  }
  return 0;
}
