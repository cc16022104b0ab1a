// WebSocket transport on Boost.Beast, after Beast's own examples (chat-multi, advanced_server,
// async-ssl client): one object per connection with its own strand, do_x/on_x pairs, a bounded send
// queue with one write in flight, backpressure by not reading while the engine's inbox is full.
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
#include "plugin/transport/client_tls.hpp"
#include "plugin/transport/http_client.hpp"
#include "plugin/transport/server_full_answer.hpp"
#include "plugin/transport/server_tls.hpp"
#include "plugin/transport/url.hpp"

namespace rightmoment {

namespace net = boost::asio;
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

bool is_normal_close(const beast::error_code& ec) {
  return ec == websocket::error::closed || ec == net::error::operation_aborted || ec == net::error::eof ||
         ec == beast::error::timeout || ec == net::ssl::error::stream_truncated ||
         ec == net::error::connection_reset;
}

}  // namespace

// State shared by every connection of one TransportService.
struct TransportService::Impl : std::enable_shared_from_this<TransportService::Impl> {
  Impl(EventSink& s, AdapterRegistry a, std::shared_ptr<spdlog::logger> l, unsigned n)
      : sink(s), adapters(std::move(a)), log(std::move(l)), threads_wanted(n ? n : 1) {}

  EventSink& sink;
  const AdapterRegistry adapters;
  std::shared_ptr<spdlog::logger> log;
  unsigned threads_wanted;
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  mutable std::mutex bound_mutex;  // bound is read by status() on any thread while start() fills it
  std::vector<BoundListener> bound;
  std::vector<std::shared_ptr<void>> keepalive;  // listeners and clients
  std::vector<std::function<void()>> closers;     // stop listeners and clients
  std::atomic<bool> stopping{false};
  std::atomic<int> running_threads{0};

  // Connections, so that stop() can close them.
  std::mutex sessions_mutex;
  std::vector<std::pair<std::uint64_t, std::function<void()>>> sessions;
  std::uint64_t next_session = 1;

  mutable std::mutex stats_mutex;
  TransportStats stats;

  std::uint64_t add_session(std::function<void()> close) {
    std::lock_guard lock(sessions_mutex);
    std::uint64_t id = next_session++;
    sessions.emplace_back(id, std::move(close));
    return id;
  }
  void remove_session(std::uint64_t id) {
    std::lock_guard lock(sessions_mutex);
    std::erase_if(sessions, [&](const auto& s) { return s.first == id; });
  }
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
template <typename NextLayer, typename Derived>
class Connection {
 public:
  Connection(ImplPtr impl, websocket::stream<NextLayer> ws, std::shared_ptr<EventAdapter> adapter, std::string adapter_name,
             std::size_t max_message_bytes, std::size_t write_queue_limit)
      : impl_(std::move(impl)),
        ws_(std::move(ws)),
        adapter_(std::move(adapter)),
        adapter_name_(std::move(adapter_name)),
        max_message_bytes_(max_message_bytes),
        write_queue_limit_(write_queue_limit),
        retry_timer_(ws_.get_executor()),
        write_timer_(ws_.get_executor()),
        wake_timer_(ws_.get_executor()) {
    // Above the configured limit a message is refused by its adapter (an error reply, or the vendor's
    // own answer); far above it (4x, at least 1 MiB) the WebSocket itself closes with 1009, so one peer
    // cannot make us buffer without bound.
    ws_.read_message_max(std::max<std::size_t>(max_message_bytes_ * 4, 1024 * 1024));
  }

 protected:
  Derived& self() { return static_cast<Derived&>(*this); }

  void opened(const HandshakeInfo& info) {
    open_ = true;
    session_id_ = impl_->add_session([weak = self().weak_from_this()] {
      if (auto s = weak.lock()) net::post(s->ws_.get_executor(), [s] { s->force_close(); });
    });
    impl_->with_stats([](TransportStats& st) { ++st.connections_open; });
    AdapterOutput out;
    adapter_->on_open(info, out);
    process(std::move(out));
  }

