// HTTP and WebSocket sessions after Beast's advanced_server example: one object per connection on its
// own strand, keep-alive request loop, upgrade to a WebSocket with a bounded send queue.
#include "plugin/web/http_server.hpp"

#include "plugin/transport/server_full_answer.hpp"
#include "plugin/transport/server_tls.hpp"

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <mutex>
#include <thread>

namespace rightmoment {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;

std::string HttpRequest::header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpResponse HttpResponse::text(unsigned status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(HttpServerConfig c, std::shared_ptr<HttpRoutes> r, std::shared_ptr<spdlog::logger> l)
      : cfg(std::move(c)), routes(std::move(r)), log(std::move(l)), acceptor(ioc) {}

  HttpServerConfig cfg;
  std::shared_ptr<HttpRoutes> routes;
  std::shared_ptr<spdlog::logger> log;
  net::io_context ioc;
  tcp::acceptor acceptor;
  std::optional<ssl::context> tls;
  std::thread thread;
  std::string url;
  std::atomic<bool> stopping{false};
  std::atomic<bool> loop_done{false};

  mutable std::mutex mutex;
  HttpServerStats stats;
  std::uint64_t next_id = 1;
  std::map<std::uint64_t, std::function<void()>> closers;  // every open connection

  template <typename F>
  void with_stats(F&& f) {
    std::lock_guard lock(mutex);
    f(stats);
  }
  std::uint64_t add_closer(std::function<void()> close) {
    std::lock_guard lock(mutex);
    closers.emplace(next_id, std::move(close));
    return next_id++;
  }
  void remove_closer(std::uint64_t id) {
    std::lock_guard lock(mutex);
    closers.erase(id);
  }

  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
};

namespace {

using ImplPtr = std::shared_ptr<HttpServer::Impl>;
constexpr const char* kServerName = "RightMoment";

bool is_quiet_close(const beast::error_code& ec) {
  return ec == websocket::error::closed || ec == net::error::operation_aborted || ec == net::error::eof ||
         ec == beast::error::timeout || ec == net::ssl::error::stream_truncated ||
         ec == net::error::connection_reset || ec == http::error::end_of_stream;
}

HttpRequest to_request(const http::request<http::string_body>& req, const std::string& remote, bool tls) {
  HttpRequest r;
  r.method = std::string(req.method_string());
  std::string target(req.target());
  auto q = target.find('?');
  r.path = target.substr(0, q);
  r.target = target;
  if (q != std::string::npos) {
    // A query with a broken escape is read as no query at all.
    if (auto fields = parse_form_urlencoded(std::string_view(target).substr(q + 1)))
      for (auto& [key, value] : *fields)
        if (!key.empty() && !r.query.count(key)) r.query.emplace(std::move(key), std::move(value));
  }
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = std::string(field.value());
  }
  r.body = req.body();
  r.remote = remote;
  r.tls = tls;
  return r;
}

http::response<http::string_body> to_beast(const HttpResponse& res, unsigned version, bool keep_alive) {
  http::response<http::string_body> out(static_cast<http::status>(res.status), version);
  out.set(http::field::server, kServerName);
  out.set(http::field::content_type, res.content_type);
  out.set("X-Content-Type-Options", "nosniff");
  for (const auto& [k, v] : res.headers) out.set(k, v);
  out.keep_alive(keep_alive);
  out.body() = res.body;
  out.prepare_payload();
  return out;
}

// ------------------------------------------------------------------ WebSocket session

template <typename Stream>
class WsSession : public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  WsSession(ImplPtr impl, Stream stream) : impl_(std::move(impl)), ws_(std::move(stream)) {}

  // Holds the session and the server weakly, and never an executor: a peer kept by a route after
  // the server is gone must not touch its io_context.
  class Peer : public WebSocketPeer {
   public:
    Peer(std::weak_ptr<WsSession> s, std::weak_ptr<HttpServer::Impl> server) : session_(std::move(s)), server_(std::move(server)) {}
    void send(std::string text) override {
      post([t = std::move(text)](WsSession& s) mutable { s.queue_send(std::move(t)); });
    }
    void close() override {
      post([](WsSession& s) { s.begin_close(); });
    }

