// The admin endpoints of the real plugin (loaded through the SDK), scraped over real HTTP while real
// events flow over a real WebSocket: /metrics parsed by a strict Prometheus text parser, /healthz,
// /readyz; bad HTTP input refused without disturbing anything; mint_agent_link through the ABI.
#include <rightmoment/plugin.hpp>

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdlib>
#include <string>

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
  if (popup) text += R"(, "popup":{"port":0,"link_secret":"0123456789abcdef-test"})";
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
    s.plugin->stop();
  }
  Started without("admin_nolinks_test.db", false);
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
