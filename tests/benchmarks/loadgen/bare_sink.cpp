#include "tests/benchmarks/loadgen/bare_sink.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <optional>
#include <thread>

namespace rightmoment::loadgen {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct Session : std::enable_shared_from_this<Session> {
  Session(tcp::socket socket, LatencySamples& samples, std::atomic<std::uint64_t>& received, bool echo)
      : ws(std::move(socket)), samples(samples), received(received), echo(echo) {}
  websocket::stream<tcp::socket> ws;
  beast::flat_buffer buffer;
  std::string reply;
  LatencySamples& samples;
  std::atomic<std::uint64_t>& received;
  bool echo;

  void run() {
    ws.async_accept([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->read();
    });
  }
  void read() {
    ws.async_read(buffer, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;  // closed by the client, or the sink is stopping
      self->on_message();
    });
  }
  void on_message() {
    std::int64_t t = now_ns();
    std::string_view m(static_cast<const char*>(buffer.data().data()), buffer.size());
    std::string_view id = json_string_field(m, "\"event_id\":\"");
    if (!id.empty()) {
      received.fetch_add(1, std::memory_order_relaxed);
      std::int64_t sent = send_time_of_event_id(id);
      if (sent > 0) samples.record(sent, t);
      if (echo && event_id_raises_prompt(id)) {  // one I/O thread: lines never interleave
        std::fwrite(m.data(), 1, m.size(), stdout);
        std::fputc('\n', stdout);
        std::fflush(stdout);
      }
    } else if (m.find("control.sync") != std::string_view::npos) {
      // Everything sent before it on this connection has been read: answer at once (one per connection).
      reply = "{\"type\":\"control.synced\",\"sync_id\":\"" + std::string(json_string_field(m, "\"sync_id\":\"")) + "\"}";
      ws.text(true);
      ws.async_write(asio::buffer(reply), [self = shared_from_this()](beast::error_code, std::size_t) {});
    }
    buffer.consume(buffer.size());
    read();
  }
};


}  // namespace

struct BareSink::Impl {
  Impl(LatencySamples& s, bool e) : samples(s), echo(e) {}
  LatencySamples& samples;
  bool echo;
  asio::io_context io{1};
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  std::atomic<std::uint64_t> received{0};
  std::atomic<double> final_cpu{0};
  std::atomic<bool> done{false};
  std::atomic<int> tid{0};
  unsigned short port = 0;

  void accept() {
    acceptor->async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // the acceptor was closed
      std::make_shared<Session>(std::move(socket), samples, received, echo)->run();
      accept();
    });
  }
};

BareSink::BareSink(LatencySamples& samples, bool echo_prompt_triggers)
    : impl_(std::make_unique<Impl>(samples, echo_prompt_triggers)) {}

BareSink::~BareSink() { stop(); }

bool BareSink::start(std::string& error) {
  auto& d = *impl_;
  beast::error_code ec;
  d.acceptor.emplace(d.io);
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  d.acceptor->open(ep.protocol(), ec);
  if (!ec) d.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) d.acceptor->bind(ep, ec);
  if (!ec) d.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "bare sink: " + ec.message();
    return false;
  }
  d.port = d.acceptor->local_endpoint().port();
  d.accept();
  d.work.emplace(d.io.get_executor());
  d.thread = std::thread([&d] {
    d.tid = static_cast<int>(::gettid());
    d.io.run();
    d.final_cpu = thread_cpu_seconds(pthread_self());
    d.done = true;
  });
  return true;
}

unsigned short BareSink::port() const { return impl_->port; }
int BareSink::thread_id() const { return impl_->tid; }
std::uint64_t BareSink::events_received() const { return impl_->received.load(); }
double BareSink::thread_cpu_s() const {
  auto& d = *impl_;
  if (d.done) return d.final_cpu;
  return d.thread.joinable() ? thread_cpu_seconds(d.thread.native_handle()) : 0.0;
}

void BareSink::stop() {
  auto& d = *impl_;
  if (!d.thread.joinable()) return;
  asio::post(d.io, [&d] {
    beast::error_code ec;
    d.acceptor->close(ec);
  });
  d.work.reset();
  d.io.stop();
  d.thread.join();
}

}  // namespace rightmoment::loadgen