  void do_read() {
    // A timer's output (on_timer) is processed while a read may be pending: one read at a time.
    if (closing_ || read_pending_) return;
    read_pending_ = true;
    ws_.async_read(buffer_, beast::bind_front_handler(&Derived::on_read, self().shared_from_this()));
  }

 public:
  void on_read(beast::error_code ec, std::size_t bytes) {
    read_pending_ = false;
    if (ec) return finished(ec);
    AdapterOutput out;
    impl_->with_stats([&](TransportStats& st) {
      ++st.messages_in;
      ++st.messages_by_adapter[adapter_name_];
      if (!ws_.got_text()) ++st.binary_frames_in;
    });
    if (ws_.got_text()) {
      std::string_view message(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      if (message.size() > max_message_bytes_) {
        adapter_->on_too_large(message.size(), max_message_bytes_, wall_now_ms(), out);
      } else {
        adapter_->on_text(message, wall_now_ms(), out);
      }
    } else {
      adapter_->on_binary(bytes, wall_now_ms(), out);
    }
    buffer_.consume(buffer_.size());
    process(std::move(out));
  }

  void on_write(beast::error_code ec, std::size_t) {
    write_timer_.cancel();
    if (ec) return finished(ec);
    queue_.pop_front();
    if (!queue_.empty()) return do_write();
    if (close_after_writes_) do_close();
  }

  void force_close() {
    closing_ = true;
    keep_alive_.reset();
    retry_timer_.cancel();
    write_timer_.cancel();
    wake_timer_.cancel();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).close();
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
    if (queue_.size() >= write_queue_limit_) {
      // A consumer that cannot keep up is disconnected, never buffered without bound.
      impl_->with_stats([](TransportStats& st) { ++st.slow_consumers_disconnected; });
      impl_->log->warn("[adapter={}] a peer stopped reading its replies ({} queued); disconnecting it", adapter_name_, queue_.size());
      force_close();
      return;
    }
    queue_.push_back(std::make_shared<const std::string>(std::move(text)));
    if (queue_.size() == 1) do_write();
  }