   private:
    template <typename F>
    void post(F&& f) {
      auto server = server_.lock();  // keeps the io_context alive while we post to it
      if (!server) return;
      auto session = session_.lock();
      if (!session) return;
      net::post(session->ws_.get_executor(), [w = session_, f = std::forward<F>(f)]() mutable {
        if (auto s = w.lock()) f(*s);
      });
    }
    std::weak_ptr<WsSession> session_;
    std::weak_ptr<HttpServer::Impl> server_;
  };

  void accept(http::request<http::string_body> req, std::function<WebSocketHandlers(std::shared_ptr<WebSocketPeer>)> on_open) {
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(15);
    timeouts.idle_timeout = impl_->cfg.idle_timeout;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, kServerName); }));
    ws_.read_message_max(impl_->cfg.max_ws_message_bytes);
    on_open_ = std::move(on_open);
    ws_.async_accept(req, [self = this->shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
  }

  void queue_send(std::string text) {
    if (closed_) return;
    if (queue_.size() >= impl_->cfg.write_queue_limit) {
      impl_->log->warn("{}: a page stopped reading ({} messages queued); closing it so that it reconnects and catches up",
                       impl_->cfg.name, queue_.size());
      force_close();
      return;
    }
    queue_.push_back(std::move(text));
    if (queue_.size() == 1) do_write();
  }

  void begin_close() {
    if (closed_ || closing_) return;
    closing_ = true;
    if (queue_.empty()) do_close();
  }

  void force_close() {
    closed_ = true;
    write_timer_.cancel();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).close();
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) return;
    impl_->with_stats([](HttpServerStats& s) {
      ++s.websocket_opened;
      ++s.websockets_open;
    });
    open_ = true;
    closer_id_ = impl_->add_closer([w = this->weak_from_this(), ex = ws_.get_executor()] {
      net::post(ex, [w] {
        if (auto s = w.lock()) s->force_close();
      });
    });
    handlers_ = on_open_(std::make_shared<Peer>(this->weak_from_this(), impl_));
    on_open_ = nullptr;
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return finished(ec);
    if (ws_.got_text() && handlers_.on_message) {
      std::string_view text(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      handlers_.on_message(text);
    }
    buffer_.consume(buffer_.size());
    do_read();
  }

  void do_write() {
    // A message the page has not taken within 10 s: it stopped reading (a frozen tab, a dead
    // network). Close it; it reconnects and gets a snapshot. (While a write is stuck, Beast cannot
    // answer a ping or close either, so the queue limit alone might never be reached.)
    std::uint64_t this_write = ++writes_started_;
    write_timer_.expires_after(std::chrono::seconds(10));
    write_timer_.async_wait([self = this->shared_from_this(), this_write](beast::error_code ec) {
      if (ec || self->closed_ || self->writes_started_ != this_write || self->queue_.empty()) return;
      self->impl_->log->warn("{}: a page has not taken a message for 10 s; closing it so that it reconnects", self->impl_->cfg.name);
      self->force_close();
    });
    ws_.text(true);
    ws_.async_write(net::buffer(queue_.front()), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->write_timer_.cancel();
      if (ec) return self->finished(ec);
      self->queue_.pop_front();
      if (!self->queue_.empty()) return self->do_write();
      if (self->closing_) self->do_close();
    });
  }

  void do_close() {
    ws_.async_close(websocket::close_code::normal, [self = this->shared_from_this()](beast::error_code) { self->force_close(); });
  }

  void finished(beast::error_code ec) {
    if (done_) return;
    done_ = true;
    closed_ = true;
    write_timer_.cancel();
    if (!is_quiet_close(ec)) impl_->log->debug("{}: WebSocket closed: {}", impl_->cfg.name, ec.message());
    if (open_) {
      impl_->remove_closer(closer_id_);
      impl_->with_stats([](HttpServerStats& s) { --s.websockets_open; });
      if (handlers_.on_closed) handlers_.on_closed();
      handlers_ = {};
    }
  }

  ImplPtr impl_;
  websocket::stream<Stream> ws_;
  beast::flat_buffer buffer_;
  std::function<WebSocketHandlers(std::shared_ptr<WebSocketPeer>)> on_open_;
  WebSocketHandlers handlers_;
  std::deque<std::string> queue_;
  std::uint64_t closer_id_ = 0;
  bool open_ = false;
  bool closing_ = false;
  bool closed_ = false;
  bool done_ = false;
  net::steady_timer write_timer_{ws_.get_executor()};
  std::uint64_t writes_started_ = 0;
};

