// After Beast's async HTTP client examples (http_client_async, http_client_async_ssl): resolve,
// connect, handshake, write, read, each step a completion handler on the caller's executor.
#include "plugin/transport/http_client.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <memory>
#include <optional>
#include <type_traits>

#include "plugin/transport/client_tls.hpp"
#include "plugin/transport/url.hpp"

namespace rightmoment {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

template <typename Stream>
class HttpCall : public std::enable_shared_from_this<HttpCall<Stream>> {
 public:
  template <typename... StreamArgs>
  HttpCall(const net::any_io_executor& ex, ParsedUrl url, HttpCallRequest request, const HttpCallLimits& limits,
           std::function<void(HttpCallResponse)> done, StreamArgs&&... stream_args)
      : stream_(ex, std::forward<StreamArgs>(stream_args)...),
        resolver_(ex),
        deadline_(ex),
        url_(std::move(url)),
        request_(std::move(request)),
        limits_(limits),
        done_(std::move(done)) {}

  void run() {
    deadline_.expires_after(limits_.timeout);
    deadline_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->fail("no answer within " + std::to_string(self->limits_.timeout.count()) + " ms");
    });
    resolver_.async_resolve(url_.host, url_.port, [self = this->shared_from_this()](beast::error_code ec,
                                                                                   tcp::resolver::results_type r) {
      if (ec) return self->fail("resolve: " + ec.message());
      beast::get_lowest_layer(self->stream_).async_connect(r, [self](beast::error_code ec2, const tcp::endpoint&) {
        if (ec2) return self->fail("connect: " + ec2.message());
        self->on_connected();
      });
    });
  }

  void cancel() {
    done_ = nullptr;
    close();
  }

 private:
  void on_connected() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      if (auto ec = prepare_client_tls(stream_, url_.host, limits_.verify)) return fail("TLS: " + ec.message());
      stream_.async_handshake(ssl::stream_base::client, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return self->fail("TLS handshake: " + ec.message());
        self->write();
      });
    } else {
      write();
    }
  }

  void write() {
    http::verb verb = http::string_to_verb(request_.method);
    if (verb == http::verb::unknown) return fail("unknown method " + request_.method);
    req_.method(verb);
    req_.target(url_.target);
    req_.version(11);
    bool default_port = url_.port == (url_.tls ? "443" : "80");
    std::string host = url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
    req_.set(http::field::host, default_port ? host : host + ":" + url_.port);
    req_.set(http::field::user_agent, "RightMoment");
    req_.set(http::field::connection, "close");
    for (const auto& [name, value] : request_.headers) req_.set(name, value);
    req_.body() = std::move(request_.body);
    req_.prepare_payload();
    http::async_write(stream_, req_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail("write: " + ec.message());
      self->read();
    });
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(limits_.max_body);
    parser_->header_limit(16 * 1024);
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail("read: " + ec.message());
      HttpCallResponse res;
      auto& msg = self->parser_->get();
      res.status = static_cast<int>(msg.result_int());
      for (const auto& field : msg) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        res.headers[name] = std::string(field.value());
      }
      res.body = std::move(msg.body());
      self->finish(std::move(res));
    });
  }

  void fail(std::string why) {
    HttpCallResponse res;
    res.error = std::move(why);
    finish(std::move(res));
  }

  void finish(HttpCallResponse res) {
    close();
    if (auto done = std::exchange(done_, nullptr)) done(std::move(res));
  }

  void close() {
    deadline_.cancel();
    resolver_.cancel();
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).close();
  }

  Stream stream_;
  tcp::resolver resolver_;
  net::steady_timer deadline_;
  ParsedUrl url_;
  HttpCallRequest request_;
  HttpCallLimits limits_;
  std::function<void(HttpCallResponse)> done_;
  http::request<http::string_body> req_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
};

}  // namespace

std::function<void()> start_http_call(const net::any_io_executor& executor, ssl::context* tls, HttpCallRequest request,
                                      const HttpCallLimits& limits, std::function<void(HttpCallResponse)> done) {
  auto url = parse_url(request.url, "http");
  if (!url || (url->tls && !tls)) {
    HttpCallResponse res;
    res.error = url ? "https:// needs a TLS context" : "'" + request.url + "' is not an http:// or https:// URL";
    net::post(executor, [done = std::move(done), res = std::move(res)] { done(res); });
    return [] {};
  }
  if (url->tls) {
    auto call = std::make_shared<HttpCall<TlsStream>>(executor, *url, std::move(request), limits, std::move(done), *tls);
    call->run();
    return [call] { call->cancel(); };
  }
  auto call = std::make_shared<HttpCall<beast::tcp_stream>>(executor, *url, std::move(request), limits, std::move(done));
  call->run();
  return [call] { call->cancel(); };
}

}  // namespace rightmoment
