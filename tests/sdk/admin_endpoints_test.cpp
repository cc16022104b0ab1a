// The admin endpoints of the real plugin (loaded through the SDK), scraped over real HTTP while real
// events flow over a real WebSocket: /metrics parsed by a strict Prometheus text parser, /healthz,
// /readyz; bad HTTP input refused without disturbing anything; mint_agent_link through the ABI. /metrics
// and /status agree figure for figure, and docs/operations.md names exactly the series /metrics has.
#include <rightmoment/plugin.hpp>

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/prometheus_text.hpp"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;
using rightmoment::testing::parse_prometheus_text;

std::string tmp_dir() {
  const char* tmp = std::getenv("RIGHTMOMENT_TEST_TMP");
  return tmp ? tmp : "/tmp";
}

std::string config_text(const std::string& db, bool popup) {
  std::string text = R"({"history":{"store":"sqlite:)" + tmp_dir() + "/" + db + R"("},
      "rules":{"files":[")" RIGHTMOMENT_SOURCE_DIR R"(/config/rules/default.rules.jsonc"],
               "lexicons":")" RIGHTMOMENT_SOURCE_DIR R"(/config/lexicons"},
      "listeners":[{"name":"generic","adapter":"generic","port":0,"auth":{"mode":"none"}}],
      "admin":{"port":0})";
  if (popup) text += R"(, "popup":{"port":0,"link_secret":"0123456789abcdef-test","supervisor":{}})";
  return text + "}";
}

struct Url {
  std::string host, port, target;
};
Url parse_url(const std::string& url) {
  auto scheme = url.find("://");
  auto rest = url.substr(scheme + 3);
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  auto colon = authority.rfind(':');
  return {authority.substr(0, colon), authority.substr(colon + 1), slash == std::string::npos ? "/" : rest.substr(slash)};
}

struct HttpResult {
  unsigned status = 0;
  std::string body;
};

HttpResult http_request(const std::string& base, http::verb verb, const std::string& target) {
  net::io_context ioc;
  Url u = parse_url(base);
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::resolver(ioc).resolve(u.host, u.port));
  http::request<http::empty_body> req{verb, target, 11};
  req.set(http::field::host, u.host + ":" + u.port);
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return {res.result_int(), res.body()};
}

HttpResult get(const std::string& base, const std::string& target) { return http_request(base, http::verb::get, target); }

// Bytes in, whatever comes back until the server closes.
std::string raw_exchange(const std::string& base, const std::string& bytes) {
  net::io_context ioc;
  Url u = parse_url(base);
  tcp::socket socket(ioc);
  net::connect(socket, tcp::resolver(ioc).resolve(u.host, u.port));
  beast::error_code ec;
  net::write(socket, net::buffer(bytes), ec);  // the server may answer and stop reading before the end
  std::string out;
  char buf[4096];
  for (;;) {
    std::size_t n = socket.read_some(net::buffer(buf), ec);
    if (ec) break;
    out.append(buf, n);
  }
  return out;
}

class EventSocket {
 public:
  explicit EventSocket(const std::string& url) : ws_(ioc_) {
    Url u = parse_url(url);
    beast::get_lowest_layer(ws_).connect(tcp::resolver(ioc_).resolve(u.host, u.port));
    ws_.handshake(u.host + ":" + u.port, u.target);
  }
  void send(const std::string& text) { ws_.write(net::buffer(text)); }
  // Waits until everything sent so far is processed and its prompts delivered.
  void sync(const std::string& id) {
    send(R"({"type":"control.sync","sync_id":")" + id + "\"}");
    for (;;) {
      beast::flat_buffer buffer;
      ws_.read(buffer);
      auto reply = nlohmann::json::parse(beast::buffers_to_string(buffer.data()));
      if (reply.value("type", "") == "control.synced" && reply.value("sync_id", "") == id) return;
    }
  }

 private:
  net::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_;
};

struct Started {
  rightmoment::sdk::Library lib{RIGHTMOMENT_PLUGIN_PATH};
  std::vector<std::string> prompts;
  std::mutex mutex;
  std::unique_ptr<rightmoment::sdk::Plugin> plugin;
  nlohmann::json status;
  std::string admin, events;

