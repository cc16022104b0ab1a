#include "plugin/net/server_acceptor.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "plugin/transport/server_full_answer.hpp"

namespace rightmoment::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

ServerAcceptor::ServerAcceptor(asio::io_context& ioc, std::string name, std::shared_ptr<spdlog::logger> log)
    : ioc_(ioc), name_(std::move(name)), log_(std::move(log)), acceptor_(asio::make_strand(ioc)) {}  // close and accept never race

std::optional<std::string> ServerAcceptor::open(const std::string& address, std::uint16_t port) {
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address, ec);
  if (ec) return "bad address '" + address + "'";
  tcp::endpoint endpoint(ip, port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return "cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message();
  }
  return std::nullopt;
}

std::string ServerAcceptor::url(std::string_view scheme, std::string_view path) const {
  boost::system::error_code ec;
  auto local = acceptor_.local_endpoint(ec);
  std::string host = local.address().is_v6() ? "[" + local.address().to_string() + "]" : local.address().to_string();
  return std::string(scheme) + "://" + host + ":" + std::to_string(local.port()) + std::string(path);
}

void ServerAcceptor::start(std::size_t max_connections, asio::ssl::context* tls, AcceptHandlers handlers) {
  max_connections_ = max_connections;
  tls_ = tls;
  handlers_ = std::move(handlers);
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
}

void ServerAcceptor::close() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    self->closed_ = true;
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
}

void ServerAcceptor::do_accept() {
  if (closed_) return;
  acceptor_.async_accept(asio::make_strand(ioc_), [self = shared_from_this()](const boost::system::error_code& ec,
                                                                              tcp::socket socket) {
    self->on_accept(ec, std::move(socket));
  });
}

void ServerAcceptor::on_accept(const boost::system::error_code& ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || closed_) return;
  if (ec) {
    log_->warn("{}: accept failed: {}", name_, ec.message());
    return do_accept();
  }
  boost::system::error_code ignored;
  auto peer = socket.remote_endpoint(ignored);
  std::string remote = peer.address().to_string() + ":" + std::to_string(peer.port());
  std::int64_t counted = handlers_.counted();
  if (counted >= static_cast<std::int64_t>(max_connections_)) {
    handlers_.refused_full(remote, counted);
    answer_server_full(std::move(socket), tls_);
  } else {
    handlers_.accepted(std::move(socket), std::move(remote));
  }
  do_accept();
}

}  // namespace rightmoment::net