// ------------------------------------------------------------------ HTTP session

template <typename Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  template <typename... Args>
  HttpSession(ImplPtr impl, std::string remote, Args&&... args)
      : impl_(std::move(impl)), remote_(std::move(remote)), stream_(std::forward<Args>(args)...) {}

  void run() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->start(); });
  }

  ~HttpSession() {
    if (counted_) impl_->with_stats([](HttpServerStats& s) { --s.connections_open; });
    if (closer_id_) impl_->remove_closer(closer_id_);
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  void start() {
    counted_ = true;
    impl_->with_stats([](HttpServerStats& s) { ++s.connections_open; });
    closer_id_ = impl_->add_closer([w = this->weak_from_this(), ex = stream_.get_executor()] {
      net::post(ex, [w] {
        if (auto s = w.lock()) {
          beast::error_code ignored;
          beast::get_lowest_layer(s->stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
          beast::get_lowest_layer(s->stream_).close();
        }
      });
    });
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(15));
    if constexpr (kTls) {
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) {
          self->impl_->log->debug("{}: TLS handshake failed from {}: {}", self->impl_->cfg.name, self->remote_, ec.message());
          return;
        }
        self->do_read();
      });
    } else {
      do_read();
    }
  }

  void do_read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(impl_->cfg.max_request_bytes));
    parser_->body_limit(impl_->cfg.max_request_bytes);
    beast::get_lowest_layer(stream_).expires_after(impl_->cfg.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      return write(HttpResponse::text(413, "request too large\n"), 11, false);
    }
    if (ec) {
      if (!is_quiet_close(ec) && ec != http::error::partial_message)
        impl_->log->debug("{}: bad request from {}: {}", impl_->cfg.name, remote_, ec.message());
      if (ec != http::error::end_of_stream && !is_quiet_close(ec) && ec != http::error::partial_message)
        return write(HttpResponse::text(400, "bad request\n"), 11, false);
      return;
    }
    http::request<http::string_body> req = parser_->release();
    impl_->with_stats([](HttpServerStats& s) { ++s.requests; });
    HttpRequest request = to_request(req, remote_, kTls);
    if (websocket::is_upgrade(req)) {
      WebSocketDecision decision;
      try {
        decision = impl_->routes->upgrade(request);
      } catch (const std::exception& e) {
        impl_->log->error("{}: upgrade handler failed: {}", impl_->cfg.name, e.what());
        decision.refusal = HttpResponse::text(500, "internal error\n");
      }
      if (decision.refusal || !decision.on_open) {
        impl_->with_stats([](HttpServerStats& s) { ++s.refused; });
        return write(decision.refusal ? *decision.refusal : HttpResponse::text(403, "refused\n"), req.version(), false);
      }
      // The WebSocket session takes the stream and registers its own closer.
      impl_->remove_closer(closer_id_);
      closer_id_ = 0;
      auto ws = std::make_shared<WsSession<Stream>>(impl_, std::move(stream_));
      ws->accept(std::move(req), std::move(decision.on_open));
      return;
    }
    HttpResponse res;
    try {
      res = impl_->routes->handle(request);
    } catch (const std::exception& e) {
      impl_->log->error("{}: handler for {} failed: {}", impl_->cfg.name, request.path, e.what());
      res = HttpResponse::text(500, "internal error\n");
    }
    if (req.method() == http::verb::head) res.body.clear();
    write(res, req.version(), req.keep_alive());
  }

  void write(const HttpResponse& res, unsigned version, bool keep_alive) {
    auto msg = std::make_shared<http::response<http::string_body>>(to_beast(res, version, keep_alive));
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
    http::async_write(stream_, *msg, [self = this->shared_from_this(), msg, keep_alive](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (keep_alive && !self->impl_->stopping) return self->do_read();
      self->shutdown();
    });
  }

  void shutdown() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      // A lingering close: read and discard what the peer still sends (the rest of a refused
      // request) for a moment, so that closing does not reset the connection before the peer has
      // read our answer.
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      drain();
    }
  }

  void drain() {
    if constexpr (!kTls) {
      stream_.async_read_some(net::buffer(drain_buffer_), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
        if (!ec && ++self->drained_reads_ < 256) self->drain();
      });
    }
  }

  ImplPtr impl_;
  std::string remote_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::uint64_t closer_id_ = 0;
  bool counted_ = false;
  std::array<char, 4096> drain_buffer_{};
  int drained_reads_ = 0;
};

}  // namespace

