#pragma once
// A blocking WebSocket client for tests that talk to a listener of the real plugin over loopback:
// the generic listener's events and drain barrier, or the pop-up's page socket. One thread, no
// Asio run loop: every call returns when its frame is written or read.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <fstream>
#include <string>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace rightmoment::testing {

struct WsUrl {
  std::string host, port, target;
};

// ws://host:port/target (or http://, for the pop-up's base URL with a target after it).
inline WsUrl parse_ws_url(const std::string& url) {
  auto scheme = url.find("://");
  auto rest = url.substr(scheme == std::string::npos ? 0 : scheme + 3);
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  auto colon = authority.rfind(':');
  return {authority.substr(0, colon), authority.substr(colon + 1), slash == std::string::npos ? "/" : rest.substr(slash)};
}

class EventSocket {
 public:
  explicit EventSocket(const std::string& url, const std::string& origin = "") : ws_(ioc_) {
    WsUrl u = parse_ws_url(url);
    boost::beast::get_lowest_layer(ws_).connect(boost::asio::ip::tcp::resolver(ioc_).resolve(u.host, u.port));
    if (!origin.empty())
      ws_.set_option(boost::beast::websocket::stream_base::decorator(
          [origin](boost::beast::websocket::request_type& req) { req.set(boost::beast::http::field::origin, origin); }));
    ws_.handshake(u.host + ":" + u.port, u.target);
  }
  void send(const std::string& text) { ws_.write(boost::asio::buffer(text)); }
  std::string read() {
    boost::beast::flat_buffer buffer;
    ws_.read(buffer);
    return boost::beast::buffers_to_string(buffer.data());
  }
  // Waits until everything sent so far is processed, delivered and committed; returns the error
  // replies that came back meanwhile.
  int sync(const std::string& id) {
    send(R"({"type":"control.sync","sync_id":")" + id + "\"}");
    int errors = 0;
    for (;;) {
      auto reply = nlohmann::json::parse(read());
      if (reply.value("type", "") == "error") ++errors;
      if (reply.value("type", "") == "control.synced" && reply.value("sync_id", "") == id) return errors;
    }
  }
  void close() {
    boost::beast::error_code ec;
    ws_.close(boost::beast::websocket::close_code::normal, ec);
  }

 private:
  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
};

// Resident memory of this process (the plugin is loaded in it), from /proc/self/statm.
inline long resident_kib() {
  std::ifstream in("/proc/self/statm");
  long size = 0, resident = 0;
  in >> size >> resident;
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

}  // namespace rightmoment::testing
