#include "tracker.hpp"

#include <netdb.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/fd.hpp"
#include "common/http_client.hpp"
#include "common/time_util.hpp"
#include "url.hpp"

namespace tunnelcheck {
namespace {

struct SslCtxDeleter {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslDeleter {
  void operator()(SSL* s) const { SSL_free(s); }
};

struct Failure {
  std::string code;
  std::string message;
  std::string fix;
};

// One socket, optionally wrapped in TLS, every operation bounded by the deadline.
class Connection {
 public:
  explicit Connection(const Deadline& deadline) : deadline_(deadline) {}

  void open(const std::string& host, const std::string& port, bool tls) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0)
      throw Failure{"tracker-connect-failed", "cannot resolve " + host + ": " + gai_strerror(rc),
                    "check the tracker host name"};
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
    std::string why = "no address";
    for (addrinfo* ai = list.get(); ai && !fd_; ai = ai->ai_next) {
      hlsmesh::UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol));
      if (!fd) continue;
      if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
        why = std::strerror(errno);
        continue;
      }
      if (!wait_for(fd.get(), POLLOUT)) {
        why = "no answer before the --timeout deadline";
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      if (err) {
        why = std::strerror(err);
        continue;
      }
      fd_ = std::move(fd);
    }
    if (!fd_)
      throw Failure{"tracker-connect-failed", "cannot connect to " + host + ":" + port + ": " + why,
                    "start the tracker (sigd) and check the tunnel route for it"};
    if (!tls) return;
    ctx_.reset(SSL_CTX_new(TLS_client_method()));
    SSL_CTX_set_default_verify_paths(ctx_.get());
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
    ssl_.reset(SSL_new(ctx_.get()));
    SSL_set_fd(ssl_.get(), fd_.get());
    // SNI (the SSL_set_tlsext_host_name macro hides an old-style cast).
    SSL_ctrl(ssl_.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str()));
    SSL_set1_host(ssl_.get(), host.c_str());
    while (true) {
      int rc = SSL_connect(ssl_.get());
      if (rc == 1) break;
      int e = SSL_get_error(ssl_.get(), rc);
      if ((e == SSL_ERROR_WANT_READ && wait_for(fd_.get(), POLLIN)) ||
          (e == SSL_ERROR_WANT_WRITE && wait_for(fd_.get(), POLLOUT)))
        continue;
      throw Failure{"tracker-tls-failed", "TLS handshake with " + host + " failed",
                    "check the tracker's certificate (multi-level subdomains are not covered by Universal SSL)"};
    }
  }

  void send_all(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      long n;
      if (ssl_) {
        n = SSL_write(ssl_.get(), data.data() + off, static_cast<int>(data.size() - off));
        if (n <= 0) {
          int e = SSL_get_error(ssl_.get(), static_cast<int>(n));
          if ((e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) &&
              wait_for(fd_.get(), e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT))
            continue;
          throw Failure{"tracker-closed", "the tracker closed the connection while we were sending",
                        "check the tracker logs"};
        }
      } else {
        n = ::send(fd_.get(), data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR) && wait_for(fd_.get(), POLLOUT)) continue;
        if (n <= 0)
          throw Failure{"tracker-closed", "the tracker closed the connection while we were sending",
                        "check the tracker logs"};
      }
      off += static_cast<size_t>(n);
    }
  }

  // Reads more bytes into buffer_; throws on timeout or close.
  void read_more() {
    char chunk[4096];
    while (true) {
      long n;
      if (ssl_) {
        n = SSL_read(ssl_.get(), chunk, sizeof chunk);
        if (n <= 0) {
          int e = SSL_get_error(ssl_.get(), static_cast<int>(n));
          if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) &&
              wait_for(fd_.get(), e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT))
            continue;
          break;
        }
      } else {
        n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
          if (wait_for(fd_.get(), POLLIN)) continue;
          throw Failure{"tracker-timeout", "the tracker did not answer before the --timeout deadline",
                        "check that the tracker is running and that WebSockets are enabled on the zone"};
        }
        if (n <= 0) break;
      }
      buffer_.append(chunk, static_cast<size_t>(n));
      return;
    }
    if (deadline_.passed())
      throw Failure{"tracker-timeout", "the tracker did not answer before the --timeout deadline",
                    "check that the tracker is running and that WebSockets are enabled on the zone"};
    throw Failure{"tracker-closed", "the tracker closed the connection", "check the tracker logs"};
  }

  std::string& buffer() { return buffer_; }

 private:
  bool wait_for(int fd, short events) {
    long left = deadline_.remaining_ms();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left));
    return rc > 0;
  }

  const Deadline& deadline_;
  hlsmesh::UniqueFd fd_;
  std::unique_ptr<SSL_CTX, SslCtxDeleter> ctx_;
  std::unique_ptr<SSL, SslDeleter> ssl_;
  std::string buffer_;
};

