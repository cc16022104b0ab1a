// TLS both ways with certificates made for the test by the openssl CLI: a wss:// listener, a client
// that trusts our test CA, a client that refuses an untrusted certificate (and keeps retrying without
// harm), and a reader too slow for its replies.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "adapters/events/builtin_adapters.hpp"
#include "plugin/transport/transport_service.hpp"
#include "tests/support/recording_event_sink.hpp"
#include "tests/support/test_certificates.hpp"

namespace rightmoment {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

using Sink = testing::RecordingEventSink;

std::shared_ptr<spdlog::logger> quiet() {
  if (std::getenv("RM_TEST_LOG")) return std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  return std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
}

const testing::TestCertificates& certs() { return testing::test_certificates(); }

const char* kEvent =
    R"({"event_id":"e1","type":"interaction.started","interaction_id":"c-1","ts":"2026-11-22T10:00:00Z","channel":"voice","direction":"inbound"})";

TEST(TransportTls, AWssListenerTakesEventsOverTls12OrLater) {
  ASSERT_TRUE(certs().ok) << "openssl could not make test certificates in " << certs().dir;
  Sink sink;
  TransportService t(sink, builtin_adapters(), quiet(), 1);
  ListenerConfig l;
  l.name = "secure";
  l.adapter = "generic";
  l.tls = TlsFiles{certs().dir + "/server.pem", certs().dir + "/server.key"};
  l.auth.mode = AuthMode::Bearer;
  l.auth.tokens = {"tok"};
  std::string error;
  ASSERT_TRUE(t.start({l}, {}, error)) << error;
  std::string url = t.bound()[0].url;
  ASSERT_EQ(url.rfind("wss://127.0.0.1:", 0), 0u) << url;
  std::string port = url.substr(16, url.find('/', 16) - 16);

  net::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(certs().dir + "/ca.pem");
  ctx.set_verify_mode(ssl::verify_peer);
  websocket::stream<beast::ssl_stream<tcp::socket>> ws(ioc, ctx);
  tcp::resolver resolver(ioc);
  net::connect(beast::get_lowest_layer(ws), resolver.resolve("127.0.0.1", port));
  ws.next_layer().handshake(ssl::stream_base::client);
  EXPECT_GE(SSL_version(ws.next_layer().native_handle()), TLS1_2_VERSION);
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::request_type& req) { req.set(beast::http::field::authorization, "Bearer tok"); }));
  ws.handshake("127.0.0.1:" + port, "/events");
  ws.text(true);
  ws.write(net::buffer(std::string(kEvent)));
  EXPECT_TRUE(sink.wait_for(1));

  // TLS 1.1 is refused.
  ssl::context old(ssl::context::tls_client);
  SSL_CTX_set_max_proto_version(old.native_handle(), TLS1_1_VERSION);
  old.set_verify_mode(ssl::verify_none);
  beast::ssl_stream<tcp::socket> legacy(ioc, old);
  net::connect(beast::get_lowest_layer(legacy), resolver.resolve("127.0.0.1", port));
  beast::error_code ec;
  legacy.handshake(ssl::stream_base::client, ec);
  EXPECT_TRUE(ec);
  t.stop();
}

// A full wss listener answers like a full ws one (issue 15): the TLS handshake, then a 503 the
// client can read, not a socket closed in its face.
TEST(TransportTls, AFullWssListenerAnswers503AfterTheHandshake) {
  ASSERT_TRUE(certs().ok);
  Sink sink;
  TransportService t(sink, builtin_adapters(), quiet(), 1);
  ListenerConfig l;
  l.name = "secure";
  l.adapter = "generic";
  l.tls = TlsFiles{certs().dir + "/server.pem", certs().dir + "/server.key"};
  l.auth.mode = AuthMode::None;
  l.max_connections = 1;
  std::string error;
  ASSERT_TRUE(t.start({l}, {}, error)) << error;
  std::string url = t.bound()[0].url;
  std::string port = url.substr(16, url.find('/', 16) - 16);
  net::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(certs().dir + "/ca.pem");
  ctx.set_verify_mode(ssl::verify_peer);
  tcp::resolver resolver(ioc);
  auto connect = [&](websocket::stream<beast::ssl_stream<tcp::socket>>& ws) {
    net::connect(beast::get_lowest_layer(ws), resolver.resolve("127.0.0.1", port));
    ws.next_layer().handshake(ssl::stream_base::client);
  };
  websocket::stream<beast::ssl_stream<tcp::socket>> first(ioc, ctx);
  connect(first);
  first.handshake("127.0.0.1:" + port, "/events");
  first.text(true);
  first.write(net::buffer(std::string(kEvent)));
  ASSERT_TRUE(sink.wait_for(1));

  websocket::stream<beast::ssl_stream<tcp::socket>> second(ioc, ctx);
  connect(second);
  beast::http::request<beast::http::empty_body> upgrade{beast::http::verb::get, "/events", 11};
  upgrade.set(beast::http::field::host, "127.0.0.1:" + port);
  upgrade.set(beast::http::field::upgrade, "websocket");
  upgrade.set(beast::http::field::connection, "upgrade");
  upgrade.set(beast::http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  upgrade.set(beast::http::field::sec_websocket_version, "13");
  beast::http::write(second.next_layer(), upgrade);
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> res;
  beast::http::read(second.next_layer(), buffer, res);
  EXPECT_EQ(res.result_int(), 503u);
  t.stop();
}

// A TLS WebSocket server that sends one event to each connection.
class TlsEventServer {
 public:
  TlsEventServer(const std::string& cert, const std::string& key) : ctx_(ssl::context::tls_server), acceptor_(ioc_) {
    ctx_.use_certificate_chain_file(cert);
    ctx_.use_private_key_file(key, ssl::context::pem);
    acceptor_.open(tcp::v4());
    acceptor_.bind(tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~TlsEventServer() {
    stop_ = true;
    // A blocking accept() does not wake when the acceptor is closed from another thread: connect to it.
    beast::error_code ec;
    net::io_context wake_ioc;
    tcp::socket wake(wake_ioc);
    wake.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)), ec);
    thread_.join();
    acceptor_.close(ec);
  }
  int port() const { return port_; }
  int handshakes_attempted() const { return attempts_; }

 private:
  void serve() {
    while (!stop_) {
      tcp::socket socket(ioc_);
      beast::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stop_) return;
      ++attempts_;
      websocket::stream<beast::ssl_stream<tcp::socket>> ws(std::move(socket), ctx_);
      ws.next_layer().handshake(ssl::stream_base::server, ec);
      if (ec) continue;  // the client refused our certificate
      ws.accept(ec);
      if (ec) continue;
      ws.text(true);
      ws.write(net::buffer(std::string(kEvent)), ec);
      beast::flat_buffer buffer;
      ws.read(buffer, ec);  // until the client goes
    }
  }
  net::io_context ioc_;
  ssl::context ctx_;
  tcp::acceptor acceptor_;
  int port_ = 0;
  std::atomic<int> attempts_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