void HttpServer::Impl::do_accept() {
  acceptor.async_accept(net::make_strand(ioc), [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    self->on_accept(ec, std::move(socket));
  });
}

void HttpServer::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || stopping) return;
  if (!ec) {
    beast::error_code ignored;
    auto ep = socket.remote_endpoint(ignored);
    std::string remote = ep.address().to_string() + ":" + std::to_string(ep.port());
    bool full = false;
    with_stats([&](HttpServerStats& s) {
      full = s.connections_open + s.websockets_open >= static_cast<std::int64_t>(cfg.max_connections);
      if (full) ++s.refused;
    });
    if (full) {
      answer_server_full(std::move(socket), tls ? &*tls : nullptr);
    } else if (tls) {
      std::make_shared<HttpSession<beast::ssl_stream<beast::tcp_stream>>>(shared_from_this(), remote, std::move(socket), *tls)->run();
    } else {
      std::make_shared<HttpSession<beast::tcp_stream>>(shared_from_this(), remote, std::move(socket))->run();
    }
  }
  do_accept();
}

HttpServer::HttpServer(HttpServerConfig config, std::shared_ptr<HttpRoutes> routes, std::shared_ptr<spdlog::logger> log)
    : impl_(std::make_shared<Impl>(std::move(config), std::move(routes), std::move(log))) {}

HttpServer::~HttpServer() { stop(); }

bool HttpServer::start(std::string& error) {
  auto& cfg = impl_->cfg;
  if (cfg.tls) {
    impl_->tls.emplace(ssl::context::tls_server);
    if (auto why = configure_server_tls(*impl_->tls, *cfg.tls)) {
      error = cfg.name + ": " + *why;
      return false;
    }
  }
  beast::error_code ec;
  auto address = net::ip::make_address(cfg.address, ec);
  if (ec) {
    error = cfg.name + ": bad address '" + cfg.address + "'";
    return false;
  }
  tcp::endpoint endpoint(address, cfg.port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    error = cfg.name + ": cannot listen on " + cfg.address + ":" + std::to_string(cfg.port) + ": " + ec.message();
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
    return false;
  }
  auto local = impl_->acceptor.local_endpoint();
  std::string host = local.address().is_v6() ? "[" + local.address().to_string() + "]" : local.address().to_string();
  impl_->url = std::string(cfg.tls ? "https://" : "http://") + host + ":" + std::to_string(local.port());
  impl_->do_accept();
  impl_->thread = std::thread([impl = impl_] {
    for (;;) {
      try {
        impl->ioc.run();
        impl->loop_done = true;
        return;
      } catch (const std::exception& e) {
        // A handler threw: log it and keep serving rather than take the plugin down.
        impl->log->error("{}: unexpected error on the web thread: {}", impl->cfg.name, e.what());
      }
    }
  });
  return true;
}

void HttpServer::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->stopping = true;
  net::post(impl_->ioc, [impl = impl_] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  std::vector<std::function<void()>> closers;
  {
    std::lock_guard lock(impl_->mutex);
    for (auto& [id, c] : impl_->closers) closers.push_back(c);
  }
  for (auto& c : closers) c();
  // Every connection and the acceptor are closing: the loop ends by itself once their handlers have
  // run (so every session is freed). Whatever is still stuck after 3 s is stopped hard.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (!impl_->loop_done && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  bool hard = !impl_->loop_done;
  if (hard) {
    impl_->log->warn("{}: connections still open after 3 s; stopping its loop", impl_->cfg.name);
    impl_->ioc.stop();
  }
  impl_->thread.join();
  if (hard) {
    // Queued handlers hold their sessions, which hold this server's state: run them out.
    impl_->ioc.restart();
    impl_->ioc.run_for(std::chrono::milliseconds(200));
  }
}

std::string HttpServer::base_url() const { return impl_->url; }

HttpServerStats HttpServer::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

}  // namespace rightmoment
