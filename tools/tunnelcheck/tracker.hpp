#pragma once
// --tracker ws(s)://…: an RFC 6455 client of its own (upgrade, one masked
// text frame, read frames) over a plain or TLS socket; checks that the
// upgrade answers 101 with the right Sec-WebSocket-Accept and that a
// WebTorrent-style scrape gets an answer.
#include <string>

#include "commands.hpp"
#include "report.hpp"

namespace tunnelcheck {

void check_tracker(const std::string& url, const Deadline& deadline, Report& report);

}  // namespace tunnelcheck
