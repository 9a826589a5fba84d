#pragma once
// --tracker ws(s)://…: a libwebsockets client checks that the upgrade answers
// 101 with the right Sec-WebSocket-Accept (and, for wss, a certificate the
// system trusts, or the CA in SSL_CERT_FILE) and that a WebTorrent-style
// scrape gets an answer.
#include <string>

#include "commands.hpp"
#include "report.hpp"

namespace hlsmesh::tunnelcheck {

void check_tracker(const std::string& url, const Deadline& deadline, Report& report);

}  // namespace hlsmesh::tunnelcheck