  Started(const std::string& db, bool popup) {
    std::remove((tmp_dir() + "/" + db).c_str());
    plugin = std::make_unique<rightmoment::sdk::Plugin>(
        lib, rightmoment::sdk::ConfigText{config_text(db, popup)},
        rightmoment::sdk::Callbacks{[this](std::string_view json) {
                                      std::lock_guard lock(mutex);
                                      prompts.emplace_back(json);
                                    },
                                    nullptr});
    plugin->start();
    status = nlohmann::json::parse(plugin->status_json());
    admin = status["admin"]["url"];
    events = status["listeners"][0]["url"];
  }
};

TEST(AdminEndpoints, MetricsMoveAsEventsFlowAndParseStrictly) {
  Started s("admin_metrics_test.db", false);
  EXPECT_EQ(get(s.admin, "/healthz").status, 200u);
  auto ready = get(s.admin, "/readyz");
  EXPECT_EQ(ready.status, 200u) << ready.body;

  auto before = parse_prometheus_text(get(s.admin, "/metrics").body);
  EXPECT_EQ(before.value("rightmoment_up"), 1);
  EXPECT_EQ(before.value("rightmoment_events_received_total{adapter=\"generic\",type=\"utterance\"}"), 0);
  EXPECT_EQ(before.value("rightmoment_event_to_prompt_seconds_count"), 0);

  EventSocket ws(s.events);
  ws.send(R"({"event_id":"m1","type":"interaction.started","interaction_id":"adm-1","ts":"2026-11-22T10:00:00Z",
              "channel":"voice","direction":"inbound","customer":{"phone":"+15550000000"}})");
  ws.send(R"({"event_id":"m2","type":"agent.joined","interaction_id":"adm-1","ts":"2026-11-22T10:00:05Z","agent_id":"a-1"})");
  ws.send(R"({"event_id":"m3","type":"utterance","interaction_id":"adm-1","ts":"2026-11-22T10:00:09Z","speaker":"customer",
              "text":"This is ridiculous, I am sick and tired of chasing you about this."})");
  ws.send(R"({"event_id":"m4","type":"utterance","interaction_id":"adm-1","ts":"nonsense","speaker":"customer","text":"x"})");
  ws.sync("s1");

  auto during = parse_prometheus_text(get(s.admin, "/metrics").body);
  EXPECT_EQ(during.value("rightmoment_events_received_total{adapter=\"generic\",type=\"utterance\"}"), 1);
  EXPECT_EQ(during.value("rightmoment_events_received_total{adapter=\"generic\",type=\"interaction.started\"}"), 1);
  EXPECT_EQ(during.value("rightmoment_events_processed_total{type=\"agent.joined\"}"), 1);
  EXPECT_EQ(during.sum("rightmoment_events_rejected_total"), 1);
  EXPECT_EQ(during.value("rightmoment_active_interactions"), 1);
  EXPECT_EQ(during.value("rightmoment_connections_open{kind=\"events\"}"), 1);
  EXPECT_EQ(during.value("rightmoment_prompts_by_kind_total{kind=\"screen_pop\"}"), 1);
  EXPECT_EQ(during.value("rightmoment_prompts_by_rule_total{rule=\"frustration\"}"), 1);
  EXPECT_GE(during.value("rightmoment_event_to_prompt_seconds_count"), 2);
  EXPECT_GE(during.value("rightmoment_store_lookup_seconds_count"), 1);
  EXPECT_EQ(during.value("rightmoment_store_reachable"), 1);

  std::string prompt_id;
  {
    std::lock_guard lock(s.mutex);
    ASSERT_FALSE(s.prompts.empty());
    prompt_id = nlohmann::json::parse(s.prompts.back())["prompt_id"];
  }
  s.plugin->submit_feedback(R"({"type":"prompt.feedback","prompt_id":")" + prompt_id + R"(","action":"accepted","agent_id":"a-1"})");
  ws.send(R"({"event_id":"m5","type":"interaction.ended","interaction_id":"adm-1","ts":"2026-11-22T10:01:00Z"})");
  ws.sync("s2");
  s.plugin->drain(10000);

  auto after = parse_prometheus_text(get(s.admin, "/metrics").body);
  EXPECT_EQ(after.value("rightmoment_feedback_total{action=\"accepted\"}"), 1);
  EXPECT_EQ(after.value("rightmoment_active_interactions"), 0);
  EXPECT_GE(after.value("rightmoment_outcome_written_total"), 3);

  // The status call carries the same figures as JSON.
  auto status = nlohmann::json::parse(s.plugin->status_json());
  EXPECT_EQ(status["transport"]["events_by_adapter"]["generic"]["utterance"], 1);
  EXPECT_EQ(status["metrics"]["feedback_by_action"]["accepted"], 1);
  s.plugin->stop();
}

