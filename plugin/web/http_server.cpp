// HTTP and WebSocket sessions after Beast's advanced_server example: one object per connection on its
// own strand, keep-alive request loop, upgrade to a WebSocket. The loop, the acceptor, the registry a
// stop closes and the WebSocket's socket and send queue are the session layer's (plugin/net); here is
// the HTTP protocol and the routes.
#include "plugin/web/http_server.hpp"

#include "plugin/net/io_loop.hpp"
#include "plugin/net/quiet_close.hpp"
#include "plugin/net/server_acceptor.hpp"
#include "plugin/net/session_registry.hpp"
#include "plugin/net/websocket_session.hpp"
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

namespace asio = boost::asio;
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
      : cfg(std::move(c)), routes(std::move(r)), log(std::move(l)), loop("rm-web-" + cfg.name, log) {}

  HttpServerConfig cfg;
  std::shared_ptr<HttpRoutes> routes;
  std::shared_ptr<spdlog::logger> log;
  net::IoLoop loop;
  std::shared_ptr<net::ServerAcceptor> acceptor;
  std::optional<ssl::context> tls;
  std::string url;
  std::atomic<bool> stopping{false};
  net::SessionRegistry sessions;  // every open connection: stop() closes them

  mutable std::mutex mutex;
  HttpServerStats stats;

  template <typename F>
  void with_stats(F&& f) {
    std::lock_guard lock(mutex);
    f(stats);
  }
  void serve(tcp::socket socket, std::string remote);
};

namespace {

using ImplPtr = std::shared_ptr<HttpServer::Impl>;
constexpr const char* kServerName = "RightMoment";
// A page that has not taken a message for this long stopped reading (a frozen tab, a dead network):
// it is closed, and reconnects for a snapshot.
constexpr std::chrono::seconds kPageWriteTimeout{10};

using net::is_quiet_close;

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

// A page's WebSocket: the session layer's, with the routes' handlers on top.
template <typename Stream>
class WsSession : public std::enable_shared_from_this<WsSession<Stream>> {
  using Session = net::WebSocketSession<Stream>;

 public:
  WsSession(ImplPtr impl, Stream stream)
      : impl_(std::move(impl)),
        session_(std::make_shared<Session>(net::WebSocketSessionOptions{impl_->cfg.write_queue_limit, kPageWriteTimeout},
                                           std::move(stream))) {}

  // Holds the session and the server weakly, and never an executor: a peer kept by a route after
  // the server is gone must not touch its io_context.
  class Peer : public WebSocketPeer {
   public:
    Peer(std::weak_ptr<WsSession> s, std::weak_ptr<HttpServer::Impl> server) : session_(std::move(s)), server_(std::move(server)) {}
    void send(std::string text) override {
      post([t = std::move(text)](WsSession& s) mutable { s.session_->send(std::move(t)); });
    }
    void close() override {
      post([](WsSession& s) { s.session_->close(); });
    }

   private:
    template <typename F>
    void post(F&& f) {
      auto server = server_.lock();  // keeps the io_context alive while we post to it
      if (!server) return;
      auto session = session_.lock();
      if (!session) return;
      asio::post(session->session_->get_executor(), [w = session_, f = std::forward<F>(f)]() mutable {
        if (auto s = w.lock()) f(*s);
      });
    }
    std::weak_ptr<WsSession> session_;
    std::weak_ptr<HttpServer::Impl> server_;
  };

  void accept(http::request<http::string_body> req, std::function<WebSocketHandlers(std::shared_ptr<WebSocketPeer>)> on_open) {
    auto& ws = session_->stream();
    beast::get_lowest_layer(ws).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(15);
    timeouts.idle_timeout = impl_->cfg.idle_timeout;
    timeouts.keep_alive_pings = true;
    ws.set_option(timeouts);
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, kServerName); }));
    ws.read_message_max(impl_->cfg.max_ws_message_bytes);
    on_open_ = std::move(on_open);
    // A stop during the handshake closes it too.
    closer_id_ = impl_->sessions.add([w = this->weak_from_this(), ex = session_->get_executor()] {
      asio::post(ex, [w] {
        if (auto s = w.lock()) s->session_->force_close();
      });
    });
    ws.async_accept(req, [self = this->shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
  }

  ~WsSession() { impl_->sessions.remove(closer_id_); }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) return;
    impl_->with_stats([](HttpServerStats& s) {
      ++s.websocket_opened;
      ++s.websockets_open;
    });
    handlers_ = on_open_(std::make_shared<Peer>(this->weak_from_this(), impl_));
    on_open_ = nullptr;
    auto me = this->shared_from_this();
    net::WebSocketCallbacks callbacks;
    callbacks.on_message = [me](std::string_view text, bool is_text) {
      if (is_text && me->handlers_.on_message) me->handlers_.on_message(text);
      me->session_->read_next();
    };
    callbacks.on_slow_peer = [me](net::SlowPeer why, std::size_t queued) {
      if (why == net::SlowPeer::QueueFull)
        me->impl_->log->warn("{}: a page stopped reading ({} messages queued); closing it so that it reconnects and catches up",
                             me->impl_->cfg.name, queued);
      else
        me->impl_->log->warn("{}: a page has not taken a message for {} s; closing it so that it reconnects", me->impl_->cfg.name,
                             kPageWriteTimeout.count());
    };
    callbacks.on_ended = [me](const beast::error_code& end) { me->finished(end); };
    session_->start(std::move(callbacks));
    session_->read_next();
  }

  void finished(const beast::error_code& ec) {
    if (!is_quiet_close(ec)) impl_->log->debug("{}: WebSocket closed: {}", impl_->cfg.name, ec.message());
    impl_->sessions.remove(closer_id_);
    impl_->with_stats([](HttpServerStats& s) { --s.websockets_open; });
    if (handlers_.on_closed) handlers_.on_closed();
    handlers_ = {};
  }

  ImplPtr impl_;
  std::shared_ptr<Session> session_;
  std::function<WebSocketHandlers(std::shared_ptr<WebSocketPeer>)> on_open_;
  WebSocketHandlers handlers_;
  std::uint64_t closer_id_ = 0;
};

