#pragma once
// One open WebSocket, for the event listeners, the event clients and the web endpoints alike, after
// Beast's chat-multi example: the session owns the stream on a strand of its own, reads one message
// at a time when its user asks (so a user that cannot take more stops reading: backpressure), and
// writes from a bounded queue of shared_ptr<const string> with exactly one write in flight.
//
// - A peer with queue_limit messages waiting, or one that has not taken a message within
//   write_timeout, is disconnected (on_slow_peer first). While a write is stuck, Beast cannot answer
//   a ping or a close either, so the queue limit alone might never be reached.
// - close() sends a close frame once the queued messages are written (and those sent before the frame
//   goes out); force_close() drops the socket.
// - The user holds the session (a session with no read or write pending is held by nothing else).
// - on_ended is called exactly once after start(), whatever ended the session, and then every
//   callback is released (they may hold the user: the cycle ends there).
//
// The layer knows nothing above it: users plug in through the callbacks and count what they count.
// Every member function runs on the session's executor; users post to it from elsewhere.
// Included by .cpp files only: Beast stays out of the plugin's other headers.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace rightmoment::net {

enum class SlowPeer { QueueFull, WriteTimeout };

struct WebSocketSessionOptions {
  std::size_t queue_limit = 512;
  std::chrono::milliseconds write_timeout{std::chrono::seconds(10)};
};

struct WebSocketCallbacks {
  // One message; the view is valid during the call. Call read_next() (now or later) for the next.
  std::function<void(std::string_view data, bool text)> on_message;
  // Before a slow peer is disconnected, with the messages queued for it.
  std::function<void(SlowPeer why, std::size_t queued)> on_slow_peer;
  // Once, after start(), with what ended it.
  std::function<void(const boost::system::error_code& ec)> on_ended;
};

template <typename NextLayer>
class WebSocketSession : public std::enable_shared_from_this<WebSocketSession<NextLayer>> {
 public:
  using Stream = boost::beast::websocket::stream<NextLayer>;

  template <typename... StreamArgs>
  explicit WebSocketSession(WebSocketSessionOptions options, StreamArgs&&... stream_args)
      : options_(options), ws_(std::forward<StreamArgs>(stream_args)...), write_timer_(ws_.get_executor()) {}

  // For the handshake, before start(): its options, accept or handshake, the TLS layer.
  Stream& stream() { return ws_; }
  auto get_executor() { return ws_.get_executor(); }

  // The handshake is done: messages may flow. Reads start with the first read_next().
  void start(WebSocketCallbacks callbacks) {
    callbacks_ = std::move(callbacks);
    started_ = true;
    if (closed_) end(boost::asio::error::operation_aborted);  // closed during the handshake
  }

  // Reads the next message; a no-op while one is being read or the session is closing.
  void read_next() {
    if (in_message_) {
      read_wanted_ = true;
      return;
    }
    if (reading_ || closed_ || close_sent_) return;
    reading_ = true;
    ws_.async_read(buffer_, [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void send(std::shared_ptr<const std::string> text) {
    if (closed_ || close_sent_) return;
    if (queue_.size() >= options_.queue_limit) {
      if (callbacks_.on_slow_peer) callbacks_.on_slow_peer(SlowPeer::QueueFull, queue_.size());
      force_close();
      return;
    }
    queue_.push_back(std::move(text));
    if (queue_.size() == 1) do_write();
  }
  void send(std::string text) { send(std::make_shared<const std::string>(std::move(text))); }

  // A close frame once what is queued is written.
  void close() {
    if (closed_ || close_wanted_) return;
    close_wanted_ = true;
    if (queue_.empty()) do_close();
  }

  // Drops the connection now.
  void force_close() {
    if (closed_) return;
    closed_ = true;
    write_timer_.cancel();
    boost::system::error_code ignored;
    auto& lowest = boost::beast::get_lowest_layer(ws_);
    lowest.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    lowest.close();
    // A pending read or write ends the session with its error; with neither, end it here (posted:
    // the caller may be in the middle of its own work).
    if (started_ && !reading_ && !writing_)
      boost::asio::post(ws_.get_executor(), [self = this->shared_from_this()] {
        self->end(boost::asio::error::operation_aborted);
      });
  }

 private:
  void on_read(const boost::system::error_code& ec) {
    reading_ = false;
    if (ec) return end(ec);
    // A read can complete with a message after force_close() (the frame was already buffered): the
    // message goes with the connection, and with nothing else pending nobody else would end it.
    if (closed_) return end(boost::asio::error::operation_aborted);
    std::string_view data(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    in_message_ = true;
    if (callbacks_.on_message) callbacks_.on_message(data, ws_.got_text());
    in_message_ = false;
    buffer_.consume(buffer_.size());
    if (std::exchange(read_wanted_, false)) read_next();
  }

  void do_write() {
    std::uint64_t this_write = ++writes_started_;
    write_timer_.expires_after(options_.write_timeout);
    write_timer_.async_wait([self = this->shared_from_this(), this_write](const boost::system::error_code& ec) {
      if (ec || self->closed_ || self->writes_started_ != this_write || self->queue_.empty()) return;
      if (self->callbacks_.on_slow_peer) self->callbacks_.on_slow_peer(SlowPeer::WriteTimeout, self->queue_.size());
      self->force_close();
    });
    writing_ = true;
    ws_.text(true);
    ws_.async_write(boost::asio::buffer(*queue_.front()),
                    [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      self->on_write(ec);
                    });
  }

  void on_write(const boost::system::error_code& ec) {
    writing_ = false;
    write_timer_.cancel();
    if (ec) return end(ec);
    queue_.pop_front();
    if (closed_) return end(boost::asio::error::operation_aborted);
    if (!queue_.empty()) return do_write();
    if (close_wanted_) do_close();
  }

  void do_close() {
    if (close_sent_ || closed_) return;
    close_sent_ = true;
    ws_.async_close(boost::beast::websocket::close_code::normal,
                    [self = this->shared_from_this()](const boost::system::error_code&) { self->force_close(); });
  }

  void end(const boost::system::error_code& ec) {
    if (ended_ || !started_) return;
    if (!closed_) force_close();
    ended_ = true;
    write_timer_.cancel();
    auto callbacks = std::move(callbacks_);  // released once this call returns
    callbacks_ = {};
    if (callbacks.on_ended) callbacks.on_ended(ec);
  }

  WebSocketSessionOptions options_;
  Stream ws_;
  boost::beast::flat_buffer buffer_;
  boost::asio::steady_timer write_timer_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  WebSocketCallbacks callbacks_;
  std::uint64_t writes_started_ = 0;
  bool started_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool in_message_ = false;
  bool read_wanted_ = false;
  bool close_wanted_ = false;
  bool close_sent_ = false;
  bool closed_ = false;
  bool ended_ = false;
};

}  // namespace rightmoment::net
