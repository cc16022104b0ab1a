#pragma once
// The accepting half of every server of the plugin (the event listeners and the web endpoints): bind
// and listen with a clear error, an accept loop that gives each connection a strand of its own, and
// the one answer past max_connections (plugin/transport/server_full_answer.hpp: 503 with
// Retry-After, over TLS when the server speaks it). What a connection is, and what counts as open,
// stays with the server that uses it.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <spdlog/logger.h>

namespace rightmoment::net {

struct AcceptHandlers {
  // The connections counted against max_connections right now (open ones, and those in a handshake).
  std::function<std::int64_t()> counted;
  // A connection past the limit, told before it gets the 503 (count it, log it).
  std::function<void(const std::string& remote, std::int64_t counted)> refused_full;
  // A connection to serve, on its own strand.
  std::function<void(boost::asio::ip::tcp::socket socket, std::string remote)> accepted;
};

class ServerAcceptor : public std::enable_shared_from_this<ServerAcceptor> {
 public:
  ServerAcceptor(boost::asio::io_context& ioc, std::string name, std::shared_ptr<spdlog::logger> log);

  // Binds and listens; the reason when it cannot ("bad address 'x'", "cannot listen on a:p: why").
  std::optional<std::string> open(const std::string& address, std::uint16_t port);
  // "scheme://host:port" + path, with the port actually bound (IPv6 hosts in brackets).
  std::string url(std::string_view scheme, std::string_view path = "") const;
  // The accept loop, until close(). tls, when given, must outlive the acceptor (the 503 is sent over it).
  void start(std::size_t max_connections, boost::asio::ssl::context* tls, AcceptHandlers handlers);
  // Stops accepting (posted to the acceptor's executor; safe from any thread, and twice).
  void close();

 private:
  void do_accept();
  void on_accept(const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  std::string name_;
  std::shared_ptr<spdlog::logger> log_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::size_t max_connections_ = 0;
  boost::asio::ssl::context* tls_ = nullptr;
  AcceptHandlers handlers_;
  bool closed_ = false;  // on the acceptor's executor
};

}  // namespace rightmoment::net
