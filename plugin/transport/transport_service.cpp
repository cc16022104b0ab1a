// WebSocket transport on Boost.Beast, after Beast's own examples (chat-multi, advanced_server,
// async-ssl client). The session layer (plugin/net) owns each socket: its strand, its bounded send
// queue with one write in flight, its close; here is only the protocol on top: handshakes and
// authentication, the vendor adapter, backpressure by not reading while the engine's inbox is full.
#include "plugin/transport/transport_service.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

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
#include <random>
#include <thread>
#include <variant>

#include <nlohmann/json.hpp>

#include "plugin/core/error_reply.hpp"
#include "plugin/core/event_adapter.hpp"
#include "plugin/net/io_loop.hpp"
#include "plugin/net/quiet_close.hpp"
#include "plugin/net/server_acceptor.hpp"
#include "plugin/net/session_registry.hpp"
#include "plugin/net/websocket_session.hpp"
#include "plugin/transport/client_tls.hpp"
#include "plugin/transport/http_client.hpp"
#include "plugin/transport/server_tls.hpp"
#include "plugin/transport/url.hpp"

namespace rightmoment {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;

namespace {

std::int64_t wall_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Compares a presented token with the accepted ones in time independent of where they differ.
bool token_accepted(std::string_view presented, const std::vector<std::string>& accepted) {
  auto digest = [](std::string_view s) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int len = 0;
    EVP_Digest(s.data(), s.size(), out.data(), &len, EVP_sha256(), nullptr);
    return out;
  };
  auto p = digest(presented);
  bool ok = false;
  for (const auto& token : accepted) {
    auto t = digest(token);
    ok |= CRYPTO_memcmp(p.data(), t.data(), 32) == 0;
  }
  return ok && !presented.empty();
}

}  // namespace

// State shared by every connection of one TransportService.
struct TransportService::Impl : std::enable_shared_from_this<TransportService::Impl> {
  Impl(EventSink& s, AdapterRegistry a, std::shared_ptr<spdlog::logger> l, unsigned n)
      : sink(s), adapters(std::move(a)), log(std::move(l)), threads_wanted(n ? n : 1), loop("rm-net", log) {}

  EventSink& sink;
  const AdapterRegistry adapters;
  std::shared_ptr<spdlog::logger> log;
  unsigned threads_wanted;
  net::IoLoop loop;
  mutable std::mutex bound_mutex;  // bound is read by status() on any thread while start() fills it
  std::vector<BoundListener> bound;
  std::vector<std::shared_ptr<void>> keepalive;  // listeners and clients
  std::vector<std::function<void()>> closers;     // stop listeners and clients
  std::atomic<bool> stopping{false};
  net::SessionRegistry sessions;  // every connection, from its first byte: stop() closes them

  mutable std::mutex stats_mutex;
  TransportStats stats;

  asio::io_context& ioc() { return loop.context(); }
  template <typename F>
  void with_stats(F&& f) {
    std::lock_guard lock(stats_mutex);
    f(stats);
  }
};

namespace {

using ImplPtr = std::shared_ptr<TransportService::Impl>;

// What every connection does once the WebSocket is open, for servers and clients alike: read
// messages, run the adapter, hand events to the sink (waiting while its inbox is full), answer.
// The socket, its writes and its close are the session layer's (net::WebSocketSession).
template <typename NextLayer, typename Derived>
class Connection {
 public:
  using Session = net::WebSocketSession<NextLayer>;

  template <typename... StreamArgs>
  Connection(ImplPtr impl, std::shared_ptr<EventAdapter> adapter, std::string adapter_name, std::size_t max_message_bytes,
             std::size_t write_queue_limit, StreamArgs&&... stream_args)
      : impl_(std::move(impl)),
        session_(std::make_shared<Session>(net::WebSocketSessionOptions{write_queue_limit, kWriteTimeout},
                                           std::forward<StreamArgs>(stream_args)...)),
        adapter_(std::move(adapter)),
        adapter_name_(std::move(adapter_name)),
        max_message_bytes_(max_message_bytes),
        retry_timer_(session_->get_executor()),
        wake_timer_(session_->get_executor()) {
    // Above the configured limit a message is refused by its adapter (an error reply, or the vendor's
    // own answer); far above it (4x, at least 1 MiB) the WebSocket itself closes with 1009, so one peer
    // cannot make us buffer without bound.
    ws().read_message_max(std::max<std::size_t>(max_message_bytes_ * 4, 1024 * 1024));
  }
  ~Connection() {
    if (registry_id_) impl_->sessions.remove(registry_id_);
  }

  asio::any_io_executor executor() { return session_->get_executor(); }

 protected:
  Derived& self() { return static_cast<Derived&>(*this); }
  typename Session::Stream& ws() { return session_->stream(); }

  // From the first byte, a stop closes this connection: in its handshake, or open.
  void register_for_stop() {
    registry_id_ = impl_->sessions.add([weak = self().weak_from_this()] {
      if (auto s = weak.lock()) asio::post(s->executor(), [s] { s->force_close(); });
    });
  }