// A known run: a call with a screen pop, a refused event, an agent's answer, the end.
void known_run(Started& s) {
  EventSocket ws(s.events);
  ws.send(R"({"event_id":"k1","type":"interaction.started","interaction_id":"known-1","ts":"2026-11-22T10:00:00Z",
              "channel":"voice","direction":"inbound","customer":{"phone":"+15550000001"}})");
  ws.send(R"({"event_id":"k2","type":"agent.joined","interaction_id":"known-1","ts":"2026-11-22T10:00:05Z","agent_id":"a-1"})");
  ws.send(R"({"event_id":"k3","type":"utterance","interaction_id":"known-1","ts":"2026-11-22T10:00:09Z","speaker":"customer",
              "text":"This is ridiculous, I am sick and tired of chasing you about this."})");
  ws.send(R"({"event_id":"k4","type":"utterance","interaction_id":"known-1","ts":"nonsense","speaker":"customer","text":"x"})");
  ws.sync("k-s1");
  std::string prompt_id;
  {
    std::lock_guard lock(s.mutex);
    ASSERT_FALSE(s.prompts.empty());
    prompt_id = nlohmann::json::parse(s.prompts.back())["prompt_id"];
  }
  s.plugin->submit_feedback(R"({"type":"prompt.feedback","prompt_id":")" + prompt_id + R"(","action":"dismissed","agent_id":"a-1"})");
  ws.send(R"({"event_id":"k5","type":"interaction.ended","interaction_id":"known-1","ts":"2026-11-22T10:01:00Z"})");
  ws.sync("k-s2");
  s.plugin->drain(10000);
}

