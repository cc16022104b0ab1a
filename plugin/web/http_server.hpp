#pragma once
// A small HTTP/1.1 + WebSocket server on Beast for the plugin's own web endpoints (the agent pop-up,
// the admin endpoints). It runs on its own io_context and thread, so a slow browser or scraper never
// touches the event path. Routes are called on that thread and must not block.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/logger.h>

#include "plugin/core/percent_encoding.hpp"  // percent_decode, for the routes
#include "plugin/transport/tls_files.hpp"

namespace rightmoment {

struct HttpRequest {
  std::string method;                         // "GET", "POST", ...
  std::string path;                           // the target without its query, not decoded
  std::string target;                         // path and query as received, not decoded
  std::map<std::string, std::string> query;   // percent-decoded
  std::map<std::string, std::string> headers; // lower-case names
  std::string body;                           // at most max_request_bytes
  std::string remote;                         // "address:port"
  bool tls = false;

  // "" when absent.
  std::string header(const std::string& lower_case_name) const;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static HttpResponse text(unsigned status, std::string body);
};

// A handle on one open WebSocket, usable from any thread. Sends are queued; a peer with more than
// the server's write_queue_limit messages waiting is closed (it reconnects and catches up).
class WebSocketPeer {
 public:
  virtual ~WebSocketPeer() = default;
  virtual void send(std::string text) = 0;
  virtual void close() = 0;
};

struct WebSocketHandlers {
  std::function<void(std::string_view text)> on_message;  // server thread
  std::function<void()> on_closed;                        // server thread, once
};

// The answer to an upgrade request: a refusal (an HTTP response), or on_open to accept it.
struct WebSocketDecision {
  std::optional<HttpResponse> refusal;
  std::function<WebSocketHandlers(std::shared_ptr<WebSocketPeer>)> on_open;
};

class HttpRoutes {
 public:
  virtual ~HttpRoutes() = default;
  virtual HttpResponse handle(const HttpRequest& request) = 0;
  virtual WebSocketDecision upgrade(const HttpRequest& /*request*/) {
    return {HttpResponse::text(404, "no WebSocket endpoint at this path\n"), {}};
  }
};

struct HttpServerConfig {
  std::string name = "web";
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port
  std::optional<TlsFiles> tls;
  std::size_t max_connections = 512;         // more: refused with 503
  std::size_t max_request_bytes = 16 * 1024; // headers and body
  std::size_t max_ws_message_bytes = 16 * 1024;
  std::size_t write_queue_limit = 512;
  std::chrono::seconds idle_timeout{60};     // HTTP keep-alive and WebSocket (pings after half)
};

struct HttpServerStats {
  std::uint64_t requests = 0;
  std::uint64_t websocket_opened = 0;
  std::uint64_t refused = 0;
  std::int64_t connections_open = 0;
  std::int64_t websockets_open = 0;
};

class HttpServer {
 public:
  HttpServer(HttpServerConfig config, std::shared_ptr<HttpRoutes> routes, std::shared_ptr<spdlog::logger> log);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the server's thread; false with a reason (port in use, bad certificate).
  bool start(std::string& error);
  // Closes every connection and joins the thread. Safe to call twice.
  void stop();
  // "http://127.0.0.1:PORT" (https:// with TLS); "" before start().
  std::string base_url() const;
  HttpServerStats stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace rightmoment