  void opened(const HandshakeInfo& info) {
    open_ = true;
    impl_->with_stats([](TransportStats& st) { ++st.connections_open; });
    auto me = self().shared_from_this();
    net::WebSocketCallbacks callbacks;
    callbacks.on_message = [me](std::string_view data, bool text) { me->on_message(data, text); };
    callbacks.on_slow_peer = [me](net::SlowPeer why, std::size_t queued) { me->slow_peer(why, queued); };
    callbacks.on_ended = [me](const beast::error_code& ec) { me->finished(ec); };
    session_->start(std::move(callbacks));
    AdapterOutput out;
    adapter_->on_open(info, out);
    process(std::move(out));
  }

  void do_read() {
    if (closing_) return;
    session_->read_next();  // one read at a time: a no-op while one is pending
  }

 public:
  void on_message(std::string_view message, bool text) {
    AdapterOutput out;
    impl_->with_stats([&](TransportStats& st) {
      ++st.messages_in;
      ++st.messages_by_adapter[adapter_name_];
      if (!text) ++st.binary_frames_in;
    });
    if (text) {
      if (message.size() > max_message_bytes_) {
        adapter_->on_too_large(message.size(), max_message_bytes_, wall_now_ms(), out);
      } else {
        adapter_->on_text(message, wall_now_ms(), out);
      }
    } else {
      adapter_->on_binary(message.size(), wall_now_ms(), out);
    }
    process(std::move(out));
  }

  void force_close() {
    closing_ = true;
    keep_alive_.reset();
    retry_timer_.cancel();
    wake_timer_.cancel();
    session_->force_close();
  }

  void sync_answered(const std::string& id) {
    --syncs_in_flight_;
    send(nlohmann::json{{"type", "control.synced"}, {"sync_id", id}}.dump());
    if (!waiting_for_sync_) return;
    waiting_for_sync_ = false;
    auto hold = std::move(keep_alive_);
    if (!closing_) pump();
  }

  // Sends one text message to the peer (on the strand).
  void send(std::string text) {
    if (closing_ && !close_after_writes_) return;
    session_->send(std::move(text));
  }

 protected:
  struct SyncRequest {
    std::string id;
  };
  using Pending = std::variant<CanonicalEvent, SyncRequest>;

  // A consumer that cannot keep up is disconnected (by the session), never buffered without bound.
  void slow_peer(net::SlowPeer why, std::size_t queued) {
    impl_->with_stats([](TransportStats& st) { ++st.slow_consumers_disconnected; });
    if (why == net::SlowPeer::QueueFull)
      impl_->log->warn("[adapter={}] a peer stopped reading its replies ({} queued); disconnecting it", adapter_name_, queued);
    else
      impl_->log->warn("[adapter={}] a peer has not taken a reply for {} s; disconnecting it", adapter_name_,
                       std::chrono::duration_cast<std::chrono::seconds>(kWriteTimeout).count());
    closing_ = true;
  }

  void process(AdapterOutput&& out) {
    for (auto& reply : out.replies) send(std::move(reply));
    for (const auto& r : out.rejections) {
      impl_->sink.count_rejection(adapter_name_, r.code);
      // Never the message text in logs: it may carry what a customer said.
      impl_->log->warn("[adapter={} code={}] refused a message: {}", adapter_name_, r.code, r.message.substr(0, 200));
      if (!r.answered) send(error_reply(r));
    }
    for (const auto& reason : out.ignored_reasons) impl_->sink.count_ignored(adapter_name_, reason);
    if (out.wake_after) arm_wake(*out.wake_after);
    for (auto& ev : out.events) pending_.emplace_back(std::move(ev));
    if (out.sync_id) pending_.emplace_back(SyncRequest{*out.sync_id});
    if (out.close) {
      close_after_pending_ = true;
      if (out.close_reason) impl_->log->warn("[adapter={}] closing a connection: {}", adapter_name_, *out.close_reason);
    }
    pump();
  }

