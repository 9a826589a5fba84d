#pragma once
// SIGINT/SIGTERM request a clean stop (SIGINT stays ignored if it was on
// entry: a script's background stage); SIGHUP requests a reload; SIGPIPE is
// ignored so a closed downstream shows up as EPIPE (EventWriter::PipeClosed).
// Handlers are installed without SA_RESTART, so blocking reads return EINTR;
// poll loops also watch wake_fd(), which becomes readable on every signal.
namespace hlsmesh::signals {

void install();
bool stop_requested();
void request_stop();       // as if SIGTERM arrived (tests, fatal paths)
int stop_signal();         // the signal that asked us to stop, or 0
bool take_reload();        // true once per SIGHUP received
int wake_fd();             // read end of the self-pipe; drain() after POLLIN
void drain();

}  // namespace hlsmesh::signals
