// Cross-host fan-out: the time between a prompt raised on one host (its host callback) and its card
// on an agent's page served by another host, through the PostgreSQL prompt bus (LISTEN/NOTIFY).
// Two plugin instances (two hosts) in one process share a real PostgreSQL server started in a
// temporary folder; the agent has a page (a real WebSocket client) on each host, so that the same
// prompt's arrival on its own host's page gives the baseline and the difference is what the bus adds.
// One prompt at a time (a screen pop per new call), so the figure is latency, not queueing.
// Prints p50/p99 of both and the added p99; a benchmark figure, never a test (docs/performance.md).
#include <rightmoment/plugin.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/postgres_server.hpp"

namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;
namespace sdk = rightmoment::sdk;

constexpr const char* kAgent = "agent-bench";

// When each prompt id was first seen, per place (the raising host's callback, a page).
class Arrivals {
 public:
  void seen(const std::string& place, const std::string& prompt_id) {
    std::lock_guard lock(m_);
    times_[place].emplace(prompt_id, Clock::now());
    cv_.notify_all();
  }
  // The time at each place, once prompt_id was seen at all of them; false after 5 s.
  bool wait(const std::string& prompt_id, const std::vector<std::string>& places, std::vector<Clock::time_point>& out) {
    std::unique_lock lock(m_);
    bool ok = cv_.wait_for(lock, std::chrono::seconds(5), [&] {
      return std::all_of(places.begin(), places.end(), [&](const std::string& p) { return times_[p].count(prompt_id) > 0; });
    });
    if (!ok) return false;
    out.clear();
    for (const auto& p : places) out.push_back(times_[p][prompt_id]);
    return true;
  }
  std::string prompt_of(const std::string& interaction_id) {
    std::unique_lock lock(m_);
    cv_.wait_for(lock, std::chrono::seconds(5), [&] { return by_interaction_.count(interaction_id) > 0; });
    auto it = by_interaction_.find(interaction_id);
    return it == by_interaction_.end() ? "" : it->second;
  }
  void raised(const std::string& interaction_id, const std::string& prompt_id) {
    std::lock_guard lock(m_);
    times_["raised"].emplace(prompt_id, Clock::now());
    by_interaction_.emplace(interaction_id, prompt_id);
    cv_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::map<std::string, std::map<std::string, Clock::time_point>> times_;
  std::map<std::string, std::string> by_interaction_;
};

// An agent's page: the pop-up's WebSocket, read on its own thread.
class Page {
 public:
  Page(const std::string& link, std::string place, Arrivals& arrivals) : place_(std::move(place)), arrivals_(arrivals) {
    // link: http://127.0.0.1:PORT/agent?QUERY
    auto host_start = link.find("://") + 3;
    auto path_start = link.find('/', host_start);
    std::string hostport = link.substr(host_start, path_start - host_start);
    std::string query = link.substr(link.find('?', path_start));
    auto colon = hostport.rfind(':');
    tcp::resolver resolver(ioc_);
    boost::asio::connect(ws_.next_layer(), resolver.resolve(hostport.substr(0, colon), hostport.substr(colon + 1)));
    std::string origin = "http://" + hostport;
    ws_.set_option(websocket::stream_base::decorator(
        [origin](websocket::request_type& req) { req.set(beast::http::field::origin, origin); }));
    ws_.handshake(hostport, "/agent/ws" + query);
    reader_ = std::thread([this] { read_loop(); });
  }
  ~Page() {
    beast::error_code ec;
    ws_.next_layer().shutdown(tcp::socket::shutdown_both, ec);
    ws_.next_layer().close(ec);
    if (reader_.joinable()) reader_.join();
  }