  // Hands pending events to the sink in order; while its inbox is full, stops reading and retries.
  void pump() {
    while (!pending_.empty()) {
      if (auto* ev = std::get_if<CanonicalEvent>(&pending_.front())) {
        std::string type = ev->type == EventType::Unknown ? "unknown" : std::string(event_type_name(ev->type));
        if (!impl_->sink.try_submit_in_place(std::move(*ev))) {
          retry_timer_.expires_after(std::chrono::milliseconds(2));
          retry_timer_.async_wait([self = self().shared_from_this()](beast::error_code ec) {
            if (!ec && !self->closing_) self->pump();
          });
          return;
        }
        impl_->with_stats([&](TransportStats& st) { ++st.events_by_adapter[adapter_name_][type]; });
      } else {
        if (syncs_in_flight_ >= kSyncsInFlight) {
          // Bounded: a peer that asks for this many barriers without waiting for their answers is
          // read no further until one is answered (backpressure, as when the inbox is full).
          if (!waiting_for_sync_) impl_->with_stats([](TransportStats& st) { ++st.syncs_waited; });
          waiting_for_sync_ = true;
          keep_alive_ = self().shared_from_this();  // no read or timer holds it meanwhile
          return;
        }
        ++syncs_in_flight_;
        std::string id = std::get<SyncRequest>(pending_.front()).id;
        std::weak_ptr<Derived> weak = self().shared_from_this();
        auto ex = executor();
        impl_->sink.when_drained([weak, ex, id] {
          asio::post(ex, [weak, id] {
            if (auto s = weak.lock()) s->sync_answered(id);
          });
        });
      }
      pending_.pop_front();
    }
    if (close_after_pending_) {
      close_after_writes_ = true;
      closing_ = true;
      session_->close();  // once the replies queued are written
      return;
    }
    do_read();
  }

  void arm_wake(std::chrono::milliseconds after) {
    wake_timer_.expires_after(after);  // cancels an earlier request
    wake_timer_.async_wait([self = self().shared_from_this()](beast::error_code ec) {
      if (ec || self->closing_) return;
      AdapterOutput out;
      self->adapter_->on_timer(wall_now_ms(), out);
      self->process(std::move(out));
    });
  }

  void finished(beast::error_code ec) {
    if (finished_) return;
    finished_ = true;
    closing_ = true;
    keep_alive_.reset();
    retry_timer_.cancel();
    wake_timer_.cancel();
    if (!net::is_quiet_close(ec) && ec != websocket::error::message_too_big)
      impl_->log->info("[adapter={}] connection closed: {}", adapter_name_, ec.message());
    if (open_) {
      AdapterOutput out;
      adapter_->on_close(wall_now_ms(), out);
      submit_last(std::deque<CanonicalEvent>(std::make_move_iterator(out.events.begin()), std::make_move_iterator(out.events.end())),
                  kLastEventTries);
      impl_->with_stats([](TransportStats& st) { --st.connections_open; });
    }
    self().on_finished();
  }

  // The events an adapter emits as its connection ends (an interaction's end) must not be lost to a
  // momentarily full inbox: retried every 2 ms for up to 2 s, unless the transport is stopping.
  void submit_last(std::deque<CanonicalEvent> events, int tries_left) {
    while (!events.empty() && impl_->sink.try_submit(std::move(events.front()))) events.pop_front();
    if (events.empty()) return;
    if (tries_left <= 0 || impl_->stopping) {
      impl_->log->warn("[adapter={}] the inbox stayed full: {} last event(s) of a closed connection dropped", adapter_name_,
                       events.size());
      return;
    }
    retry_timer_.expires_after(std::chrono::milliseconds(2));
    retry_timer_.async_wait([self = self().shared_from_this(), events = std::move(events), tries_left](beast::error_code) mutable {
      self->submit_last(std::move(events), tries_left - 1);
    });
  }

  static constexpr std::chrono::seconds kWriteTimeout{10};
  ImplPtr impl_;
  std::shared_ptr<Session> session_;
  std::shared_ptr<EventAdapter> adapter_;
  std::string adapter_name_;
  std::size_t max_message_bytes_;
  std::deque<Pending> pending_;
  asio::steady_timer retry_timer_;
  asio::steady_timer wake_timer_;  // AdapterOutput::wake_after
  static constexpr int kLastEventTries = 1000;
  static constexpr std::size_t kSyncsInFlight = 64;  // control.sync barriers unanswered per connection
  std::size_t syncs_in_flight_ = 0;
  bool waiting_for_sync_ = false;
  std::shared_ptr<Derived> keep_alive_;  // set while waiting_for_sync_; released on close
  std::uint64_t registry_id_ = 0;  // 0: not registered (ids start at 1)
  bool open_ = false;
  bool closing_ = false;
  bool close_after_pending_ = false;
  bool close_after_writes_ = false;
  bool finished_ = false;
};

// ---------------------------------------------------------------- server side

template <typename NextLayer>
class ServerSession : public Connection<NextLayer, ServerSession<NextLayer>>,
                      public std::enable_shared_from_this<ServerSession<NextLayer>> {
  using Base = Connection<NextLayer, ServerSession<NextLayer>>;
  friend Base;

 public:
  template <typename... StreamArgs>
  ServerSession(ImplPtr impl, const ListenerConfig& cfg, std::string remote, StreamArgs&&... stream_args)
      // impl is copied, not moved: the adapter argument reads it, and arguments have no order.
      : Base(impl, std::shared_ptr<EventAdapter>(impl->adapters.make_event_adapter(cfg.adapter, options_for(cfg))), cfg.adapter,
             cfg.max_message_bytes, cfg.write_queue_limit, std::forward<StreamArgs>(stream_args)...),
        cfg_(cfg),
        remote_(std::move(remote)) {
    this->impl_->with_stats([](TransportStats& st) { ++st.connections_handshaking; });
  }
  ~ServerSession() { end_handshake(); }
  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;

  static AdapterOptions options_for(const ListenerConfig& cfg) {
    AdapterOptions o;
    o.max_message_bytes = cfg.max_message_bytes;
    o.max_json_depth = cfg.max_json_depth;
    o.settings = cfg.settings;
    o.client_secret = cfg.auth.client_secret;
    return o;
  }

  void run() {
    this->register_for_stop();
    asio::dispatch(this->executor(), [self = this->shared_from_this()] { self->start(); });
  }

  void on_finished() {}

 private:
  void start() {
    beast::get_lowest_layer(this->ws()).expires_after(std::chrono::seconds(30));
    if constexpr (std::is_same_v<NextLayer, beast::ssl_stream<beast::tcp_stream>>) {
      this->ws().next_layer().async_handshake(
          ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
            if (ec) {
              self->impl_->with_stats([](TransportStats& st) { ++st.connections_refused; });
              self->impl_->log->info("{}: TLS handshake failed from {}: {}", self->cfg_.name, self->remote_, ec.message());
              return;
            }
            self->read_upgrade();
          });
    } else {
      read_upgrade();
    }
  }