// ------------------------------------------------------------------ HTTP session

template <typename Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  template <typename... Args>
  HttpSession(ImplPtr impl, std::string remote, Args&&... args)
      : impl_(std::move(impl)), remote_(std::move(remote)), stream_(std::forward<Args>(args)...) {}

  void run() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->start(); });
  }

  ~HttpSession() {
    if (counted_) impl_->with_stats([](HttpServerStats& s) { --s.connections_open; });
    if (closer_id_) impl_->sessions.remove(closer_id_);
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  void start() {
    counted_ = true;
    impl_->with_stats([](HttpServerStats& s) { ++s.connections_open; });
    closer_id_ = impl_->sessions.add([w = this->weak_from_this(), ex = stream_.get_executor()] {
      asio::post(ex, [w] {
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
      impl_->sessions.remove(closer_id_);
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
      stream_.async_read_some(asio::buffer(drain_buffer_), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
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

void HttpServer::Impl::serve(tcp::socket socket, std::string remote) {
  if (stopping) return;
  if (tls) {
    std::make_shared<HttpSession<beast::ssl_stream<beast::tcp_stream>>>(shared_from_this(), remote, std::move(socket), *tls)->run();
  } else {
    std::make_shared<HttpSession<beast::tcp_stream>>(shared_from_this(), remote, std::move(socket))->run();
  }
}

HttpServer::HttpServer(HttpServerConfig config, std::shared_ptr<HttpRoutes> routes, std::shared_ptr<spdlog::logger> log)
    : impl_(std::make_shared<Impl>(std::move(config), std::move(routes), std::move(log))) {}

HttpServer::~HttpServer() { stop(); }

bool HttpServer::start(std::string& error) {
  auto& cfg = impl_->cfg;
  if (impl_->loop.running()) return true;
  if (cfg.tls) {
    impl_->tls.emplace(ssl::context::tls_server);
    if (auto why = configure_server_tls(*impl_->tls, *cfg.tls)) {
      error = cfg.name + ": " + *why;
      return false;
    }
  }
  impl_->acceptor = std::make_shared<net::ServerAcceptor>(impl_->loop.context(), cfg.name, impl_->log);
  if (auto why = impl_->acceptor->open(cfg.address, cfg.port)) {
    error = cfg.name + ": " + *why;
    return false;
  }
  impl_->url = impl_->acceptor->url(cfg.tls ? "https" : "http");
  net::AcceptHandlers handlers;
  std::weak_ptr<Impl> weak = impl_;
  handlers.counted = [weak] {
    std::int64_t n = 0;
    if (auto impl = weak.lock()) impl->with_stats([&](HttpServerStats& s) { n = s.connections_open + s.websockets_open; });
    return n;
  };
  handlers.refused_full = [weak](const std::string&, std::int64_t) {
    if (auto impl = weak.lock()) impl->with_stats([](HttpServerStats& s) { ++s.refused; });
  };
  handlers.accepted = [weak](tcp::socket socket, std::string remote) {
    if (auto impl = weak.lock()) impl->serve(std::move(socket), std::move(remote));
  };
  impl_->acceptor->start(cfg.max_connections, impl_->tls ? &*impl_->tls : nullptr, std::move(handlers));
  impl_->loop.start(1);
  return true;
}

void HttpServer::stop() {
  if (!impl_->loop.running()) return;
  impl_->stopping = true;
  impl_->acceptor->close();
  impl_->sessions.close_all();
  // Every connection and the acceptor are closing: the loop ends by itself once their handlers have
  // run (so every session is freed). Whatever is still stuck after 3 s is stopped hard.
  impl_->loop.stop(std::chrono::seconds(3));
}

std::string HttpServer::base_url() const { return impl_->url; }

HttpServerStats HttpServer::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

}  // namespace rightmoment
