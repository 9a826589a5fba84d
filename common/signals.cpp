#include "common/signals.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <csignal>

namespace hlsmesh::signals {
namespace {

std::atomic<int> g_stop_signal{0};
std::atomic<bool> g_reload{false};
int g_pipe[2] = {-1, -1};

void poke() {
  if (g_pipe[1] >= 0) {
    char c = 1;
    [[maybe_unused]] auto n = ::write(g_pipe[1], &c, 1);
  }
}

extern "C" void on_signal(int sig) {
  int saved = errno;
  if (sig == SIGHUP) {
    g_reload = true;
  } else {
    int expected = 0;
    g_stop_signal.compare_exchange_strong(expected, sig);
  }
  poke();
  errno = saved;
}

}  // namespace

void install() {
  if (g_pipe[0] < 0 && ::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    g_pipe[0] = g_pipe[1] = -1;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: blocking reads must see EINTR
  // SIGINT already ignored means a shell started us in the background without
  // job control (`prog &` in a script, as hlsmesh-origin starts its stages):
  // Ctrl-C is meant for the script, which stops its stages in order itself.
  struct sigaction inherited {};
  sigaction(SIGINT, nullptr, &inherited);
  if (inherited.sa_handler != SIG_IGN) sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  sigaction(SIGPIPE, &ign, nullptr);
}

bool stop_requested() { return g_stop_signal.load() != 0; }
int stop_signal() { return g_stop_signal.load(); }
void request_stop() {
  int expected = 0;
  g_stop_signal.compare_exchange_strong(expected, SIGTERM);
  poke();
}
bool take_reload() { return g_reload.exchange(false); }
int wake_fd() { return g_pipe[0]; }
void drain() {
  if (g_pipe[0] < 0) return;
  char buf[64];
  while (::read(g_pipe[0], buf, sizeof buf) > 0) {
  }
}

}  // namespace hlsmesh::signals