  void read_upgrade() {
    parser_.emplace();
    parser_->body_limit(8 * 1024);
    parser_->header_limit(16 * 1024);
    http::async_read(this->ws().next_layer(), upgrade_buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_upgrade(ec); });
  }

  void on_upgrade(beast::error_code ec) {
    if (ec) return;  // the peer went away or sent garbage before upgrading: nothing to answer
    http::request<http::string_body> req = parser_->release();
    std::string target(req.target());
    std::string path = target.substr(0, target.find('?'));
    if (path != cfg_.path) return refuse(req, http::status::not_found, "no WebSocket endpoint at this path\n");
    if (!websocket::is_upgrade(req)) return refuse(req, http::status::bad_request, "a WebSocket upgrade is expected here\n");
    if (!authorised(req)) {
      impl_log_refusal("wrong or missing credentials");
      return refuse(req, http::status::unauthorized, "unauthorized\n");
    }
    HandshakeInfo info;
    info.target = target;
    info.remote_address = remote_;
    info.opened_at_ms = wall_now_ms();
    for (const auto& field : req) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      // A header sent more than once reads as one comma-separated value (RFC 9110 section 5.3).
      auto [it, inserted] = info.headers.try_emplace(name, field.value());
      if (!inserted) it->second += ", " + std::string(field.value());
    }
    beast::get_lowest_layer(this->ws()).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(30);
    timeouts.idle_timeout = cfg_.idle_timeout;
    timeouts.keep_alive_pings = true;  // a ping after half the idle timeout of silence
    this->ws().set_option(timeouts);
    this->ws().set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "RightMoment"); }));
    this->ws().async_accept(req, [self = this->shared_from_this(), info](beast::error_code accept_ec) {
      if (accept_ec) return;
      self->impl_->with_stats([](TransportStats& st) { ++st.connections_accepted; });
      self->end_handshake();
      self->opened(info);
    });
  }

  // A connection counts against max_connections from its accept: one still in its TLS or WebSocket
  // handshake (at most 30 s) is counted here, then as open.
  void end_handshake() {
    if (!handshaking_) return;
    handshaking_ = false;
    this->impl_->with_stats([](TransportStats& st) { --st.connections_handshaking; });
  }

  bool authorised(const http::request<http::string_body>& req) const {
    switch (cfg_.auth.mode) {
      case AuthMode::None:
        return true;
      case AuthMode::Bearer: {
        auto it = req.find(http::field::authorization);
        if (it == req.end()) return false;
        std::string_view value(it->value().data(), it->value().size());
        if (value.size() < 7 || !beast::iequals(value.substr(0, 7), "Bearer ")) return false;
        return token_accepted(value.substr(7), cfg_.auth.tokens);
      }
      case AuthMode::ApiKey: {
        auto it = req.find(cfg_.auth.header);
        if (it == req.end()) return false;
        return token_accepted(std::string_view(it->value().data(), it->value().size()), cfg_.auth.tokens);
      }
    }
    return false;
  }

  void impl_log_refusal(const char* why) {
    this->impl_->with_stats([](TransportStats& st) { ++st.connections_refused; });
    this->impl_->log->warn("[listener={}] refused a connection from {}: {}", cfg_.name, remote_, why);
  }

  void refuse(const http::request<http::string_body>& req, http::status status, std::string body) {
    auto res = std::make_shared<http::response<http::string_body>>(status, req.version());
    res->set(http::field::server, "RightMoment");
    res->set(http::field::content_type, "text/plain");
    // The Bearer challenge only where a bearer token is asked for: an API-key header has no scheme.
    if (status == http::status::unauthorized && cfg_.auth.mode == AuthMode::Bearer)
      res->set(http::field::www_authenticate, "Bearer");
    res->keep_alive(false);
    res->body() = std::move(body);
    res->prepare_payload();
    http::async_write(this->ws().next_layer(), *res, [self = this->shared_from_this(), res](beast::error_code, std::size_t) {
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws()).socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  ListenerConfig cfg_;  // a copy: a connection may outlive a reconfigured listener
  std::string remote_;
  std::optional<http::request_parser<http::string_body>> parser_;
  beast::flat_buffer upgrade_buffer_;
  bool handshaking_ = true;
};

// One configured listener: the session layer's acceptor, with this listener's TLS and limit; each
// connection it accepts becomes a ServerSession.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(ImplPtr impl, ListenerConfig cfg)
      : impl_(std::move(impl)),
        cfg_(std::move(cfg)),
        acceptor_(std::make_shared<net::ServerAcceptor>(impl_->ioc(), "listener '" + cfg_.name + "'", impl_->log)) {}

  bool open(std::string& error) {
    if (!impl_->adapters.has_event_adapter(cfg_.adapter)) {
      error = "listener '" + cfg_.name + "': unknown adapter '" + cfg_.adapter + "'";
      return false;
    }
    if (cfg_.tls) {
      tls_.emplace(ssl::context::tls_server);
      if (auto why = configure_server_tls(*tls_, *cfg_.tls)) {
        error = "listener '" + cfg_.name + "': " + *why;
        return false;
      }
    }
    if (auto why = acceptor_->open(cfg_.address, cfg_.port)) {
      error = "listener '" + cfg_.name + "': " + *why;
      return false;
    }
    url_ = acceptor_->url(cfg_.tls ? "wss" : "ws", cfg_.path);
    return true;
  }

  void start() {
    net::AcceptHandlers handlers;
    handlers.counted = [impl = impl_] {
      std::int64_t n = 0;
      impl->with_stats([&](TransportStats& st) { n = st.connections_open + st.connections_handshaking; });
      return n;
    };
    handlers.refused_full = [impl = impl_, name = cfg_.name](const std::string& remote, std::int64_t open) {
      impl->with_stats([](TransportStats& st) { ++st.connections_refused; });
      impl->log->warn("[listener={}] refused a connection from {}: {} connections already open", name, remote, open);
    };
    handlers.accepted = [weak = weak_from_this()](tcp::socket socket, std::string remote) {
      if (auto self = weak.lock()) self->serve(std::move(socket), std::move(remote));
    };
    acceptor_->start(cfg_.max_connections, tls_ ? &*tls_ : nullptr, std::move(handlers));
  }
  void close() { acceptor_->close(); }
  const std::string& url() const { return url_; }
  const ListenerConfig& config() const { return cfg_; }

 private:
  void serve(tcp::socket socket, std::string remote) {
    if (impl_->stopping) return;
    if (tls_) {
      std::make_shared<ServerSession<beast::ssl_stream<beast::tcp_stream>>>(impl_, cfg_, remote, std::move(socket), *tls_)->run();
    } else {
      std::make_shared<ServerSession<beast::tcp_stream>>(impl_, cfg_, remote, std::move(socket))->run();
    }
  }

  ImplPtr impl_;
  ListenerConfig cfg_;
  std::shared_ptr<net::ServerAcceptor> acceptor_;
  std::optional<ssl::context> tls_;
  std::string url_;
};

