// meshrelay's WebRTC peers connected and torn down again and again, and held
// many at once, against real webrtcbin offerers (tests/meshrelay/offerer.hpp)
// in the same process: what a relay's peer costs and whether it leaks.
//
//   meshrelay_peer_cycles cycles N   N connect / serve one segment / disconnect
//                                    cycles; exit 1 unless RSS and threads come
//                                    back within 10 % of the start (after 10 warm-up cycles)
//   meshrelay_peer_cycles hold N     N peers open at once: RSS and threads per peer
//   meshrelay_peer_cycles serve MB   one peer sent MB megabytes (200 kB segments):
//                                    CPU seconds per MB, and viewers per core at 2 Mbit/s
//
// Both ends run here, so the figures are an upper bound for the relay's side.
// Prints one JSON object.
#include <malloc.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/meshrelay/offerer.hpp"
#include "tools/meshrelay/peer_commands.hpp"
#include "tools/meshrelay/peer_session.hpp"

namespace hlsmesh::meshrelay {
namespace {

using test_peer::Offerer;
using test_peer::spin_until;

struct Usage {
  long rss_kib = 0;
  long threads = 0;
};

Usage usage() {
  Usage u;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) u.rss_kib = std::strtol(line.c_str() + 6, nullptr, 10);
    if (line.rfind("Threads:", 0) == 0) u.threads = std::strtol(line.c_str() + 8, nullptr, 10);
  }
  return u;
}

// Lets GStreamer's threads of torn-down peers finish (they take up to a few
// seconds) and glibc hand freed buffers back, as the relay does.
Usage settled() {
  spin_until([] { return false; }, 4);
  malloc_trim(0);
  return usage();
}

// One browser and the relay's peer for it, with a session on the channel.
struct Pair {
  Offerer browser;
  std::unique_ptr<PeerConnection> peer;
  std::unique_ptr<PeerSession> session;
  std::string answer, closed;
  bool opened = false;
};

bool connect(Pair& p, GstPeerFactory& factory, SegmentWindow& window, UploadBudget& budget) {
  if (!spin_until([&] { return p.browser.gathered(); }, 10)) return false;
  PeerEvents events;
  events.on_answer = [&p](const std::string& sdp) { p.answer = sdp; };
  events.on_open = [&p] { p.opened = true; };
  events.on_message = [&p](std::string m) { p.session->received(m); };
  events.on_buffered_low = [&p] { p.session->pump(); };
  events.on_closed = [&p](const std::string& why) { p.closed = why; };
  p.peer = factory.answer(p.browser.offer_sdp, events);
  SessionLimits limits;
  limits.max_requests_per_s = 100000;  // serve asks segment after segment as fast as they come
  p.session = std::make_unique<PeerSession>(*p.peer, window, 0, limits, budget, PeerSession::Hooks{});
  if (!spin_until([&] { return !p.answer.empty() || !p.closed.empty(); }, 10) || !p.closed.empty()) return false;
  p.browser.set_answer(p.answer);
  return spin_until([&] { return p.opened && p.browser.open; }, 15);
}

// Asks for segment 42 and waits for SegmentDataSendingCompleted.
bool fetch_segment(Pair& p, std::int64_t request = 1) {
  p.browser.received.clear();
  for (const auto& m : serialize(segment_command(CommandType::segment_request, 42, request))) p.browser.send(m);
  return spin_until([&] {
    for (const auto& m : p.browser.received)
      if (is_command_chunk(m) &&
          deserialize(std::string_view(m).substr(4, m.size() - 8)).type == CommandType::segment_data_sending_completed)
        return true;
    return false;
  }, 10);
}

int cycles(int n, GstPeerFactory& factory, SegmentWindow& window, UploadBudget& budget) {
  int failed = 0;
  Usage start;
  for (int k = 0; k < n + 10; ++k) {
    if (k == 10) start = settled();
    auto p = std::make_unique<Pair>();
    if (!connect(*p, factory, window, budget) || !fetch_segment(*p)) ++failed;
    p.reset();
  }
  const Usage end = settled();
  const bool ok = failed == 0 && end.rss_kib <= start.rss_kib * 11 / 10 && end.threads <= start.threads * 11 / 10;
  std::cout << nlohmann::json{{"mode", "cycles"},           {"cycles", n},
                              {"failed", failed},           {"rss_kib_start", start.rss_kib},
                              {"rss_kib_end", end.rss_kib}, {"threads_start", start.threads},
                              {"threads_end", end.threads}, {"within_10_percent", ok}}
                   .dump()
            << "\n";
  return ok ? 0 : 1;
}

int hold(int n, GstPeerFactory& factory, SegmentWindow& window, UploadBudget& budget) {
  const Usage start = settled();
  std::vector<std::unique_ptr<Pair>> pairs;
  int failed = 0;
  for (int k = 0; k < n; ++k) {
    pairs.push_back(std::make_unique<Pair>());
    if (!connect(*pairs.back(), factory, window, budget)) ++failed;
  }
  malloc_trim(0);
  const Usage held = usage();
  const double open = n - failed;
  std::cout << nlohmann::json{{"mode", "hold"},
                              {"peers", n},
                              {"failed", failed},
                              {"rss_kib_per_pair", open ? (held.rss_kib - start.rss_kib) / open : 0},
                              {"threads_per_pair", open ? (held.threads - start.threads) / open : 0}}
                   .dump()
            << "\n";
  return failed == 0 ? 0 : 1;
}

double cpu_seconds() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

int serve(int megabytes, GstPeerFactory& factory, SegmentWindow& window, UploadBudget& budget) {
  Pair p;
  if (!connect(p, factory, window, budget)) {
    std::cerr << "serve: the peer did not connect: " << p.closed << "\n";
    return 1;
  }
  const int segments = megabytes * 5;  // 200 kB each
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  for (int k = 0; k < segments; ++k)
    if (!fetch_segment(p, k + 2)) {
      std::cerr << "serve: segment " << k << " not completed: " << p.closed << "\n";
      return 1;
    }
  const double cpu = cpu_seconds() - cpu0;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double mb = segments * 0.2;
  // A viewer at 2 Mbit/s takes 0.25 MB/s: one core serves 1 / (0.25 * cpu per MB) of them.
  std::cout << nlohmann::json{{"mode", "serve"},
                              {"mb", mb},
                              {"mb_per_s", mb / wall},
                              {"cpu_ms_per_mb", 1000 * cpu / mb},
                              {"viewers_per_core_at_2mbit", mb / (0.25 * cpu)}}
                   .dump()
            << "\n";
  return 0;
}

}  // namespace
}  // namespace hlsmesh::meshrelay

int main(int argc, char** argv) {
  using namespace hlsmesh::meshrelay;
  const std::string mode = argc == 3 ? argv[1] : "";
  if (mode != "cycles" && mode != "hold" && mode != "serve") {
    std::cerr << "usage: meshrelay_peer_cycles cycles|hold|serve N\n";
    return 64;
  }
  const int n = std::atoi(argv[2]);
  GstPeerFactory factory;
  SegmentWindow window(1 << 24, 10);
  window.add(0, 42, std::make_shared<const std::string>(std::string(200000, 'x')));
  UploadBudget budget(0);
  if (mode == "serve") return serve(n, factory, window, budget);
  return mode == "cycles" ? cycles(n, factory, window, budget) : hold(n, factory, window, budget);
}