 protected:
  struct SyncRequest {
    std::string id;
  };
  using Pending = std::variant<CanonicalEvent, SyncRequest>;

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
        if (!impl_->sink.try_submit(std::move(*ev))) {
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
        auto executor = ws_.get_executor();
        impl_->sink.when_drained([weak, executor, id] {
          net::post(executor, [weak, id] {
            if (auto s = weak.lock()) s->sync_answered(id);
          });
        });
      }
      pending_.pop_front();
    }
    if (close_after_pending_) {
      close_after_writes_ = true;
      closing_ = true;
      if (queue_.empty()) do_close();
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

  void do_write() {
    // A reply the peer does not take within kWriteTimeout means it stopped reading: disconnect it.
    // The queue limit alone is not enough: while a write is stuck, Beast's reader cannot answer a
    // ping or a close either, so the connection would stall without ever filling the queue.
    std::uint64_t this_write = ++writes_started_;
    write_timer_.expires_after(kWriteTimeout);
    write_timer_.async_wait([self = self().shared_from_this(), this_write](beast::error_code ec) {
      if (ec || self->closing_ || self->writes_started_ != this_write || self->queue_.empty()) return;
      self->impl_->with_stats([](TransportStats& st) { ++st.slow_consumers_disconnected; });
      self->impl_->log->warn("[adapter={}] a peer has not taken a reply for {} s; disconnecting it", self->adapter_name_,
                             std::chrono::duration_cast<std::chrono::seconds>(kWriteTimeout).count());
      self->force_close();
    });
    ws_.text(true);
    ws_.async_write(net::buffer(*queue_.front()), beast::bind_front_handler(&Derived::on_write, self().shared_from_this()));
  }

  void do_close() {
    ws_.async_close(websocket::close_code::normal, [self = self().shared_from_this()](beast::error_code) {
      self->force_close();
    });
  }

  void finished(beast::error_code ec) {
    if (finished_) return;
    finished_ = true;
    closing_ = true;
    keep_alive_.reset();
    retry_timer_.cancel();
    write_timer_.cancel();
    wake_timer_.cancel();
    if (!is_normal_close(ec) && ec != websocket::error::message_too_big)
      impl_->log->info("[adapter={}] connection closed: {}", adapter_name_, ec.message());
    if (open_) {
      AdapterOutput out;
      adapter_->on_close(wall_now_ms(), out);
      submit_last(std::deque<CanonicalEvent>(std::make_move_iterator(out.events.begin()), std::make_move_iterator(out.events.end())),
                  kLastEventTries);
      impl_->remove_session(session_id_);
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

  ImplPtr impl_;
  websocket::stream<NextLayer> ws_;
  beast::flat_buffer buffer_;
  std::shared_ptr<EventAdapter> adapter_;
  std::string adapter_name_;
  std::size_t max_message_bytes_;
  std::size_t write_queue_limit_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::deque<Pending> pending_;
  net::steady_timer retry_timer_;
  net::steady_timer write_timer_;
  net::steady_timer wake_timer_;  // AdapterOutput::wake_after
  std::uint64_t writes_started_ = 0;
  static constexpr std::chrono::seconds kWriteTimeout{10};
  static constexpr int kLastEventTries = 1000;
  bool read_pending_ = false;
  static constexpr std::size_t kSyncsInFlight = 64;  // control.sync barriers unanswered per connection
  std::size_t syncs_in_flight_ = 0;
  bool waiting_for_sync_ = false;
  std::shared_ptr<Derived> keep_alive_;  // set while waiting_for_sync_; released on close
  std::uint64_t session_id_ = 0;
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
      : Base(impl, websocket::stream<NextLayer>(std::forward<StreamArgs>(stream_args)...),
             std::shared_ptr<EventAdapter>(impl->adapters.make_event_adapter(cfg.adapter, options_for(cfg))), cfg.adapter,
             cfg.max_message_bytes, cfg.write_queue_limit),
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
    net::dispatch(this->ws_.get_executor(), [self = this->shared_from_this()] { self->start(); });
  }

  void on_finished() {}

 private:
  void start() {
    beast::get_lowest_layer(this->ws_).expires_after(std::chrono::seconds(30));
    if constexpr (std::is_same_v<NextLayer, beast::ssl_stream<beast::tcp_stream>>) {
      this->ws_.next_layer().async_handshake(
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
    http::async_read(this->ws_.next_layer(), this->buffer_, *parser_,
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
    beast::get_lowest_layer(this->ws_).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(30);
    timeouts.idle_timeout = cfg_.idle_timeout;
    timeouts.keep_alive_pings = true;  // a ping after half the idle timeout of silence
    this->ws_.set_option(timeouts);
    this->ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "RightMoment"); }));
    this->ws_.async_accept(req, [self = this->shared_from_this(), info](beast::error_code accept_ec) {
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
    http::async_write(this->ws_.next_layer(), *res, [self = this->shared_from_this(), res](beast::error_code, std::size_t) {
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws_).socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  ListenerConfig cfg_;  // a copy: a connection may outlive a reconfigured listener
  std::string remote_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool handshaking_ = true;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(ImplPtr impl, ListenerConfig cfg) : impl_(std::move(impl)), cfg_(std::move(cfg)), acceptor_(impl_->ioc) {}

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
    beast::error_code ec;
    auto address = net::ip::make_address(cfg_.address, ec);
    if (ec) {
      error = "listener '" + cfg_.name + "': bad address '" + cfg_.address + "'";
      return false;
    }
    tcp::endpoint endpoint(address, cfg_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      error = "listener '" + cfg_.name + "': cannot listen on " + cfg_.address + ":" + std::to_string(cfg_.port) + ": " +
              ec.message();
      return false;
    }
    auto local = acceptor_.local_endpoint();
    std::string host = local.address().is_v6() ? "[" + local.address().to_string() + "]" : local.address().to_string();
    url_ = std::string(cfg_.tls ? "wss://" : "ws://") + host + ":" + std::to_string(local.port()) + cfg_.path;
    return true;
  }

  void start() { do_accept(); }
  void close() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
    });
  }
  const std::string& url() const { return url_; }
  const ListenerConfig& config() const { return cfg_; }

 private:
  void do_accept() {
    acceptor_.async_accept(net::make_strand(impl_->ioc), beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || impl_->stopping) return;
    if (!ec) {
      std::string remote;
      beast::error_code ignored;
      auto ep = socket.remote_endpoint(ignored);
      remote = ep.address().to_string() + ":" + std::to_string(ep.port());
      std::int64_t open = 0;
      impl_->with_stats([&](TransportStats& st) { open = st.connections_open + st.connections_handshaking; });
      if (open >= static_cast<std::int64_t>(cfg_.max_connections)) {
        impl_->with_stats([](TransportStats& st) { ++st.connections_refused; });
        impl_->log->warn("[listener={}] refused a connection from {}: {} connections already open", cfg_.name, remote, open);
        answer_server_full(std::move(socket), tls_ ? &*tls_ : nullptr);
      } else if (tls_) {
        std::make_shared<ServerSession<beast::ssl_stream<beast::tcp_stream>>>(impl_, cfg_, remote, std::move(socket), *tls_)
            ->run();
      } else {
        std::make_shared<ServerSession<beast::tcp_stream>>(impl_, cfg_, remote, std::move(socket))->run();
      }
    } else {
      impl_->log->warn("{}: accept failed: {}", cfg_.name, ec.message());
    }
    do_accept();
  }

  ImplPtr impl_;
  ListenerConfig cfg_;
  tcp::acceptor acceptor_;
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
      : Base(std::move(impl), websocket::stream<NextLayer>(std::forward<StreamArgs>(stream_args)...), std::move(adapter),
             cfg.adapter, cfg.max_message_bytes, 1024),
        owner_(std::move(owner)),
        socket_id_(socket_id),
        cfg_(cfg),
        url_(std::move(url)),
        resolver_(this->ws_.get_executor()),
        heartbeat_(this->ws_.get_executor()) {}

  void run() {
    net::dispatch(this->ws_.get_executor(), [self = this->shared_from_this()] {
      self->resolver_.async_resolve(self->url_.host, self->url_.port,
                                    beast::bind_front_handler(&ClientConnection::on_resolve, self));
    });
  }
  void on_finished();
  net::any_io_executor executor() { return this->ws_.get_executor(); }

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
    if (this->queue_.empty()) this->do_close();
  }