// ---------------------------------------------------------------- client side

class Client;

template <typename NextLayer>
class ClientConnection : public Connection<NextLayer, ClientConnection<NextLayer>>,
                         public std::enable_shared_from_this<ClientConnection<NextLayer>> {
  using Base = Connection<NextLayer, ClientConnection<NextLayer>>;
  friend Base;

 public:
  template <typename... StreamArgs>
  ClientConnection(ImplPtr impl, std::shared_ptr<Client> owner, std::uint64_t socket_id, const ClientConfig& cfg,
                   ParsedUrl url, std::shared_ptr<EventAdapter> adapter, StreamArgs&&... stream_args)
      : Base(std::move(impl), std::move(adapter), cfg.adapter, cfg.max_message_bytes, 1024,
             std::forward<StreamArgs>(stream_args)...),
        owner_(std::move(owner)),
        socket_id_(socket_id),
        cfg_(cfg),
        url_(std::move(url)),
        resolver_(this->executor()),
        heartbeat_(this->executor()) {}

  void run() {
    this->register_for_stop();
    asio::dispatch(this->executor(), [self = this->shared_from_this()] {
      self->resolver_.async_resolve(self->url_.host, self->url_.port,
                                    beast::bind_front_handler(&ClientConnection::on_resolve, self));
    });
  }
  void on_finished();

  // Also stops the heartbeat: a message read just before the close leaves no read pending, so
  // on_finished may never come, and the timer alone would keep the I/O loop from ending.
  void force_close() {
    heartbeat_.cancel();
    Base::force_close();
  }

  // Closes with a WebSocket close once the replies already queued are written (a replaced socket).
  void close_gracefully() {
    if (this->closing_) return;
    if (!this->open_) return this->force_close();
    this->closing_ = true;
    this->close_after_writes_ = true;
    this->session_->close();
  }

 private:
  void fail(const char* stage, beast::error_code ec);

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return fail("resolve", ec);
    beast::get_lowest_layer(this->ws()).expires_after(std::chrono::seconds(30));  // connect + handshakes
    beast::get_lowest_layer(this->ws()).async_connect(results, beast::bind_front_handler(&ClientConnection::on_connect,
                                                                                        this->shared_from_this()));
  }

  void on_connect(beast::error_code ec, tcp::resolver::results_type::endpoint_type) {
    if (ec) return fail("connect", ec);
    if constexpr (std::is_same_v<NextLayer, beast::ssl_stream<beast::tcp_stream>>) {
      if (auto tls = prepare_client_tls(this->ws().next_layer(), url_.host, cfg_.verify)) return fail("SNI", tls);
      this->ws().next_layer().async_handshake(ssl::stream_base::client, [self = this->shared_from_this()](beast::error_code hs) {
        if (hs) return self->fail("TLS handshake", hs);
        self->ws_handshake();
      });
    } else {
      ws_handshake();
    }
  }

  void ws_handshake() {
    beast::get_lowest_layer(this->ws()).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(30);
    timeouts.idle_timeout = cfg_.idle_timeout;  // notice a dead feed
    timeouts.keep_alive_pings = true;
    this->ws().set_option(timeouts);
    auto headers = cfg_.headers;
    this->ws().set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
      req.set(http::field::user_agent, "RightMoment");
      for (const auto& [name, value] : headers) req.set(name, value);
    }));
    this->ws().async_handshake(upgrade_answer_, url_.host + ":" + url_.port, url_.target,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->fail("WebSocket handshake", ec);
                                self->on_open();
                              });
  }

  void on_open();

  void arm_heartbeat() {
    auto message = this->adapter_->heartbeat_message();
    if (!message || cfg_.heartbeat.count() <= 0) return;
    heartbeat_.expires_after(cfg_.heartbeat);
    heartbeat_.async_wait([self = this->shared_from_this(), msg = *message](beast::error_code ec) {
      if (ec || self->closing_) return;
      self->send(msg);
      self->arm_heartbeat();
    });
  }

  std::shared_ptr<Client> owner_;
  std::uint64_t socket_id_;
  const ClientConfig& cfg_;
  ParsedUrl url_;
  tcp::resolver resolver_;
  asio::steady_timer heartbeat_;
  websocket::response_type upgrade_answer_;  // its status when the server refuses the upgrade
};