// Where each /metrics family's figures are in the status JSON: a number at `path`, or (with `label`)
// an object {label value: number} at `path`.
struct StatusFigure {
  const char* family;
  const char* path;
  const char* label;
};
const StatusFigure kFigures[] = {
    {"rightmoment_events_processed_total", "/metrics/events_by_type", "type"},
    {"rightmoment_events_rejected_total", "/metrics/rejections_by_code", "reason"},
    {"rightmoment_messages_ignored_total", "/metrics/ignored_by_reason", "reason"},
    {"rightmoment_events_duplicate_total", "/metrics/duplicate_events", nullptr},
    {"rightmoment_events_late_total", "/metrics/late_events", nullptr},
    {"rightmoment_inbox_full_total", "/metrics/inbox_full", nullptr},
    {"rightmoment_messages_total", "/transport/messages_by_adapter", "adapter"},
    {"rightmoment_active_interactions", "/metrics/active_interactions", nullptr},
    {"rightmoment_interactions_started_total", "/metrics/interactions_started", nullptr},
    {"rightmoment_interactions_evicted_total", "/metrics/interactions_evicted_by_reason", "reason"},
    {"rightmoment_interactions_resumed_total", "/metrics/interactions_resumed", nullptr},
    {"rightmoment_prompts_not_raised_again_total", "/metrics/prompts_not_raised_again", nullptr},
    {"rightmoment_record_lookup_failures_total", "/metrics/record_lookup_failures", nullptr},
    {"rightmoment_limit_applied_total", "/metrics/limits_applied", "collection"},
    {"rightmoment_timers_pending", "/metrics/timers_pending", nullptr},
    {"rightmoment_connections_handshaking", "/transport/connections_handshaking", nullptr},
    {"rightmoment_connections_accepted_total", "/transport/connections_accepted", nullptr},
    {"rightmoment_connections_refused_total", "/transport/connections_refused", nullptr},
    {"rightmoment_slow_consumers_disconnected_total", "/transport/slow_consumers_disconnected", nullptr},
    {"rightmoment_client_reconnects_total", "/transport/client_reconnects", nullptr},
    {"rightmoment_syncs_waited_total", "/transport/syncs_waited", nullptr},
    {"rightmoment_popup_cards", "/popup/cards_active", nullptr},
    {"rightmoment_popup_cards_evicted_total", "/popup/cards_evicted", nullptr},
    {"rightmoment_popup_cards_refused_total", "/popup/cards_refused", nullptr},
    {"rightmoment_popup_pages_refused_total", "/popup/pages_refused", nullptr},
    {"rightmoment_supervisor_interactions_live", "/supervisor/interactions_live", nullptr},
    {"rightmoment_supervisor_alerts_suppressed_total", "/supervisor/alerts_suppressed", nullptr},
    {"rightmoment_supervisor_remote_refused_total", "/supervisor/remote_refused", nullptr},
    {"rightmoment_prompts_by_rule_total", "/metrics/prompts_by_rule", "rule"},
    {"rightmoment_prompts_by_kind_total", "/metrics/prompts_by_kind", "kind"},
    {"rightmoment_prompts_delivered_total", "/metrics/prompts_delivered", nullptr},
    {"rightmoment_prompts_dropped_total", "/metrics/prompts_dropped", nullptr},
    {"rightmoment_prompts_held_out_total", "/metrics/prompts_held_out", nullptr},
    {"rightmoment_prompts_capped_total", "/metrics/prompts_capped", nullptr},
    {"rightmoment_handovers_total", "/metrics/handovers", nullptr},
    {"rightmoment_feedback_total", "/metrics/feedback_by_action", "action"},
    {"rightmoment_expression_errors_total", "/metrics/expression_errors", "rule"},
    {"rightmoment_store_reachable", "/metrics/store_reachable", nullptr},
    {"rightmoment_lookups_total", "/metrics/lookups", nullptr},
    {"rightmoment_lookup_failures_total", "/metrics/lookup_failures", nullptr},
    {"rightmoment_lookup_budget_exceeded_total", "/metrics/lookup_budget_exceeded", nullptr},
    {"rightmoment_outcome_written_total", "/metrics/outcome_written", nullptr},
    {"rightmoment_outcome_dropped_total", "/metrics/outcome_dropped", nullptr},
    {"rightmoment_outcome_write_failures_total", "/metrics/outcome_write_failures", nullptr},
    {"rightmoment_queue_depth", "/metrics/queue_depth", "queue"},
};

double number(const nlohmann::json& v) { return v.is_boolean() ? (v.get<bool>() ? 1 : 0) : v.get<double>(); }

