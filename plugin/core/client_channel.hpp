#pragma once
// A client adapter that runs its own channel (Genesys notifications: an OAuth token, a channel and
// its subscriptions over REST, then the channel's WebSocket) says what it needs through
// ChannelDriver, and the transport answers through ChannelController. The controller holds no
// socket and no timer of its own, so that it is tested with a fake driver and a fake clock; the
// transport calls both sides from one strand, so neither needs a lock.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plugin/core/event_time.hpp"

namespace rightmoment {

struct HttpCallRequest {
  std::string method;  // GET, POST, PUT, DELETE
  std::string url;     // http:// or https://
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpCallResponse {
  int status = 0;                              // 0: no answer (resolve, connect, TLS, timeout, too large)
  std::string error;                           // why, when status is 0
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
};

enum class ChannelLog { Info, Warning, Error };

class ChannelDriver {
 public:
  virtual ~ChannelDriver() = default;
  // Sends a request; its answer comes to ChannelController::on_http with the id returned here.
  virtual std::uint64_t http(HttpCallRequest request) = 0;
  // Opens a WebSocket to url (ws:// or wss://); the answer is on_socket_open or on_socket_closed
  // with the id returned here. Other sockets stay open until close_socket: a replacement can be made
  // ready before the old one goes.
  virtual std::uint64_t open_socket(const std::string& url) = 0;
  virtual void close_socket(std::uint64_t socket) = 0;  // silent: no on_socket_closed for it
  // Calls on_wake after delay (one wake pending at a time: a later call replaces an earlier one).
  virtual void wake_after(std::chrono::milliseconds delay) = 0;
  // The client's reconnect backoff with jitter for the nth consecutive failure (from 0).
  virtual std::chrono::milliseconds backoff(int attempt) = 0;
  // Into the plugin's log, with the client's name. Never pass a secret or a token.
  virtual void log(ChannelLog level, std::string_view message) = 0;
};

class ChannelController {
 public:
  virtual ~ChannelController() = default;
  // now is the wall clock in ms since the epoch (channel lifetimes and tokens are wall-clock facts).
  virtual void start(ChannelDriver& driver, EventTimeMs now) = 0;
  virtual void on_http(std::uint64_t request, const HttpCallResponse& response, EventTimeMs now) = 0;
  virtual void on_socket_open(std::uint64_t socket, EventTimeMs now) = 0;
  // A socket failed to open or closed; refused_status is the HTTP status of a refused upgrade, else 0.
  virtual void on_socket_closed(std::uint64_t socket, int refused_status, EventTimeMs now) = 0;
  virtual void on_wake(EventTimeMs now) = 0;
  // The transport is stopping: no call on the driver after this.
  virtual void stop() = 0;
};

}  // namespace rightmoment