// One configured client. Either it keeps one connection to its configured URL up, reconnecting with
// exponential backoff and jitter, or its adapter runs its own channel (a ChannelController) and the
// client is that controller's driver: REST calls, sockets and a wake-up timer, all on its strand.
// The adapter lives across reconnects so that state-diffing adapters do not repeat events.
class Client : public std::enable_shared_from_this<Client>, public ChannelDriver {
 public:
  Client(ImplPtr impl, ClientConfig cfg)
      : impl_(std::move(impl)), cfg_(std::move(cfg)), strand_(asio::make_strand(impl_->ioc())), timer_(strand_),
        rng_(std::random_device{}()) {
    AdapterOptions o;
    o.max_message_bytes = cfg_.max_message_bytes;
    o.settings = cfg_.settings;
    adapter_ = std::shared_ptr<EventAdapter>(impl_->adapters.make_event_adapter(cfg_.adapter, o));
    controller_ = adapter_ ? adapter_->channel_controller() : nullptr;
    if (!controller_) url_ = parse_url(cfg_.url, "ws");
    if (controller_ || (url_ && url_->tls)) {
      tls_.emplace(ssl::context::tls_client);
      if (auto why = configure_client_tls(*tls_, cfg_.ca_file)) impl_->log->error("client '{}': {}", cfg_.name, *why);
    }
  }

  bool valid(std::string& error) const {
    if (!adapter_) {
      error = "client '" + cfg_.name + "': unknown adapter '" + cfg_.adapter + "'";
      return false;
    }
    if (!controller_ && !url_) {
      error = "client '" + cfg_.name + "': '" + cfg_.url + "' is not a ws:// or wss:// URL";
      return false;
    }
    return true;
  }

  void start() {
    asio::dispatch(strand_, [self = shared_from_this()] {
      if (self->controller_) self->controller_->start(*self, wall_now_ms());
      else self->connect();
    });
  }
  void close() {
    asio::post(strand_, [self = shared_from_this()] {
      self->stopped_ = true;
      self->timer_.cancel();
      if (self->controller_) self->controller_->stop();
      for (auto& [id, cancel] : std::exchange(self->calls_, {})) cancel();
      for (auto& [id, socket] : std::exchange(self->sockets_, {})) socket(false);
    });
  }

