#include "plugin/transport/server_full_answer.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace rightmoment {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

constexpr int kRefusalsInFlight = 64;
constexpr auto kRefusalTime = std::chrono::seconds(5);
std::atomic<int> refusals_in_flight{0};

const std::string& answer() {
  static const std::string text = [] {
    std::string body = "server full: too many connections, retry shortly\n";
    return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nRetry-After: 5\r\nConnection: close\r\n\r\n" + body;
  }();
  return text;
}

// Plain TCP: the answer, our half of the connection closed, then what the peer still sends is read
// and dropped until it closes (or time runs out). Closing with its request unread would reset the
// connection, and a reset may discard the answer before the peer reads it.
class PlainRefusal : public std::enable_shared_from_this<PlainRefusal> {
 public:
  explicit PlainRefusal(tcp::socket socket) : stream_(std::move(socket)) {}
  ~PlainRefusal() { --refusals_in_flight; }

  void run() {
    stream_.expires_after(kRefusalTime);
    net::async_write(stream_, net::buffer(answer()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      self->drain();
    });
  }

 private:
  void drain() {
    stream_.async_read_some(net::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec) self->drain();
    });
  }

  beast::tcp_stream stream_;
  std::array<char, 1024> scratch_{};
};

// TLS: the handshake, the answer, and TLS's own close.
class TlsRefusal : public std::enable_shared_from_this<TlsRefusal> {
 public:
  TlsRefusal(tcp::socket socket, ssl::context& ctx) : stream_(beast::tcp_stream(std::move(socket)), ctx) {}
  ~TlsRefusal() { --refusals_in_flight; }

  void run() {
    beast::get_lowest_layer(stream_).expires_after(kRefusalTime);
    stream_.async_handshake(ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      net::async_write(self->stream_, net::buffer(answer()), [self](beast::error_code wec, std::size_t) {
        if (wec) return;
        self->stream_.async_shutdown([self](beast::error_code) {});
      });
    });
  }

 private:
  beast::ssl_stream<beast::tcp_stream> stream_;
};

}  // namespace

void answer_server_full(tcp::socket socket, ssl::context* tls) {
  if (++refusals_in_flight > kRefusalsInFlight) {
    --refusals_in_flight;
    beast::error_code ignored;
    socket.close(ignored);
    return;
  }
  if (tls) std::make_shared<TlsRefusal>(std::move(socket), *tls)->run();
  else std::make_shared<PlainRefusal>(std::move(socket))->run();
}

}  // namespace rightmoment