ClientConfig client_for(int port) {
  ClientConfig c;
  c.name = "feed";
  c.adapter = "generic";
  c.url = "wss://127.0.0.1:" + std::to_string(port) + "/stream";
  c.reconnect_initial = std::chrono::milliseconds(20);
  c.reconnect_max = std::chrono::milliseconds(100);
  return c;
}

TEST(TransportTls, AClientVerifiesTheServerAgainstItsTrustedCa) {
  ASSERT_TRUE(certs().ok);
  TlsEventServer server(certs().dir + "/server.pem", certs().dir + "/server.key");
  Sink sink;
  TransportService t(sink, builtin_adapters(), quiet(), 1);
  auto c = client_for(server.port());
  c.ca_file = certs().dir + "/ca.pem";
  std::string error;
  ASSERT_TRUE(t.start({}, {c}, error)) << error;
  EXPECT_TRUE(sink.wait_for(1));
  t.stop();
}

TEST(TransportTls, AClientRefusesAnUntrustedCertificateAndKeepsTryingHarmlessly) {
  ASSERT_TRUE(certs().ok);
  TlsEventServer server(certs().dir + "/self.pem", certs().dir + "/self.key");
  Sink sink;
  TransportService t(sink, builtin_adapters(), quiet(), 1);
  auto c = client_for(server.port());
  c.ca_file = certs().dir + "/ca.pem";  // trusts our CA, which did not sign this certificate
  std::string error;
  ASSERT_TRUE(t.start({}, {c}, error)) << error;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (server.handshakes_attempted() < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GE(server.handshakes_attempted(), 3);  // it retried
  EXPECT_EQ(sink.count(), 0u);                   // and never accepted a byte from the impostor
  t.stop();
}

TEST(TransportTls, APeerThatStopsReadingItsRepliesIsDisconnected) {
  Sink sink;
  TransportService t(sink, builtin_adapters(), quiet(), 1);
  ListenerConfig l;
  l.name = "generic";
  l.adapter = "generic";
  l.auth.mode = AuthMode::None;
  l.write_queue_limit = 4;
  std::string error;
  ASSERT_TRUE(t.start({l}, {}, error)) << error;
  std::string url = t.bound()[0].url;
  std::string port = url.substr(15, url.find('/', 15) - 15);
  net::io_context ioc;
  websocket::stream<tcp::socket> ws(ioc);
  tcp::resolver resolver(ioc);
  net::connect(ws.next_layer(), resolver.resolve("127.0.0.1", port));
  ws.next_layer().set_option(net::socket_base::receive_buffer_size(4096));
  ws.handshake("127.0.0.1:" + port, "/events");
  // Every garbage message earns an error reply that we never read.
  std::string garbage = "x";  // small: the server's replies, not our bytes, are what must pile up
  beast::error_code ec;
  // Loopback socket buffers hold megabytes of replies first; under a sanitizer on a busy machine
  // that takes a while, hence the long deadline (the test ends as soon as the disconnect happens).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!ec && t.stats().slow_consumers_disconnected == 0 && std::chrono::steady_clock::now() < deadline)
    ws.write(net::buffer(garbage), ec);
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (t.stats().slow_consumers_disconnected == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(t.stats().slow_consumers_disconnected, 1u);
  t.stop();
}

}  // namespace
}  // namespace rightmoment