  // A connection attempt or an open connection ended (refused_status: of a refused upgrade).
  void connection_ended(std::uint64_t socket, bool was_open, int refused_status) {
    asio::post(strand_, [self = shared_from_this(), socket, was_open, refused_status] {
      if (self->stopped_ || self->impl_->stopping) return;
      if (self->controller_) {
        // A socket the controller closed itself is not reported back.
        if (self->sockets_.erase(socket)) self->controller_->on_socket_closed(socket, refused_status, wall_now_ms());
        return;
      }
      if (was_open) self->attempt_ = 0;
      self->impl_->with_stats([](TransportStats& st) { ++st.client_reconnects; });
      self->timer_.expires_after(self->backoff(self->attempt_++));
      self->timer_.async_wait([self](beast::error_code ec) {
        if (!ec && !self->stopped_) self->connect();
      });
    });
  }
  void connection_opened(std::uint64_t socket) {
    asio::post(strand_, [self = shared_from_this(), socket] {
      if (self->stopped_ || !self->controller_ || !self->sockets_.count(socket)) return;
      self->controller_->on_socket_open(socket, wall_now_ms());
    });
  }

  // ChannelDriver: called by the controller, on the strand.
  std::uint64_t http(HttpCallRequest request) override {
    std::uint64_t id = ++next_id_;
    HttpCallLimits limits;
    limits.verify = cfg_.verify;
    calls_[id] = start_http_call(strand_, tls_ ? &*tls_ : nullptr, std::move(request), limits,
                                 [weak = weak_from_this(), id](HttpCallResponse response) {
                                   auto self = weak.lock();
                                   if (!self || !self->calls_.erase(id) || self->stopped_) return;
                                   self->controller_->on_http(id, response, wall_now_ms());
                                 });
    return id;
  }
  std::uint64_t open_socket(const std::string& url) override {
    std::uint64_t id = ++next_id_;
    auto parsed = parse_url(url, "ws");
    if (!parsed) {
      impl_->log->warn("client '{}': the channel gave '{}', which is not a ws:// or wss:// URL", cfg_.name, url.substr(0, 200));
      sockets_[id] = [](bool) {};
      connection_ended(id, false, 0);
      return id;
    }
    if (sockets_opened_++ > 0) impl_->with_stats([](TransportStats& st) { ++st.client_reconnects; });
    sockets_[id] = connect_to(id, *parsed);
    return id;
  }
  void close_socket(std::uint64_t socket) override {
    auto it = sockets_.find(socket);
    if (it == sockets_.end()) return;
    auto close = std::move(it->second);
    sockets_.erase(it);
    close(true);
  }
  void wake_after(std::chrono::milliseconds delay) override {
    timer_.expires_after(delay);
    timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->stopped_) return;
      self->controller_->on_wake(wall_now_ms());
    });
  }
  std::chrono::milliseconds backoff(int attempt) override {
    auto base = std::min<std::int64_t>(cfg_.reconnect_max.count(), cfg_.reconnect_initial.count() << std::min(attempt, 16));
    std::uniform_int_distribution<std::int64_t> jitter(base / 2, std::max<std::int64_t>(base / 2, base));
    return std::chrono::milliseconds(jitter(rng_));
  }
  void log(ChannelLog level, std::string_view message) override {
    auto lvl = level == ChannelLog::Error     ? spdlog::level::err
               : level == ChannelLog::Warning ? spdlog::level::warn
                                              : spdlog::level::info;
    impl_->log->log(lvl, "client '{}': {}", cfg_.name, message);
  }

  const ClientConfig& config() const { return cfg_; }
  bool runs_channel() const { return controller_ != nullptr; }
  std::shared_ptr<spdlog::logger> log() const { return impl_->log; }
  bool should_log_failure() { return !failing_ ? (failing_ = true) : false; }
  void connected() { failing_ = false; }

 private:
  void connect() {
    if (stopped_ || impl_->stopping) return;
    connect_to(0, *url_);
  }

  // Starts a connection; returns how to close it (gracefully or at once). A controller's sockets
  // share the client's strand, so that the adapter and the controller are never called concurrently.
  std::function<void(bool)> connect_to(std::uint64_t id, const ParsedUrl& url) {
    auto executor = controller_ ? asio::any_io_executor(strand_) : asio::any_io_executor(asio::make_strand(impl_->ioc()));
    if (url.tls) {
      auto c = std::make_shared<ClientConnection<beast::ssl_stream<beast::tcp_stream>>>(impl_, shared_from_this(), id, cfg_, url,
                                                                                        adapter_, executor, *tls_);
      c->run();
      return closer_for(c);
    }
    auto c = std::make_shared<ClientConnection<beast::tcp_stream>>(impl_, shared_from_this(), id, cfg_, url, adapter_, executor);
    c->run();
    return closer_for(c);
  }
  template <typename C>
  static std::function<void(bool)> closer_for(const std::shared_ptr<C>& c) {
    return [weak = std::weak_ptr<C>(c)](bool graceful) {
      if (auto s = weak.lock()) asio::post(s->executor(), [s, graceful] { graceful ? s->close_gracefully() : s->force_close(); });
    };
  }

  ImplPtr impl_;
  ClientConfig cfg_;
  std::optional<ParsedUrl> url_;  // the configured URL (none when a controller runs the channel)
  asio::strand<asio::io_context::executor_type> strand_;
  asio::steady_timer timer_;  // the reconnect backoff, or the controller's wake-up
  std::optional<ssl::context> tls_;
  std::shared_ptr<EventAdapter> adapter_;
  ChannelController* controller_ = nullptr;  // owned by adapter_
  std::mt19937_64 rng_;
  int attempt_ = 0;
  bool stopped_ = false;
  bool failing_ = false;
  std::uint64_t next_id_ = 0;
  std::uint64_t sockets_opened_ = 0;
  std::map<std::uint64_t, std::function<void()>> calls_;          // REST calls in flight: cancel
  std::map<std::uint64_t, std::function<void(bool)>> sockets_;    // the controller's sockets: close
};

