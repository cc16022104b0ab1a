// The plugin's small HTTP + WebSocket server over real loopback sockets: requests and keep-alive,
// an upgrade with a thread-safe peer, refusals, the connection limit, and https with a certificate
// made by the openssl CLI.
#include "plugin/web/http_server.hpp"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

using namespace rightmoment;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

namespace {

std::shared_ptr<spdlog::logger> quiet() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

struct EchoRoutes : HttpRoutes {
  std::shared_ptr<WebSocketPeer> last_peer;
  HttpResponse handle(const HttpRequest& r) override {
    if (r.path == "/throw") throw std::runtime_error("boom");
    auto res = HttpResponse::text(200, r.method + " " + r.path + " q=" + (r.query.count("q") ? r.query.at("q") : "-"));
    res.headers.emplace_back("X-Remote-Set", r.remote.empty() ? "no" : "yes");
    return res;
  }
  WebSocketDecision upgrade(const HttpRequest& r) override {
    WebSocketDecision d;
    if (r.path != "/ws") {
      d.refusal = HttpResponse::text(403, "no\n");
      return d;
    }
    d.on_open = [this](std::shared_ptr<WebSocketPeer> peer) {
      last_peer = peer;
      WebSocketHandlers h;
      h.on_message = [peer](std::string_view text) { peer->send("echo:" + std::string(text)); };
      return h;
    };
    return d;
  }
};

std::pair<std::string, std::string> host_port(const std::string& base) {
  auto rest = base.substr(base.find("://") + 3);
  auto colon = rest.rfind(':');
  return {rest.substr(0, colon), rest.substr(colon + 1)};
}

}  // namespace

TEST(HttpServer, AnswersRequestsOnOneKeptAliveConnection) {
  auto routes = std::make_shared<EchoRoutes>();
  HttpServer server(HttpServerConfig{}, routes, quiet());
  std::string error;
  ASSERT_TRUE(server.start(error)) << error;
  auto [host, port] = host_port(server.base_url());
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::resolver(ioc).resolve(host, port));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/a?q=hello%20world", "GET /a q=hello world"}, {"/b?q=x+y", "GET /b q=x y"},
      {"/c?q=%zz", "GET /c q=-"}};  // a broken escape is dropped
  for (const auto& [target, want] : cases) {
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, host);
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
    EXPECT_EQ(res.body(), want);
  }
  // A throwing handler is a 500, and the server goes on.
  http::request<http::empty_body> req{http::verb::get, "/throw", 11};
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  EXPECT_EQ(res.result_int(), 500u);
  EXPECT_EQ(server.stats().requests, 4u);
  server.stop();
  server.stop();
}

TEST(HttpServer, UpgradesToAWebSocketWithAPeerUsableFromAnyThread) {
  auto routes = std::make_shared<EchoRoutes>();
  HttpServer server(HttpServerConfig{}, routes, quiet());
  std::string error;
  ASSERT_TRUE(server.start(error)) << error;
  auto [host, port] = host_port(server.base_url());
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws(ioc);
  beast::get_lowest_layer(ws).connect(tcp::resolver(ioc).resolve(host, port));
  ws.handshake(host, "/ws");
  ws.write(net::buffer(std::string("hi")));
  beast::flat_buffer buffer;
  ws.read(buffer);
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "echo:hi");
  std::thread([peer = routes->last_peer] { peer->send("from another thread"); }).join();
  buffer.clear();
  ws.read(buffer);
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "from another thread");
  EXPECT_EQ(server.stats().websockets_open, 1);
  // A refused upgrade is an HTTP answer.
  beast::tcp_stream refused(ioc);
  refused.connect(tcp::resolver(ioc).resolve(host, port));
  http::request<http::empty_body> up{http::verb::get, "/elsewhere", 11};
  up.set(http::field::host, host);
  up.set(http::field::connection, "Upgrade");
  up.set(http::field::upgrade, "websocket");
  up.set(http::field::sec_websocket_version, "13");
  up.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  http::write(refused, up);
  beast::flat_buffer rb;
  http::response<http::string_body> res;
  http::read(refused, rb, res);
  EXPECT_EQ(res.result_int(), 403u);
  beast::error_code ec;
  server.stop();  // closes the open WebSocket too
  buffer.clear();
  ws.read(buffer, ec);
  EXPECT_TRUE(ec);
}

TEST(HttpServer, RefusesConnectionsOverTheLimitAndAPortInUse) {
  HttpServerConfig cfg;
  cfg.max_connections = 1;
  auto routes = std::make_shared<EchoRoutes>();
  HttpServer server(cfg, routes, quiet());
  std::string error;
  ASSERT_TRUE(server.start(error)) << error;
  auto [host, port] = host_port(server.base_url());
  net::io_context ioc;
  beast::tcp_stream first(ioc);
  first.connect(tcp::resolver(ioc).resolve(host, port));
  http::request<http::empty_body> req{http::verb::get, "/x", 11};
  http::write(first, req);
  beast::flat_buffer b1;
  http::response<http::string_body> r1;
  http::read(first, b1, r1);
  EXPECT_EQ(r1.result_int(), 200u);
  beast::tcp_stream second(ioc);
  second.connect(tcp::resolver(ioc).resolve(host, port));
  beast::flat_buffer b2;
  http::response<http::string_body> r2;
  beast::error_code ec;
  http::read(second, b2, r2, ec);
  EXPECT_EQ(r2.result_int(), 503u);

  HttpServerConfig same;
  same.port = static_cast<std::uint16_t>(std::stoi(port));
  HttpServer clash(same, routes, quiet());
  EXPECT_FALSE(clash.start(error));
  EXPECT_NE(error.find("cannot listen"), std::string::npos) << error;
  server.stop();
}

TEST(HttpServer, ServesHttpsWithTheConfiguredCertificate) {
  const char* tmp = std::getenv("RIGHTMOMENT_TEST_TMP");
  std::string dir = std::string(tmp ? tmp : "/tmp") + "/http_server_tls_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::string cmd = "cd " + dir + " && openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -days 2 "
                    "-subj '/CN=127.0.0.1' > openssl.log 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl could not make a certificate in " << dir;
  HttpServerConfig cfg;
  cfg.tls = TlsFiles{dir + "/c.pem", dir + "/k.pem"};
  HttpServer server(cfg, std::make_shared<EchoRoutes>(), quiet());
  std::string error;
  ASSERT_TRUE(server.start(error)) << error;
  ASSERT_EQ(server.base_url().rfind("https://", 0), 0u);
  auto [host, port] = host_port(server.base_url());
  net::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(dir + "/c.pem");
  ctx.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  beast::get_lowest_layer(stream).connect(tcp::resolver(ioc).resolve(host, port));
  stream.handshake(ssl::stream_base::client);
  http::request<http::empty_body> req{http::verb::get, "/secure", 11};
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  EXPECT_EQ(res.body(), "GET /secure q=-");
  server.stop();

  HttpServerConfig bad;
  bad.tls = TlsFiles{dir + "/missing.pem", dir + "/k.pem"};
  HttpServer broken(bad, std::make_shared<EchoRoutes>(), quiet());
  EXPECT_FALSE(broken.start(error));
  EXPECT_NE(error.find("certificate"), std::string::npos) << error;
}