 private:
  void fail(const char* stage, beast::error_code ec);

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return fail("resolve", ec);
    beast::get_lowest_layer(this->ws_).expires_after(std::chrono::seconds(30));  // connect + handshakes
    beast::get_lowest_layer(this->ws_).async_connect(results, beast::bind_front_handler(&ClientConnection::on_connect,
                                                                                        this->shared_from_this()));
  }

  void on_connect(beast::error_code ec, tcp::resolver::results_type::endpoint_type) {
    if (ec) return fail("connect", ec);
    if constexpr (std::is_same_v<NextLayer, beast::ssl_stream<beast::tcp_stream>>) {
      if (auto tls = prepare_client_tls(this->ws_.next_layer(), url_.host, cfg_.verify)) return fail("SNI", tls);
      this->ws_.next_layer().async_handshake(ssl::stream_base::client, [self = this->shared_from_this()](beast::error_code hs) {
        if (hs) return self->fail("TLS handshake", hs);
        self->ws_handshake();
      });
    } else {
      ws_handshake();
    }
  }

  void ws_handshake() {
    beast::get_lowest_layer(this->ws_).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(30);
    timeouts.idle_timeout = cfg_.idle_timeout;  // notice a dead feed
    timeouts.keep_alive_pings = true;
    this->ws_.set_option(timeouts);
    auto headers = cfg_.headers;
    this->ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
      req.set(http::field::user_agent, "RightMoment");
      for (const auto& [name, value] : headers) req.set(name, value);
    }));
    this->ws_.async_handshake(upgrade_answer_, url_.host + ":" + url_.port, url_.target,
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
  net::steady_timer heartbeat_;
  websocket::response_type upgrade_answer_;  // its status when the server refuses the upgrade
};