std::string base64(const unsigned char* data, size_t n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<size_t>(len));
  return out;
}

std::string expected_accept(const std::string& key) {
  std::string text = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return base64(digest, sizeof digest);
}

// A client frame: FIN + text opcode, masked as RFC 6455 §5.3 requires.
std::string text_frame(const std::string& payload) {
  std::string f;
  f += static_cast<char>(0x81);
  const size_t n = payload.size();
  if (n < 126) {
    f += static_cast<char>(0x80 | n);
  } else if (n < 65536) {
    f += static_cast<char>(0x80 | 126);
    f += static_cast<char>(n >> 8);
    f += static_cast<char>(n & 0xff);
  } else {
    f += static_cast<char>(0x80 | 127);
    for (int i = 7; i >= 0; --i) f += static_cast<char>((n >> (8 * i)) & 0xff);
  }
  unsigned char mask[4];
  RAND_bytes(mask, sizeof mask);
  f.append(reinterpret_cast<char*>(mask), 4);
  for (size_t i = 0; i < n; ++i) f += static_cast<char>(payload[i] ^ static_cast<char>(mask[i % 4]));
  return f;
}

}  // namespace

void check_tracker(const std::string& url_text, const Deadline& deadline, Report& report) {
  const std::string subject = hlsmesh::http::redact_url(url_text);
  auto u = parse_url(url_text);
  if (!u || (u->scheme != "ws" && u->scheme != "wss")) {
    report.add(Severity::unknown, "tracker-bad-url", subject, "--tracker needs a ws:// or wss:// URL",
               "pass e.g. wss://tv.example.com/announce");
    return;
  }
  const bool tls = u->scheme == "wss";
  const std::string port = u->port.empty() ? (tls ? "443" : "80") : u->port;
  const int64_t started = hlsmesh::monotonic_ms();
  try {
    Connection c(deadline);
    c.open(u->host, port, tls);
    unsigned char nonce[16];
    RAND_bytes(nonce, sizeof nonce);
    const std::string key = base64(nonce, sizeof nonce);
    std::string target = u->path + (u->query.empty() ? "" : "?" + u->query);
    c.send_all("GET " + target + " HTTP/1.1\r\nHost: " + u->host_port() +
               "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
               "\r\nSec-WebSocket-Version: 13\r\nUser-Agent: tunnelcheck (hlsmesh)\r\n\r\n");
    while (c.buffer().find("\r\n\r\n") == std::string::npos) {
      if (c.buffer().size() > 65536)
        throw Failure{"tracker-no-upgrade", "the upgrade answer has no end of headers", "check what listens there"};
      c.read_more();
    }
    const size_t head_end = c.buffer().find("\r\n\r\n");
    std::string head = c.buffer().substr(0, head_end);
    c.buffer().erase(0, head_end + 4);
    std::string status_line = head.substr(0, head.find("\r\n"));
    if (status_line.find(" 101") == std::string::npos) {
      std::string code = status_line.size() > 12 ? status_line.substr(9, 3) : status_line;
      throw Failure{
          "tracker-no-upgrade",
          "the WebSocket upgrade was answered '" + status_line + "' instead of 101 Switching Protocols" +
              (code == "530"   ? ": the tunnel is down"
               : code == "502" ? ": the tracker behind the tunnel is down"
                               : ""),
          "route the tracker path to the tracker's http:// service in config.yml and enable WebSockets on the zone"};
    }
    std::string accept;
    for (size_t pos = 0; pos < head.size();) {
      size_t eol = head.find("\r\n", pos);
      std::string line = head.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
      std::string lname = line.substr(0, line.find(':'));
      for (auto& ch : lname) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lname == "sec-websocket-accept") {
        accept = line.substr(line.find(':') + 1);
        accept.erase(0, accept.find_first_not_of(' '));
      }
      if (eol == std::string::npos) break;
      pos = eol + 2;
    }
    if (accept != expected_accept(key))
      throw Failure{"tracker-bad-accept", "the 101 answer carries a wrong Sec-WebSocket-Accept",
                    "a proxy in between mangles the handshake; check what answers on that path"};
    report.metric("tunnelcheck_tracker_upgrade_seconds",
                  static_cast<double>(hlsmesh::monotonic_ms() - started) / 1000.0, {{"tracker", subject}},
                  "Time to a completed WebSocket upgrade");
    // WebTorrent tracker scrape (bittorrent-tracker and sigd answer it).
    c.send_all(text_frame(R"({"action":"scrape","info_hash":"tunnelcheck-scrape!!"})"));
    while (true) {
      std::string& b = c.buffer();
      if (b.size() >= 2) {
        const uint8_t b0 = static_cast<uint8_t>(b[0]), b1 = static_cast<uint8_t>(b[1]);
        size_t len = b1 & 0x7f, hdr = 2;
        if (len == 126 && b.size() >= 4) {
          len = (static_cast<size_t>(static_cast<uint8_t>(b[2])) << 8) | static_cast<uint8_t>(b[3]);
          hdr = 4;
        } else if (len == 127 && b.size() >= 10) {
          len = 0;
          for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<uint8_t>(b[2 + static_cast<size_t>(i)]);
          hdr = 10;
        } else if (len >= 126) {
          c.read_more();
          continue;
        }
        if (b1 & 0x80) hdr += 4;  // servers must not mask, but skip the key if they do
        if (len > (1u << 20))
          throw Failure{"tracker-bad-frame", "the tracker sent a frame of " + std::to_string(len) + " bytes",
                        "check the tracker"};
        if (b.size() >= hdr + len) {
          const int opcode = b0 & 0x0f;
          std::string payload = b.substr(hdr, len);
          b.erase(0, hdr + len);
          if (opcode == 8)
            throw Failure{"tracker-closed", "the tracker closed the WebSocket instead of answering the scrape",
                          "check the tracker logs"};
          if (opcode != 1) continue;  // ping/pong/binary: keep reading
          auto j = nlohmann::json::parse(payload, nullptr, false);
          if (j.is_discarded() || !j.is_object())
            throw Failure{"tracker-bad-answer", "the tracker answered with something that is not JSON",
                          "check what answers on that path"};
          if (j.contains("failure reason")) {
            report.add(Severity::warning, "tracker-scrape-refused", subject,
                       "WebSocket upgrade OK, but the scrape was refused: " + j["failure reason"].dump(),
                       "allow scrapes on the tracker, or ignore if it is deliberate");
          } else {
            report.add(Severity::ok, "tracker-ok", subject, "WebSocket upgrade OK and the scrape was answered");
          }
          report.metric("tunnelcheck_tracker_seconds", static_cast<double>(hlsmesh::monotonic_ms() - started) / 1000.0,
                        {{"tracker", subject}}, "Time to a scrape answer");
          return;
        }
      }
      c.read_more();
    }
  } catch (const Failure& f) {
    report.add(Severity::critical, f.code, subject, f.message, f.fix);
  }
}

}  // namespace tunnelcheck
