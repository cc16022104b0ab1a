// The session layer on real loopback sockets: a ServerAcceptor and WebSocketSession on an IoLoop, and
// a blocking Beast client in the test's thread as the peer.
#include "plugin/net/websocket_session.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/sinks/null_sink.h>

#include "plugin/net/io_loop.hpp"
#include "plugin/net/quiet_close.hpp"
#include "plugin/net/server_acceptor.hpp"

namespace rightmoment::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Session = WebSocketSession<beast::tcp_stream>;

std::shared_ptr<spdlog::logger> quiet() { return std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>()); }

// One server whose sessions run `behaviour` on each message; it records what the layer reports.
class Server {
 public:
  using Behaviour = std::function<void(Session& session, std::string_view message)>;

  Server(WebSocketSessionOptions options, Behaviour behaviour) : options_(options), behaviour_(std::move(behaviour)) {
    acceptor_ = std::make_shared<ServerAcceptor>(loop_.context(), "test", quiet());
    EXPECT_FALSE(acceptor_->open("127.0.0.1", 0));
    AcceptHandlers h;
    h.counted = [] { return std::int64_t{0}; };
    h.refused_full = [](const std::string&, std::int64_t) {};
    h.accepted = [this](tcp::socket socket, std::string) { serve(std::move(socket)); };
    acceptor_->start(100, nullptr, std::move(h));
    loop_.start(1);
  }
  ~Server() {
    acceptor_->close();
    asio::post(loop_.context(), [this] {
      std::lock_guard lock(mutex_);
      for (auto& s : sessions_) s->force_close();
    });
    loop_.stop(std::chrono::seconds(5));
    sessions_.clear();
  }
  std::string port() const { return acceptor_->url("ws").substr(acceptor_->url("ws").rfind(':') + 1); }

  // Waits until pred holds on the recorded figures (or 10 s).
  bool wait(const std::function<bool()>& pred) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10), pred);
  }
  std::shared_ptr<Session> first_session() {
    std::lock_guard lock(mutex_);
    return sessions_.empty() ? nullptr : sessions_.front();
  }
  void on_loop(std::function<void()> f) { asio::post(loop_.context(), std::move(f)); }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> messages;
  std::vector<SlowPeer> slow;
  std::vector<boost::system::error_code> ended;

 private:
  void serve(tcp::socket socket) {
    auto session = std::make_shared<Session>(options_, std::move(socket));
    {
      std::lock_guard lock(mutex_);
      sessions_.push_back(session);
    }
    session->stream().async_accept([this, session](boost::system::error_code ec) {
      if (ec) return;
      WebSocketCallbacks cb;
      Session* s = session.get();  // the callbacks must not hold their own session
      cb.on_message = [this, s](std::string_view data, bool) {
        {
          std::lock_guard lock(mutex_);
          messages.emplace_back(data);
        }
        changed_.notify_all();
        behaviour_(*s, data);
      };
      cb.on_slow_peer = [this](SlowPeer why, std::size_t) {
        std::lock_guard lock(mutex_);
        slow.push_back(why);
      };
      cb.on_ended = [this](const boost::system::error_code& end) {
        {
          std::lock_guard lock(mutex_);
          ended.push_back(end);
        }
        changed_.notify_all();
      };
      session->start(std::move(cb));
      session->read_next();
    });
  }

  WebSocketSessionOptions options_;
  Behaviour behaviour_;
  IoLoop loop_{"rm-test", quiet()};
  std::shared_ptr<ServerAcceptor> acceptor_;
  std::vector<std::shared_ptr<Session>> sessions_;  // as a user holds them: a session with nothing pending lives on
};

struct Peer {
  asio::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  explicit Peer(const std::string& port) {
    asio::connect(ws.next_layer(), tcp::resolver(ioc).resolve("127.0.0.1", port));
    ws.handshake("127.0.0.1:" + port, "/");
  }
  void send(const std::string& text) { ws.write(asio::buffer(text)); }
  std::string read() {
    beast::flat_buffer b;
    ws.read(b);
    return beast::buffers_to_string(b.data());
  }
};

