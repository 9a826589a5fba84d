#include "common/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

using namespace hlsmesh::http;

TEST(HttpUtil, RedactUrlHidesCredentialsAndQueryValues) {
  EXPECT_EQ(redact_url("https://user:secret@cdn.example.com/live/p.m3u8?token=abc&X-Amz-Signature=ff"),
            "https://***@cdn.example.com/live/p.m3u8?token=***&X-Amz-Signature=***");
  EXPECT_EQ(redact_url("http://127.0.0.1:8000/live/p.m3u8"), "http://127.0.0.1:8000/live/p.m3u8");
}

TEST(HttpClient, ConnectionRefusedIsReportedNotThrown) {
  Client client;
  Request rq;
  rq.url = "http://127.0.0.1:1/";  // nothing listens on port 1
  rq.timeout_ms = 3000;
  Response r = client.perform(rq);
  EXPECT_NE(r.curl_code, CURLE_OK);
  EXPECT_FALSE(r.error.empty());
  EXPECT_FALSE(r.ok());
}

namespace {

// A one-thread HTTP server on 127.0.0.1 that answers every request on a
// kept-alive connection with `body`, written at once.
class BodyServer {
 public:
  explicit BodyServer(std::string body) : body_(std::move(body)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 || ::listen(listener_, 4) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
      throw std::runtime_error("cannot listen on 127.0.0.1");
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~BodyServer() {
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/segment.ts"; }

 private:
  void serve() {
    const int connection = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (connection < 0) return;
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body_.size()) + "\r\n\r\n";
    std::string request;
    char buffer[4096];
    for (ssize_t n; (n = ::read(connection, buffer, sizeof buffer)) > 0;) {
      request.append(buffer, static_cast<std::size_t>(n));
      for (auto end = request.find("\r\n\r\n"); end != std::string::npos; end = request.find("\r\n\r\n")) {
        request.erase(0, end + 4);
        const std::string reply = head + body_;
        for (std::size_t sent = 0; sent < reply.size();) {
          const ssize_t w = ::write(connection, reply.data() + sent, reply.size() - sent);
          if (w <= 0) break;
          sent += static_cast<std::size_t>(w);
        }
      }
    }
    ::close(connection);
  }
  std::string body_;
  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace

// perform() returns as soon as its transfer is done: when the last bytes
// were read by the perform that opens a poll() call, it used to wait on the
// idle sockets for the whole 1 s poll timeout first (meshrelay's segment
// fetches were late by a second, one in three).
TEST(HttpClient, PerformReturnsAsSoonAsTheBodyIsIn) {
  BodyServer server(std::string(4 << 20, 'x'));
  Client client;
  const auto start = std::chrono::steady_clock::now();
  for (int k = 0; k < 8; ++k) {
    Request rq;
    rq.url = server.url();
    Response r = client.perform(rq);
    ASSERT_TRUE(r.ok()) << r.error;
    ASSERT_EQ(r.body.size(), 4u << 20);
  }
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::milliseconds(2500)) << "8 fetches of 4 MiB over loopback";
}
