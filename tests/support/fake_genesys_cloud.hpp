#pragma once
// A local stand-in for Genesys Cloud's OAuth and notifications APIs, for tests only (Genesys cannot
// be reached from here). Written from the public API documentation (developer.genesys.cloud: the
// client-credentials grant, POST /api/v2/notifications/channels, GET/PUT/POST/DELETE
// /api/v2/notifications/channels/{channelId}/subscriptions, a channel's WebSocket with its heartbeat,
// pong and v2.system.socket_closing; 20 channels per client, 1,000 topics per channel, a channel
// lives until its expires and no longer than the token that made it) and the platform SDKs' models
// of those messages. One HTTPS port plays the login, API and streaming hosts, over real TLS.
#include <openssl/evp.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugin/core/event_time.hpp"

namespace rightmoment::testing {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;

class FakeGenesysCloud {
 public:
  struct Options {
    std::string cert_file, key_file;
    std::string client_id = "rm-client";
    std::string client_secret = "rm-secret-value";
    int token_lifetime_s = 86400;
    int channel_lifetime_s = 86400;
    int heartbeat_ms = 30000;
    std::size_t max_topics = 1000;
    std::size_t max_channels = 20;
  };
  struct Call {
    std::string method, path;
    int status = 0;
    std::string body;  // the request's
    std::chrono::steady_clock::time_point at;
  };
  // The next request with this method whose path starts with prefix gets this answer instead.
  struct Fault {
    std::string method, path_prefix;
    int status;
    std::string body;
    std::map<std::string, std::string> headers;
  };

  explicit FakeGenesysCloud(Options options) : options_(std::move(options)), tls_(ssl::context::tls_server), acceptor_(ioc_) {
    tls_.use_certificate_chain_file(options_.cert_file);
    tls_.use_private_key_file(options_.key_file, ssl::context::pem);
    acceptor_.open(tcp::v4());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept();
    tick();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~FakeGenesysCloud() {
    net::post(ioc_, [this] {
      stopping_ = true;
      beast::error_code ignored;
      acceptor_.close(ignored);
      timer_.cancel();
      for (auto& [id, weak] : sockets_)
        if (auto s = weak.lock()) s->drop();
    });
    thread_.join();
  }

  std::string base_url() const { return "https://127.0.0.1:" + std::to_string(port_); }

  void fail_next(Fault f) {
    std::lock_guard lock(mutex_);
    faults_.push_back(std::move(f));
  }
  // Sends a notification to every channel subscribed to topic whose socket is open; how many got it.
  int publish(const std::string& topic, const nlohmann::json& body) {
    nlohmann::json envelope{{"topicName", topic}, {"version", "2"}, {"eventBody", body},
                            {"metadata", {{"CorrelationId", "corr-" + std::to_string(++correlation_)}}}};
    return on_io([this, topic, text = envelope.dump()] {
      int n = 0;
      for (auto& [id, channel] : channels_)
        if (channel.topics.count(topic))
          if (auto s = sockets_[id].lock()) {
            s->send(text);
            ++n;
          }
      return n;
    });
  }
  // Any text to every open socket (bad or oversize messages).
  int send_raw(const std::string& text) {
    return on_io([this, text] {
      int n = 0;
      for (auto& [id, weak] : sockets_)
        if (auto s = weak.lock()) {
          s->send(text);
          ++n;
        }
      return n;
    });
  }
  // Maintenance: the warning on every open socket; the sockets are closed close_after later.
  void socket_closing(std::chrono::milliseconds close_after) {
    send_raw(R"({"topicName":"v2.system.socket_closing","eventBody":{"message":"The socket will close shortly"}})");
    on_io([this, close_after] {
      auto timer = std::make_shared<net::steady_timer>(ioc_, close_after);
      std::vector<std::weak_ptr<Socket>> doomed;
      for (auto& [id, weak] : sockets_) doomed.push_back(weak);
      timer->async_wait([timer, doomed](beast::error_code) {
        for (auto& weak : doomed)
          if (auto s = weak.lock()) s->close();
      });
      return 0;
    });
  }
  // The network fails: every socket is cut without a close frame.
  void drop_sockets() {
    on_io([this] {
      for (auto& [id, weak] : sockets_)
        if (auto s = weak.lock()) s->drop();
      return 0;
    });
  }

  std::vector<Call> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  int count(const std::string& method, const std::string& path_part) const {
    int n = 0;
    for (const auto& c : calls())
      if (c.method == method && c.path.find(path_part) != std::string::npos) ++n;
    return n;
  }
  std::set<std::string> subscriptions_of_newest_channel() const {
    std::lock_guard lock(mutex_);
    return newest_.empty() || !channels_.count(newest_) ? std::set<std::string>{} : channels_.at(newest_).topics;
  }
  std::string newest_channel() const {
    std::lock_guard lock(mutex_);
    return newest_;
  }
  int pings() const { return pings_; }
  int open_sockets() {
    return on_io([this] {
      int n = 0;
      for (auto& [id, weak] : sockets_) n += weak.lock() ? 1 : 0;
      return n;
    });
  }
  bool wait_until(const std::function<bool()>& done, int seconds = 20) const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
  }