// Every series /metrics exports has the status JSON's figure, and every family is accounted for.
void expect_same_figures(const nlohmann::json& status, const rightmoment::testing::PrometheusText& m) {
  std::set<std::string> checked;
  for (const auto& f : kFigures) {
    checked.insert(f.family);
    const auto& v = status.at(nlohmann::json::json_pointer(f.path));
    if (!f.label) {
      EXPECT_EQ(m.value(f.family, -1), number(v)) << f.family;
      continue;
    }
    for (const auto& [key, n] : v.items())
      EXPECT_EQ(m.value(std::string(f.family) + "{" + f.label + "=\"" + key + "\"}", -1), number(n)) << f.family << " " << key;
    EXPECT_EQ(m.sum(f.family), [&] { double t = 0; for (const auto& [k, n] : v.items()) t += number(n); return t; }())
        << f.family << ": a series /status does not have";
  }
  checked.insert("rightmoment_up");
  EXPECT_EQ(m.value("rightmoment_up"), status["state"] == "started" ? 1 : 0);
  checked.insert("rightmoment_events_received_total");
  double received = 0;
  for (const auto& [adapter, types] : status["transport"]["events_by_adapter"].items())
    for (const auto& [type, n] : types.items()) {
      received += number(n);
      EXPECT_EQ(m.value("rightmoment_events_received_total{adapter=\"" + adapter + "\",type=\"" + type + "\"}", -1), number(n));
    }
  EXPECT_EQ(m.sum("rightmoment_events_received_total"), received);
  checked.insert("rightmoment_connections_open");
  EXPECT_EQ(m.value("rightmoment_connections_open{kind=\"events\"}", -1), number(status["transport"]["connections_open"]));
  EXPECT_EQ(m.value("rightmoment_connections_open{kind=\"popup\"}", -1), number(status["popup"]["pages_open"]));
  EXPECT_EQ(m.value("rightmoment_connections_open{kind=\"supervisor\"}", -1), number(status["supervisor"]["pages_open"]));
  // The bus runs only on a PostgreSQL store shared by several hosts; without one its series are 0.
  const nlohmann::json bus = status.contains("bus") ? status["bus"]
                                                    : nlohmann::json{{"connected", false}, {"published", 0}, {"received", 0},
                                                                     {"dropped", 0}, {"reconnects", 0}};
  for (const char* family : {"rightmoment_bus_connected", "rightmoment_bus_messages_total", "rightmoment_bus_dropped_total",
                             "rightmoment_bus_reconnects_total"})
    checked.insert(family);
  EXPECT_EQ(m.value("rightmoment_bus_connected", -1), number(bus["connected"]));
  EXPECT_EQ(m.value("rightmoment_bus_messages_total{direction=\"published\"}", -1), number(bus["published"]));
  EXPECT_EQ(m.value("rightmoment_bus_messages_total{direction=\"received\"}", -1), number(bus["received"]));
  EXPECT_EQ(m.value("rightmoment_bus_dropped_total", -1), number(bus["dropped"]));
  EXPECT_EQ(m.value("rightmoment_bus_reconnects_total", -1), number(bus["reconnects"]));
  for (const auto& [family, json_key] : {std::pair{"rightmoment_event_to_prompt_seconds", "event_to_prompt_latency"},
                                         std::pair{"rightmoment_store_lookup_seconds", "store_lookup_latency"}}) {
    checked.insert(family);
    const auto& h = status["metrics"][json_key];
    EXPECT_EQ(m.value(std::string(family) + "_count", -1), number(h["count"])) << family;
    EXPECT_DOUBLE_EQ(m.value(std::string(family) + "_sum", -1), number(h["sum_us"]) / 1e6) << family;
    for (const auto& b : h["buckets"]) {
      std::ostringstream le;
      le.precision(9);
      le << number(b[0]) / 1e6;
      EXPECT_EQ(m.value(std::string(family) + "_bucket{le=\"" + le.str() + "\"}", -1), number(b[1])) << family << " le " << le.str();
    }
  }
  for (const auto& [family, type] : m.types) EXPECT_TRUE(checked.count(family)) << family << " has no status figure in this test";
}

TEST(AdminEndpoints, StatusAndMetricsGiveTheSameFiguresForAKnownRun) {
  Started s("admin_same_figures_test.db", true);
  known_run(s);
  // The run's WebSocket closes as it goes out of scope; read both pages once it has, so nothing moves
  // between the two readings.
  nlohmann::json status;
  for (int i = 0; i < 500; ++i) {
    status = nlohmann::json::parse(get(s.admin, "/status").body);
    if (status["transport"]["connections_open"] == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto metrics = parse_prometheus_text(get(s.admin, "/metrics").body);
  // The run moved what it should, so the comparison below compares figures, not zeros.
  EXPECT_EQ(status["metrics"]["feedback_by_action"]["dismissed"], 1);
  EXPECT_EQ(status["metrics"]["rejections_by_code"].size(), 1u);
  EXPECT_GE(status["metrics"]["event_to_prompt_latency"]["count"], 2);
  EXPECT_EQ(status["transport"]["events_by_adapter"]["generic"]["utterance"], 1);
  expect_same_figures(status, metrics);
  // And the ABI's read_status() is the same JSON /status serves.
  auto abi = nlohmann::json::parse(s.plugin->status_json());
  abi.erase("event_clock");
  status.erase("event_clock");
  EXPECT_EQ(abi["metrics"], status["metrics"]);
  EXPECT_EQ(abi["transport"], status["transport"]);
  s.plugin->stop();
}

// docs/operations.md names every series /metrics exports, and names none it does not.
TEST(AdminEndpoints, OperationsDocNamesExactlyTheSeriesOnMetrics) {
  std::ifstream in(RIGHTMOMENT_SOURCE_DIR "/docs/operations.md");
  ASSERT_TRUE(in) << "docs/operations.md";
  std::stringstream text;
  text << in.rdbuf();
  std::string doc = text.str();
  std::set<std::string> named;
  static const std::regex name_re("rightmoment_[a-z0-9_]*[a-z0-9]");
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), name_re); it != std::sregex_iterator(); ++it) named.insert(it->str());
  ASSERT_GT(named.size(), 10u);

  Started s("admin_doc_names_test.db", true);
  auto metrics = parse_prometheus_text(get(s.admin, "/metrics").body);
  s.plugin->stop();
  auto exported = [&](const std::string& name) {
    if (metrics.types.count(name)) return true;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string sfx = suffix;
      if (name.size() > sfx.size() && name.ends_with(sfx) && metrics.types.count(name.substr(0, name.size() - sfx.size())))
        return true;
    }
    return false;
  };
  for (const auto& name : named) EXPECT_TRUE(exported(name)) << name << " is in docs/operations.md but not on /metrics";
  for (const auto& [family, type] : metrics.types) EXPECT_TRUE(named.count(family)) << family << " is on /metrics but not in docs/operations.md";
}

