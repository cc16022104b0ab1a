#include "sdk/host/replay/replay_client.hpp"

#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <fstream>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugin/core/event_time.hpp"

namespace rightmoment {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

struct Line {
  std::size_t number;
  std::string text;
  std::optional<EventTimeMs> ts;
};

class Replay {
 public:
  Replay(net::io_context& ioc, std::vector<Line> lines, double speed, std::ostream& err)
      : ioc_(ioc), ws_(ioc), timer_(ioc), deadline_(ioc), lines_(std::move(lines)), speed_(speed), err_(err) {}

  int run(const std::string& host, const std::string& port, const std::string& target) {
    tcp::resolver resolver(ioc_);
    beast::error_code ec;
    auto results = resolver.resolve(host, port, ec);
    if (!ec) net::connect(ws_.next_layer(), results, ec);
    if (!ec) ws_.handshake(host + ":" + port, target, ec);
    if (ec) {
      err_ << "replay: cannot connect to ws://" << host << ":" << port << target << ": " << ec.message() << "\n";
      return 1;
    }
    ws_.text(true);
    do_read();
    send_next();
    ioc_.run();
    if (!synced_) {
      err_ << "replay: " << (failure_.empty() ? "the plugin did not confirm that every event was processed" : failure_)
           << "\n";
      return 1;
    }
    err_ << "replay: " << sent_ << " events sent, " << rejected_ << " refused by the plugin\n";
    return 0;
  }

 private:
  void send_next() {
    if (next_ >= lines_.size()) return send_sync();
    const Line& line = lines_[next_];
    if (speed_ > 0 && line.ts && previous_ts_ && *line.ts > *previous_ts_) {
      auto gap = std::chrono::microseconds(static_cast<std::int64_t>(double(*line.ts - *previous_ts_) * 1000.0 / speed_));
      if (line.ts) previous_ts_ = line.ts;
      timer_.expires_after(gap);
      timer_.async_wait([this](beast::error_code ec) {
        if (!ec) write_current();
      });
      return;
    }
    if (line.ts) previous_ts_ = line.ts;
    write_current();
  }

  void write_current() {
    ws_.async_write(net::buffer(lines_[next_].text), [this](beast::error_code ec, std::size_t) {
      if (ec) return fail("sending an event failed: " + ec.message());
      ++sent_;
      ++next_;
      send_next();
    });
  }

  void send_sync() {
    sync_message_ = nlohmann::json{{"type", "control.sync"}, {"sync_id", sync_id_}}.dump();
    ws_.async_write(net::buffer(sync_message_), [this](beast::error_code ec, std::size_t) {
      if (ec) return fail("sending the sync failed: " + ec.message());
      // Generous: the plugin answers once every prompt has been delivered.
      deadline_.expires_after(std::chrono::seconds(120));
      deadline_.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec) fail("no control.synced within 120 s");
      });
    });
  }

  void do_read() {
    ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
      if (ec) {
        if (!synced_) fail("the connection closed: " + ec.message());
        return;
      }
      auto reply = nlohmann::json::parse(beast::buffers_to_string(buffer_.data()), nullptr, false);
      buffer_.consume(buffer_.size());
      if (!reply.is_discarded() && reply.is_object()) {
        std::string type = reply.value("type", "");
        if (type == "control.synced" && reply.value("sync_id", "") == sync_id_) {
          synced_ = true;
          deadline_.cancel();
          timer_.cancel();
          beast::error_code ignored;
          ws_.close(websocket::close_code::normal, ignored);
          return;
        }
        if (type == "error") {
          ++rejected_;
          std::string id = reply.contains("event_id") && reply["event_id"].is_string() ? reply["event_id"].get<std::string>()
                                                                                     : std::string("?");
          err_ << "replay: the plugin refused event " << id << ": " << reply.value("code", "") << ": "
               << reply.value("message", "") << "\n";
        }
      }
      do_read();
    });
  }

  void fail(const std::string& why) {
    if (failure_.empty()) failure_ = why;
    timer_.cancel();
    deadline_.cancel();
    beast::get_lowest_layer(ws_).close();
  }

  net::io_context& ioc_;
  websocket::stream<tcp::socket> ws_;
  net::steady_timer timer_;
  net::steady_timer deadline_;
  beast::flat_buffer buffer_;
  std::vector<Line> lines_;
  double speed_;
  std::ostream& err_;
  std::size_t next_ = 0;
  std::optional<EventTimeMs> previous_ts_;
  std::size_t sent_ = 0;
  std::size_t rejected_ = 0;
  bool synced_ = false;
  std::string failure_;
  std::string sync_id_ = "replay-end";
  std::string sync_message_;
};

}  // namespace

int run_replay(const std::string& url, const std::string& events_path, double speed, std::ostream& err) {
  std::ifstream in(events_path);
  if (!in) {
    err << "replay: cannot read " << events_path << "\n";
    return 1;
  }
  std::vector<Line> lines;
  std::string text;
  std::size_t number = 0;
  while (std::getline(in, text)) {
    ++number;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    Line line{number, text, std::nullopt};
    if (speed > 0) {
      auto j = nlohmann::json::parse(text, nullptr, false);
      if (j.is_object() && j.contains("ts") && j["ts"].is_string()) line.ts = parse_rfc3339(j["ts"].get<std::string>());
    }
    lines.push_back(std::move(line));
  }
  if (url.rfind("ws://", 0) != 0) {
    err << "replay: the generic listener must be ws:// for the replay (got " << url << ")\n";
    return 1;
  }
  std::string rest = url.substr(5);
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string target = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = authority.rfind(':');
  std::string host = authority.substr(0, colon);
  std::string port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  net::io_context ioc;
  Replay replay(ioc, std::move(lines), speed, err);
  return replay.run(host, port, target);
}

}  // namespace rightmoment