template <typename NextLayer>
void ClientConnection<NextLayer>::fail(const char* stage, beast::error_code ec) {
  if (owner_->should_log_failure())
    owner_->log()->warn("client '{}': {} failed: {}; reconnecting with backoff", cfg_.name, stage, ec.message());
  int refused = ec == websocket::error::upgrade_declined ? static_cast<int>(upgrade_answer_.result_int()) : 0;
  owner_->connection_ended(socket_id_, false, refused);
}

template <typename NextLayer>
void ClientConnection<NextLayer>::on_open() {
  owner_->connected();
  // A channel's address is its credential (Genesys checks nothing else): only the host is logged.
  owner_->log()->info("client '{}': connected to {}:{}{}", cfg_.name, url_.host, url_.port,
                      owner_->runs_channel() ? "" : url_.target);
  HandshakeInfo info;
  info.target = url_.target;
  info.opened_at_ms = wall_now_ms();
  this->opened(info);
  for (auto& message : this->adapter_->client_handshake_messages()) this->send(std::move(message));
  arm_heartbeat();
  owner_->connection_opened(socket_id_);
}

template <typename NextLayer>
void ClientConnection<NextLayer>::on_finished() {
  heartbeat_.cancel();
  owner_->connection_ended(socket_id_, this->open_, 0);
}

}  // namespace

TransportService::TransportService(EventSink& sink, AdapterRegistry adapters, std::shared_ptr<spdlog::logger> log,
                                   unsigned io_threads)
    : impl_(std::make_shared<Impl>(sink, std::move(adapters), std::move(log), io_threads)) {}

TransportService::~TransportService() { stop(); }

bool TransportService::start(const std::vector<ListenerConfig>& listeners, const std::vector<ClientConfig>& clients,
                             std::string& error) {
  std::vector<std::shared_ptr<Listener>> opened;
  for (const auto& cfg : listeners) {
    auto listener = std::make_shared<Listener>(impl_, cfg);
    if (!listener->open(error)) return false;
    if (cfg.auth.mode == AuthMode::None)
      impl_->log->warn("listener '{}' ({}) accepts connections without authentication, as configured", cfg.name,
                       listener->url());
    opened.push_back(listener);
  }
  std::vector<std::shared_ptr<Client>> made;
  for (const auto& cfg : clients) {
    auto client = std::make_shared<Client>(impl_, cfg);
    if (!client->valid(error)) return false;
    if (!cfg.verify) impl_->log->warn("client '{}': certificate verification is OFF, as configured", cfg.name);
    made.push_back(client);
  }
  impl_->loop.start(impl_->threads_wanted);
  for (auto& l : opened) {
    {
      std::lock_guard lock(impl_->bound_mutex);
      impl_->bound.push_back(BoundListener{l->config().name, l->config().adapter, l->url()});
    }
    l->start();
    impl_->keepalive.push_back(l);
    impl_->closers.push_back([l] { l->close(); });
  }
  for (auto& c : made) {
    c->start();
    impl_->keepalive.push_back(c);
    impl_->closers.push_back([c] { c->close(); });
  }
  return true;
}

std::vector<BoundListener> TransportService::bound() const {
  std::lock_guard lock(impl_->bound_mutex);
  return impl_->bound;
}

void TransportService::stop() {
  if (!impl_->loop.running()) return;
  impl_->stopping = true;
  for (auto& close : impl_->closers) close();
  impl_->sessions.close_all();
  // Every connection, timer and acceptor is closing; the loop ends by itself when their handlers have
  // run (so every session object is freed). Whatever is still stuck after 3 s is stopped hard.
  impl_->loop.stop(std::chrono::seconds(3));
  impl_->keepalive.clear();
  impl_->closers.clear();
}

TransportStats TransportService::stats() const {
  std::lock_guard lock(impl_->stats_mutex);
  return impl_->stats;
}

}  // namespace rightmoment