TEST(WebSocketSession, OneMessageAtATimeInOrderAndOneEndWhenThePeerCloses) {
  Server server({}, [](Session& s, std::string_view m) {
    s.send("echo " + std::string(m));
    s.read_next();
  });
  {
    Peer peer(server.port());
    for (const char* m : {"one", "two", "three"}) peer.send(m);
    EXPECT_EQ(peer.read(), "echo one");
    EXPECT_EQ(peer.read(), "echo two");
    EXPECT_EQ(peer.read(), "echo three");
    peer.ws.close(websocket::close_code::normal);
  }
  ASSERT_TRUE(server.wait([&] { return server.ended.size() == 1; }));
  EXPECT_TRUE(is_quiet_close(server.ended[0])) << server.ended[0].message();
  EXPECT_EQ(server.messages, (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_TRUE(server.slow.empty());
}

TEST(WebSocketSession, WithoutReadNextNothingMoreIsReadThenReadingGoesOn) {
  Server server({}, [](Session&, std::string_view) {});  // backpressure: the user does not ask for more
  Peer peer(server.port());
  peer.send("first");
  peer.send("second");
  ASSERT_TRUE(server.wait([&] { return server.messages.size() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  {
    std::lock_guard lock(server.mutex_);
    EXPECT_EQ(server.messages.size(), 1u);
  }
  server.on_loop([&] { server.first_session()->read_next(); });
  ASSERT_TRUE(server.wait([&] { return server.messages.size() == 2; }));
  EXPECT_EQ(server.messages[1], "second");
}

TEST(WebSocketSession, APeerPastTheQueueLimitIsToldSlowAndDisconnectedAndEndsOnce) {
  WebSocketSessionOptions o;
  o.queue_limit = 8;
  Server server(o, [](Session& s, std::string_view) {
    for (int i = 0; i < 100; ++i) s.send(std::string(64 * 1024, 'x'));
  });
  Peer peer(server.port());
  peer.send("flood");
  ASSERT_TRUE(server.wait([&] { return server.ended.size() == 1; }));
  std::lock_guard lock(server.mutex_);
  ASSERT_EQ(server.slow.size(), 1u);
  EXPECT_EQ(server.slow[0], SlowPeer::QueueFull);
}

TEST(WebSocketSession, APeerThatTakesNothingForTheWriteTimeoutIsDisconnected) {
  WebSocketSessionOptions o;
  o.queue_limit = 1000;
  o.write_timeout = std::chrono::milliseconds(300);
  Server server(o, [](Session& s, std::string_view) {
    for (int i = 0; i < 64; ++i) s.send(std::string(1024 * 1024, 'x'));  // far more than the socket buffers hold
  });
  Peer peer(server.port());
  peer.send("flood");  // and never read
  ASSERT_TRUE(server.wait([&] { return server.ended.size() == 1; }));
  std::lock_guard lock(server.mutex_);
  ASSERT_EQ(server.slow.size(), 1u);
  EXPECT_EQ(server.slow[0], SlowPeer::WriteTimeout);
}

TEST(WebSocketSession, CloseSendsWhatIsQueuedThenANormalCloseFrame) {
  Server server({}, [](Session& s, std::string_view) {
    s.send("a");
    s.close();
    s.send("b");  // still before the close frame goes out: written first
  });
  Peer peer(server.port());
  peer.send("bye");
  EXPECT_EQ(peer.read(), "a");
  EXPECT_EQ(peer.read(), "b");
  beast::flat_buffer b;
  beast::error_code ec;
  peer.ws.read(b, ec);
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_EQ(peer.ws.reason().code, websocket::close_code::normal);
  ASSERT_TRUE(server.wait([&] { return server.ended.size() == 1; }));
}

TEST(WebSocketSession, AForceCloseWithNothingPendingStillEndsTheSessionOnce) {
  Server server({}, [](Session&, std::string_view) {});  // no read pending after the first message
  Peer peer(server.port());
  peer.send("hello");
  ASSERT_TRUE(server.wait([&] { return server.messages.size() == 1; }));
  server.on_loop([&] {
    auto s = server.first_session();
    s->force_close();
    s->force_close();  // twice is harmless
  });
  ASSERT_TRUE(server.wait([&] { return server.ended.size() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::lock_guard lock(server.mutex_);
  EXPECT_EQ(server.ended.size(), 1u);
}

// Found under ASan in the vendor listener test: the read that force_close() interrupted completed
// with a message already buffered, the user did not read again, and the session never ended (its
// user, its Beast timer and the loop's stop waited on it).
TEST(WebSocketSession, AForceCloseWhileAReadIsCompletingStillEndsTheSessionAndDropsTheMessage) {
  Server server({}, [](Session& s, std::string_view m) {
    if (m != "first") return;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // "second" is in the socket by now
    s.read_next();  // issued as this call returns, and completing with "second"...
    asio::post(s.get_executor(), [&s] { s.force_close(); });  // ...after this runs
  });
  Peer peer(server.port());
  peer.send("first");
  peer.send("second");
  ASSERT_TRUE(server.wait([&] { return server.ended.size() == 1; }));
  std::lock_guard lock(server.mutex_);
  EXPECT_EQ(server.messages, std::vector<std::string>{"first"});
}

TEST(ServerAcceptor, APortInUseAndABadAddressAreClearErrors) {
  IoLoop loop("rm-test", quiet());
  auto a = std::make_shared<ServerAcceptor>(loop.context(), "a", quiet());
  ASSERT_FALSE(a->open("127.0.0.1", 0));
  auto url = a->url("ws", "/events");
  EXPECT_EQ(url.rfind("ws://127.0.0.1:", 0), 0u);
  EXPECT_EQ(url.substr(url.size() - 7), "/events");
  auto port = static_cast<std::uint16_t>(std::stoi(url.substr(15, url.size() - 15 - 7)));
  auto b = std::make_shared<ServerAcceptor>(loop.context(), "b", quiet());
  auto why = b->open("127.0.0.1", port);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("cannot listen on 127.0.0.1:" + std::to_string(port)), std::string::npos) << *why;
  auto c = std::make_shared<ServerAcceptor>(loop.context(), "c", quiet());
  EXPECT_EQ(c->open("not-an-address", 0).value_or(""), "bad address 'not-an-address'");
}

TEST(ServerAcceptor, PastItsLimitAConnectionIsAnswered503WithRetryAfterAndToldToTheServer) {
  IoLoop loop("rm-test", quiet());
  auto acceptor = std::make_shared<ServerAcceptor>(loop.context(), "full", quiet());
  ASSERT_FALSE(acceptor->open("127.0.0.1", 0));
  std::atomic<int> refused{0}, accepted{0};
  AcceptHandlers h;
  h.counted = [] { return std::int64_t{2}; };
  h.refused_full = [&](const std::string& remote, std::int64_t counted) {
    EXPECT_EQ(remote.rfind("127.0.0.1:", 0), 0u);
    EXPECT_EQ(counted, 2);
    ++refused;
  };
  h.accepted = [&](tcp::socket, std::string) { ++accepted; };
  acceptor->start(2, nullptr, std::move(h));
  loop.start(1);
  auto url = acceptor->url("http");
  asio::io_context ioc;
  tcp::socket s(ioc);
  asio::connect(s, tcp::resolver(ioc).resolve("127.0.0.1", url.substr(url.rfind(':') + 1)));
  std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(s, asio::buffer(request));
  std::string answer;
  beast::error_code ec;
  for (std::array<char, 512> chunk{}; !ec && answer.find("retry shortly\n") == std::string::npos;) {
    std::size_t n = s.read_some(asio::buffer(chunk), ec);
    answer.append(chunk.data(), n);
  }
  EXPECT_EQ(answer.rfind("HTTP/1.1 503", 0), 0u) << answer;
  EXPECT_NE(answer.find("Retry-After:"), std::string::npos) << answer;
  EXPECT_EQ(refused, 1);
  EXPECT_EQ(accepted, 0);
  acceptor->close();
  EXPECT_TRUE(loop.stop(std::chrono::seconds(10)));
}

}  // namespace
}  // namespace rightmoment::net