 private:
  using tcp = boost::asio::ip::tcp;
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Response = boost::beast::http::response<boost::beast::http::string_body>;
  using WsStream = boost::beast::websocket::stream<boost::beast::ssl_stream<boost::beast::tcp_stream>>;

  struct Channel {
    std::set<std::string> topics;
    EventTimeMs expires = 0;
  };

  static EventTimeMs now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  }

  // Runs f on the server's thread and returns its result.
  int on_io(std::function<int()> f) {
    std::promise<int> result;
    net::post(ioc_, [&] { result.set_value(f()); });
    return result.get_future().get();
  }

  class Socket : public std::enable_shared_from_this<Socket> {
   public:
    Socket(FakeGenesysCloud& cloud, std::shared_ptr<WsStream> ws) : cloud_(cloud), ws_(std::move(ws)), heartbeat_(ws_->get_executor()) {}
    void start(Request req) {
      ws_->async_accept(req, [self = shared_from_this()](beast::error_code ec) {
        if (ec) return;
        self->beat();
        self->read();
      });
    }
    void send(std::string text) {
      if (closed_) return;  // also what a closing socket would still have sent
      queue_.push_back(std::move(text));
      if (queue_.size() == 1) write();
    }
    void close() {
      if (closed_) return;
      closed_ = true;
      heartbeat_.cancel();
      if (queue_.empty()) finish();  // else once the write in flight is done: one write-type operation at a time
    }
    void drop() {
      closed_ = true;
      heartbeat_.cancel();
      beast::error_code ignored;
      beast::get_lowest_layer(*ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
      beast::get_lowest_layer(*ws_).close();
    }

   private:
    void beat() {
      heartbeat_.expires_after(std::chrono::milliseconds(cloud_.options_.heartbeat_ms));
      heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (ec || self->closed_) return;
        self->send(R"({"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}})");
        self->beat();
      });
    }
    void read() {
      ws_->async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) {
          self->closed_ = true;
          self->heartbeat_.cancel();
          return;
        }
        auto msg = nlohmann::json::parse(beast::buffers_to_string(self->buffer_.data()), nullptr, false);
        self->buffer_.consume(self->buffer_.size());
        if (msg.is_object() && msg.value("message", "") == "ping") {
          ++self->cloud_.pings_;
          self->send(R"({"topicName":"channel.metadata","eventBody":{"message":"pong"}})");
        }
        self->read();
      });
    }
    void write() {
      ws_->text(true);
      ws_->async_write(net::buffer(queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) return;
        self->queue_.pop_front();
        if (self->closed_) return self->finish();
        if (!self->queue_.empty()) self->write();
      });
    }
    void finish() {
      queue_.clear();
      ws_->async_close(boost::beast::websocket::close_code::normal, [self = shared_from_this()](beast::error_code) {});
    }
    FakeGenesysCloud& cloud_;
    std::shared_ptr<WsStream> ws_;
    net::steady_timer heartbeat_;
    beast::flat_buffer buffer_;
    std::deque<std::string> queue_;
    bool closed_ = false;
  };

  void accept() {
    acceptor_.async_accept(ioc_, [this](beast::error_code ec, tcp::socket socket) {
      if (ec || stopping_) return;
      auto ws = std::make_shared<WsStream>(std::move(socket), tls_);
      beast::get_lowest_layer(*ws).expires_after(std::chrono::seconds(10));
      ws->next_layer().async_handshake(ssl::stream_base::server, [this, ws](beast::error_code hs) {
        if (!hs) read_request(ws);
      });
      accept();
    });
  }

  void read_request(std::shared_ptr<WsStream> ws) {
    auto buffer = std::make_shared<beast::flat_buffer>();
    auto req = std::make_shared<Request>();
    http::async_read(ws->next_layer(), *buffer, *req, [this, ws, buffer, req](beast::error_code ec, std::size_t) {
      if (ec) return;
      beast::get_lowest_layer(*ws).expires_never();
      std::string path(req->target());
      if (boost::beast::websocket::is_upgrade(*req) && path.rfind("/channels/", 0) == 0) return upgrade(ws, *req, path.substr(10));
      auto res = std::make_shared<Response>(answer(*req));
      res->keep_alive(false);
      res->prepare_payload();
      http::async_write(ws->next_layer(), *res, [ws, res](beast::error_code, std::size_t) {
        beast::error_code ignored;
        beast::get_lowest_layer(*ws).socket().shutdown(tcp::socket::shutdown_both, ignored);
      });
    });
  }

  // The channel's WebSocket: an unknown or expired channel is refused; a second connection to a
  // channel replaces the first (one connection per channel).
  void upgrade(std::shared_ptr<WsStream> ws, const Request& req, const std::string& id) {
    bool known;
    {
      std::lock_guard lock(mutex_);
      known = channels_.count(id) && channels_[id].expires > now_ms();
      calls_.push_back(Call{"GET", "/channels/" + id, known ? 101 : 404, "", std::chrono::steady_clock::now()});
    }
    if (!known) {
      auto res = std::make_shared<Response>(http::status::not_found, req.version());
      res->body() = R"({"message":"channel not found","code":"not.found","status":404})";
      res->prepare_payload();
      http::async_write(ws->next_layer(), *res, [ws, res](beast::error_code, std::size_t) {});
      return;
    }
    if (auto old = sockets_[id].lock()) old->close();
    auto socket = std::make_shared<Socket>(*this, ws);
    sockets_[id] = socket;
    socket->start(req);
  }

  Response answer(const Request& req) {
    std::string method(req.method_string()), path(req.target());
    Response res;
    res.version(req.version());
    res.set(http::field::content_type, "application/json");
    auto reply = [&](int status, const nlohmann::json& body) {
      res.result(static_cast<unsigned>(status));
      res.body() = body.is_null() ? "" : body.dump();
    };
    std::lock_guard lock(mutex_);
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
      if (it->method != method || path.rfind(it->path_prefix, 0) != 0) continue;
      res.result(static_cast<unsigned>(it->status));
      res.body() = it->body;
      for (const auto& [k, v] : it->headers) res.set(k, v);
      faults_.erase(it);
      calls_.push_back(Call{method, path, static_cast<int>(res.result_int()), req.body(), std::chrono::steady_clock::now()});
      return res;
    }
    route(req, method, path, reply);
    calls_.push_back(Call{method, path, static_cast<int>(res.result_int()), req.body(), std::chrono::steady_clock::now()});
    return res;
  }

  template <typename Reply>
  void route(const Request& req, const std::string& method, const std::string& path, Reply& reply) {
    auto bearer_ok = [&] {
      std::string auth(req[http::field::authorization]);
      if (auth.rfind("Bearer ", 0) != 0) return false;
      auto t = tokens_.find(auth.substr(7));
      return t != tokens_.end() && t->second > now_ms();
    };
    const nlohmann::json unauthorized{{"message", "Invalid login credentials."}, {"code", "bad.credentials"}, {"status", 401}};
    if (method == "POST" && path == "/oauth/token") {
      std::string expected = "Basic " + base64(options_.client_id + ":" + options_.client_secret);
      if (std::string(req[http::field::authorization]) != expected)
        return reply(401, {{"error", "invalid_client"}, {"description", "authentication failed"}});
      if (std::string(req[http::field::content_type]).rfind("application/x-www-form-urlencoded", 0) != 0 ||
          req.body() != "grant_type=client_credentials")
        return reply(400, {{"error", "unsupported_grant_type"}, {"description", "grant type is not supported"}});
      std::string token = "tok-" + std::to_string(++serial_);
      tokens_[token] = now_ms() + options_.token_lifetime_s * EventTimeMs{1000};
      tokens_order_.push_back(token);
      return reply(200, {{"access_token", token}, {"token_type", "bearer"}, {"expires_in", options_.token_lifetime_s}});
    }
    const std::string channels = "/api/v2/notifications/channels";
    if (path.rfind(channels, 0) != 0) return reply(404, {{"message", "no such resource"}, {"status", 404}});
    if (!bearer_ok()) return reply(401, unauthorized);
    std::string token(req[http::field::authorization]);
    token = token.substr(7);
    if (method == "POST" && path == channels) {
      std::string id = "streaming-" + std::to_string(++serial_);
      EventTimeMs expires = std::min<EventTimeMs>(now_ms() + options_.channel_lifetime_s * 1000LL, tokens_[token]);
      channels_[id] = Channel{{}, expires};
      channel_order_.push_back(id);
      if (channel_order_.size() > options_.max_channels) {  // the oldest goes
        channels_.erase(channel_order_.front());
        channel_order_.pop_front();
      }
      newest_ = id;
      return reply(200, {{"connectUri", "wss://127.0.0.1:" + std::to_string(port_) + "/channels/" + id},
                         {"id", id},
                         {"expires", format_rfc3339(expires)}});
    }
    std::string rest = path.substr(channels.size());
    const std::string tail = "/subscriptions";
    if (rest.size() <= tail.size() + 1 || rest[0] != '/' || rest.compare(rest.size() - tail.size(), tail.size(), tail) != 0)
      return reply(404, {{"message", "no such resource"}, {"status", 404}});
    std::string id = rest.substr(1, rest.size() - 1 - tail.size());
    auto ch = channels_.find(id);
    if (ch == channels_.end() || ch->second.expires <= now_ms())
      return reply(404, {{"message", "The requested channel could not be found."}, {"code", "not.found"}, {"status", 404}});
    auto listing = [&] {
      nlohmann::json e = nlohmann::json::array();
      for (const auto& t : ch->second.topics) e.push_back({{"id", t}, {"state", "Permitted"}});
      return nlohmann::json{{"entities", e}};
    };
    if (method == "GET") return reply(200, listing());
    if (method == "DELETE") {
      ch->second.topics.clear();
      return reply(204, nullptr);
    }
    auto body = nlohmann::json::parse(req.body(), nullptr, false);
    std::set<std::string> topics;
    if (!body.is_array()) return reply(400, {{"message", "The request body is not a list of topics."}, {"code", "bad.request"}, {"status", 400}});
    for (const auto& t : body) {
      if (!t.is_object() || !t.contains("id") || !t["id"].is_string())
        return reply(400, {{"message", "A topic needs an id."}, {"code", "bad.request"}, {"status", 400}});
      topics.insert(t["id"].get<std::string>());
    }
    if (method == "PUT") ch->second.topics = topics;
    else if (method == "POST") ch->second.topics.insert(topics.begin(), topics.end());
    else return reply(405, {{"message", "method not allowed"}, {"status", 405}});
    if (ch->second.topics.size() > options_.max_topics)
      return reply(400, {{"message", "A channel takes at most " + std::to_string(options_.max_topics) + " topics."},
                         {"code", "bad.request"}, {"status", 400}});
    return reply(200, listing());
  }

  // Expired channels lose their socket; every 50 ms.
  void tick() {
    timer_.expires_after(std::chrono::milliseconds(50));
    timer_.async_wait([this](beast::error_code ec) {
      if (ec || stopping_) return;
      std::vector<std::string> expired;
      {
        std::lock_guard lock(mutex_);
        for (auto& [id, ch] : channels_)
          if (ch.expires <= now_ms()) expired.push_back(id);
        for (const auto& id : expired) channels_.erase(id);
      }
      for (const auto& id : expired)
        if (auto s = sockets_[id].lock()) s->close();
      tick();
    });
  }

  static std::string base64(const std::string& in) {
    std::string out(4 * ((in.size() + 2) / 3), '\0');
    out.resize(static_cast<std::size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                                        reinterpret_cast<const unsigned char*>(in.data()),
                                                        static_cast<int>(in.size()))));
    return out;
  }

  Options options_;
  net::io_context ioc_;
  ssl::context tls_;
  tcp::acceptor acceptor_;
  net::steady_timer timer_{ioc_};
  unsigned short port_ = 0;
  std::thread thread_;
  bool stopping_ = false;
  std::atomic<int> correlation_{0};
  std::atomic<int> pings_{0};

  mutable std::mutex mutex_;  // what the test thread reads; sockets_ is the server thread's alone
  std::map<std::string, EventTimeMs> tokens_;
  std::deque<std::string> tokens_order_;
  std::map<std::string, Channel> channels_;
  std::deque<std::string> channel_order_;
  std::string newest_;
  std::vector<Call> calls_;
  std::deque<Fault> faults_;
  int serial_ = 0;
  std::map<std::string, std::weak_ptr<Socket>> sockets_;
};

}  // namespace rightmoment::testing