// One configured client. Either it keeps one connection to its configured URL up, reconnecting with
// exponential backoff and jitter, or its adapter runs its own channel (a ChannelController) and the
// client is that controller's driver: REST calls, sockets and a wake-up timer, all on its strand.
// The adapter lives across reconnects so that state-diffing adapters do not repeat events.
class Client : public std::enable_shared_from_this<Client>, public ChannelDriver {
 public:
  Client(ImplPtr impl, ClientConfig cfg)
      : impl_(std::move(impl)), cfg_(std::move(cfg)), strand_(net::make_strand(impl_->ioc)), timer_(strand_),
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
    net::dispatch(strand_, [self = shared_from_this()] {
      if (self->controller_) self->controller_->start(*self, wall_now_ms());
      else self->connect();
    });
  }
  void close() {
    net::post(strand_, [self = shared_from_this()] {
      self->stopped_ = true;
      self->timer_.cancel();
      if (self->controller_) self->controller_->stop();
      for (auto& [id, cancel] : std::exchange(self->calls_, {})) cancel();
      for (auto& [id, socket] : std::exchange(self->sockets_, {})) socket(false);
    });
  }

  // A connection attempt or an open connection ended (refused_status: of a refused upgrade).
  void connection_ended(std::uint64_t socket, bool was_open, int refused_status) {
    net::post(strand_, [self = shared_from_this(), socket, was_open, refused_status] {
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
    net::post(strand_, [self = shared_from_this(), socket] {
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
    auto executor = controller_ ? net::any_io_executor(strand_) : net::any_io_executor(net::make_strand(impl_->ioc));
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
      if (auto s = weak.lock()) net::post(s->executor(), [s, graceful] { graceful ? s->close_gracefully() : s->force_close(); });
    };
  }

  ImplPtr impl_;
  ClientConfig cfg_;
  std::optional<ParsedUrl> url_;  // the configured URL (none when a controller runs the channel)
  net::strand<net::io_context::executor_type> strand_;
  net::steady_timer timer_;  // the reconnect backoff, or the controller's wake-up
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
  impl_->work.emplace(impl_->ioc.get_executor());
  for (unsigned i = 0; i < impl_->threads_wanted; ++i) {
    ++impl_->running_threads;
    impl_->threads.emplace_back([impl = impl_.get()] {
      impl->ioc.run();
      --impl->running_threads;
    });
  }
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
  if (impl_->threads.empty()) return;
  impl_->stopping = true;
  for (auto& close : impl_->closers) close();
  std::vector<std::function<void()>> sessions;
  {
    std::lock_guard lock(impl_->sessions_mutex);
    for (auto& s : impl_->sessions) sessions.push_back(s.second);
  }
  for (auto& close : sessions) close();
  impl_->work.reset();
  // Every connection, timer and acceptor is closing; the loop ends by itself when their handlers have
  // run (so every session object is freed). Whatever is still stuck after 3 s is stopped hard.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (impl_->running_threads > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  if (impl_->running_threads > 0) {
    impl_->log->warn("transport: connections still open after 3 s; stopping the I/O loop");
    impl_->ioc.stop();
  }
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
  impl_->threads.clear();
  impl_->keepalive.clear();
  impl_->closers.clear();
}

TransportStats TransportService::stats() const {
  std::lock_guard lock(impl_->stats_mutex);
  return impl_->stats;
}

}  // namespace rightmoment