 private:
  void read_loop() {
    beast::flat_buffer buffer;
    beast::error_code ec;
    while (true) {
      ws_.read(buffer, ec);
      if (ec) return;
      Json m = Json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
      buffer.consume(buffer.size());
      if (m.is_object() && m.value("type", "") == "prompt" && m.contains("prompt") && m["prompt"].is_object())
        arrivals_.seen(place_, m["prompt"].value("prompt_id", ""));
    }
  }
  boost::asio::io_context ioc_;
  websocket::stream<tcp::socket> ws_{ioc_};
  std::string place_;
  Arrivals& arrivals_;
  std::thread reader_;
};

std::string config(const std::string& name, const std::string& store) {
  return Json{{"instance_name", name},
              {"log", {{"level", "warn"}}},
              {"history", {{"store", store}}},
              {"rules", {{"files", {std::string(RIGHTMOMENT_SOURCE_DIR) + "/config/rules/default.rules.jsonc"}},
                         {"lexicons", std::string(RIGHTMOMENT_SOURCE_DIR) + "/config/lexicons"}}},
              {"listeners", Json::array()},
              {"popup", {{"address", "127.0.0.1"}, {"port", 0}, {"link_secret", "fanout-bench-secret-0123456789"}}}}
      .dump();
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

void BM_CrossHostFanout(benchmark::State& state) {
  rightmoment::testing::PostgresServer server;
  if (!server.ok()) {
    state.SkipWithError("PostgreSQL is not installed (.ci/setup installs it)");
    return;
  }
  Arrivals arrivals;
  sdk::Library lib(RIGHTMOMENT_PLUGIN_PATH);
  auto on_prompt = [&arrivals](std::string_view json) {
    Json p = Json::parse(json, nullptr, false);
    if (p.is_object() && p.value("kind", "") == "screen_pop") arrivals.raised(p.value("interaction_id", ""), p.value("prompt_id", ""));
  };
  sdk::Plugin raising(lib, sdk::ConfigText{config("bench-a", server.url())}, sdk::Callbacks{on_prompt, nullptr});
  sdk::Plugin serving(lib, sdk::ConfigText{config("bench-b", server.url())});
  raising.start();
  serving.start();
  Page own(raising.mint_agent_link(kAgent), "own", arrivals);
  Page other(serving.mint_agent_link(kAgent), "other", arrivals);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // both buses listening

  std::vector<double> own_ms, other_ms;
  int n = 0;
  for (auto _ : state) {
    std::string id = "fanout-" + std::to_string(n++);
    std::string ts = "2026-11-22T10:00:00.000Z";
    raising.submit_event(R"({"event_id":"s","type":"interaction.started","interaction_id":")" + id + R"(","ts":")" + ts +
                         R"(","channel":"chat","direction":"inbound","customer":{"email":"nobody@example.com"}})");
    raising.submit_event(R"({"event_id":"j","type":"agent.joined","interaction_id":")" + id + R"(","ts":")" + ts +
                         R"(","agent_id":")" + kAgent + R"("})");
    std::string prompt = arrivals.prompt_of(id);
    std::vector<Clock::time_point> t;
    if (prompt.empty() || !arrivals.wait(prompt, {"raised", "own", "other"}, t)) {
      state.SkipWithError("a screen pop did not reach both pages within 5 s");
      break;
    }
    auto ms = [](Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
    own_ms.push_back(ms(t[1] - t[0]));
    other_ms.push_back(ms(t[2] - t[0]));
    state.SetIterationTime(std::chrono::duration<double>(t[2] - t[0]).count());
    raising.submit_event(R"({"event_id":"e","type":"interaction.ended","interaction_id":")" + id + R"(","ts":")" + ts + R"("})");
  }
  raising.stop();
  serving.stop();
  state.counters["own_host_p50_ms"] = percentile(own_ms, 0.50);
  state.counters["own_host_p99_ms"] = percentile(own_ms, 0.99);
  state.counters["other_host_p50_ms"] = percentile(other_ms, 0.50);
  state.counters["other_host_p99_ms"] = percentile(other_ms, 0.99);
  state.counters["fanout_added_p99_ms"] = percentile(other_ms, 0.99) - percentile(own_ms, 0.99);
}

// A fixed number of prompts, one at a time (RIGHTMOMENT_FANOUT_PROMPTS, default 500).
int prompts() {
  const char* v = std::getenv("RIGHTMOMENT_FANOUT_PROMPTS");
  return v ? std::max(1, std::atoi(v)) : 500;
}
BENCHMARK(BM_CrossHostFanout)->UseManualTime()->Iterations(prompts())->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
