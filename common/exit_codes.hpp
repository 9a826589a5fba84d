#pragma once
// Exit codes (sysexits.h), shared by every program except tunnelcheck, which
// uses the monitoring-plugin codes 0/1/2/3 instead.
namespace hlsmesh {

enum class Exit : int {
  ok = 0,
  usage = 64,        // bad command line
  data = 65,         // bad input data (--strict and a bad event line)
  no_input = 66,     // an input file or directory is missing
  unavailable = 69,  // a service we need is unavailable
  software = 70,     // internal error
  io = 74,           // I/O error
  config = 78,       // bad configuration
};

constexpr int code(Exit e) { return static_cast<int>(e); }

// Thrown to end the program with a given code after the message was logged.
struct ExitRequest {
  Exit exit;
};

}  // namespace hlsmesh