TEST(AdminEndpoints, BadHttpIsRefusedAndChangesNothing) {
  Started s("admin_bad_http_test.db", false);
  EXPECT_EQ(get(s.admin, "/nowhere").status, 404u);
  EXPECT_EQ(http_request(s.admin, http::verb::post, "/metrics").status, 405u);
  EXPECT_NE(raw_exchange(s.admin, "this is not HTTP\r\n\r\n").find("400"), std::string::npos);
  std::string huge = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
  EXPECT_NE(raw_exchange(s.admin, huge).find("413"), std::string::npos);
  // Still serving, and no event or interaction came from any of it.
  EXPECT_EQ(get(s.admin, "/healthz").status, 200u);
  auto m = parse_prometheus_text(get(s.admin, "/metrics").body);
  EXPECT_EQ(m.sum("rightmoment_events_processed_total"), 0);
  s.plugin->stop();
}

TEST(AdminEndpoints, AgentLinksComeFromTheAbiAndNeedAPopup) {
  {
    Started s("admin_links_test.db", true);
    std::string link = s.plugin->mint_agent_link("agent 7/ü", 600);
    std::string popup_url = s.status["popup"]["url"];
    ASSERT_EQ(link.rfind(popup_url + "/agent?agent=agent%207%2F%C3%BC&exp=", 0), 0u) << link;
    Url u = parse_url(link);
    EXPECT_EQ(get(popup_url, u.target).status, 200u);
    EXPECT_EQ(get(popup_url, u.target + "0").status, 403u);  // a longer signature
    try {
      s.plugin->mint_agent_link("");
      FAIL() << "an empty agent id was accepted";
    } catch (const rightmoment::sdk::Error& e) {
      EXPECT_EQ(e.status(), RM_ERR_INVALID_ARGUMENT);
    }
    // ABI 1.2: a supervisor's link opens the supervisor page, and nothing an agent's link opens.
    std::string sup = s.plugin->mint_supervisor_link("sup 1", 600);
    ASSERT_EQ(sup.rfind(popup_url + "/supervisor?supervisor=sup%201&exp=", 0), 0u) << sup;
    Url su = parse_url(sup);
    EXPECT_EQ(get(popup_url, su.target).status, 200u);
    std::string as_agent = su.target;
    as_agent.replace(0, std::string("/supervisor?supervisor=").size(), "/agent?agent=");
    EXPECT_EQ(get(popup_url, as_agent).status, 403u);
    std::string agent_as_sup = u.target;
    agent_as_sup.replace(0, std::string("/agent?agent=").size(), "/supervisor?supervisor=");
    EXPECT_EQ(get(popup_url, agent_as_sup).status, 403u);
    EXPECT_EQ(s.status["abi"], "1.2");
    s.plugin->stop();
  }
  Started without("admin_nolinks_test.db", false);
  EXPECT_THROW(without.plugin->mint_supervisor_link("sup-1"), rightmoment::sdk::Error);
  try {
    without.plugin->mint_agent_link("a-1");
    FAIL() << "minted a link without a pop-up";
  } catch (const rightmoment::sdk::Error& e) {
    EXPECT_EQ(e.status(), RM_ERR_CONFIG);
    EXPECT_NE(std::string(e.what()).find("popup"), std::string::npos);
  }
  without.plugin->stop();
}

}  // namespace
