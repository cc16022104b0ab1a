// One call on each platform, replayed through the real plugin (loaded through the SDK) over its real
// listeners, raises the same prompts as the same call written as canonical events (issue 14):
// - Twilio: the Media Stream over the twilio-media-streams WebSocket listener, and the call's
//   real-time transcription callbacks posted to the webhook endpoint, signed as Twilio documents it,
//   joined by CallSid; the caller id comes as Twilio gives {{From}} on a SIP call.
// - Amazon Connect: EventBridge contact events and Contact Lens segments through the amazon-connect
//   listener, with a segment id that AWS reuses across participants and at-least-once redeliveries.
#include <rightmoment/plugin.hpp>

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/twilio_signer.hpp"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;
using nlohmann::json;

const std::string kAuthToken = "3e9d1c7b5a2f4e6d8c0b1a3f5e7d9c2b";
const std::string kPublicUrl = "https://rightmoment.example.com";

std::string tmp_dir() {
  const char* tmp = std::getenv("RIGHTMOMENT_TEST_TMP");
  return tmp ? tmp : "/tmp";
}

std::vector<std::string> lines_of(const std::string& fixture) {
  std::ifstream in(RIGHTMOMENT_SOURCE_DIR "/tests/fixtures/" + fixture);
  EXPECT_TRUE(in) << fixture;
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

std::string now_rfc3339() {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

struct HostPort {
  std::string host, port;
};
HostPort host_port(const std::string& url) {
  auto rest = url.substr(url.find("://") + 3);
  auto authority = rest.substr(0, rest.find('/'));
  auto colon = authority.rfind(':');
  return {authority.substr(0, colon), authority.substr(colon + 1)};
}

// The real plugin with every listener a platform needs, a webhook endpoint and a fresh history.
class Plant {
 public:
  explicit Plant(const std::string& name) {
    std::string db = tmp_dir() + "/vendor_calls_" + name + ".db";
    std::remove(db.c_str());
    std::string config = R"({"history":{"store":"sqlite:)" + db + R"("},
      "rules":{"files":[")" RIGHTMOMENT_SOURCE_DIR R"(/config/rules/default.rules.jsonc"],
               "lexicons":")" RIGHTMOMENT_SOURCE_DIR R"(/config/lexicons"},
      "listeners":[{"name":"twilio","adapter":"twilio-media-streams","port":0,"path":"/twilio","auth":{"mode":"none"}},
                   {"name":"connect","adapter":"amazon-connect","port":0,"path":"/connect","auth":{"mode":"none"}}],
      "webhooks":{"port":0,"endpoints":[{"adapter":"twilio-transcriptions","path":"/twilio/transcriptions",
                  "settings":{"public_url":")" + kPublicUrl + R"(","auth_token":")" + kAuthToken + R"("}}]}})";
    plugin_ = std::make_unique<rightmoment::sdk::Plugin>(lib_, rightmoment::sdk::ConfigText{config},
                                                         rightmoment::sdk::Callbacks{[this](std::string_view p) {
                                                                                       std::lock_guard lock(mutex_);
                                                                                       prompts_.emplace_back(p);
                                                                                     },
                                                                                     nullptr});
    rm_status st = RM_OK;
    std::string report = plugin_->import_history(RIGHTMOMENT_SOURCE_DIR "/tests/fixtures/history/vendor_calls.jsonl", &st);
    EXPECT_EQ(st, RM_OK) << report;
    plugin_->start();
    json status = json::parse(plugin_->status_json());
    for (const auto& l : status["listeners"]) listeners_[l["name"].get<std::string>()] = l["url"].get<std::string>();
    webhooks_ = status["webhooks"]["url"];
  }
  ~Plant() { plugin_->stop(); }

  rightmoment::sdk::Plugin& plugin() { return *plugin_; }
  const std::string& listener(const std::string& name) { return listeners_.at(name); }
  const std::string& webhooks() const { return webhooks_; }
  json status() const { return json::parse(plugin_->status_json()); }

  // Waits until the transport has handed the engine this many events of this type from the adapter.
  void wait_for_events(const std::string& adapter, const std::string& type, int n) {
    for (int i = 0; i < 2000; ++i) {
      json s = status();
      auto& by = s["transport"]["events_by_adapter"];
      if (by.contains(adapter) && by[adapter].value(type, 0) >= n) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "no " << type << " from " << adapter;
  }

  std::vector<json> prompts() {
    plugin_->drain(10000);
    std::lock_guard lock(mutex_);
    std::vector<json> out;
    for (const auto& p : prompts_) out.push_back(json::parse(p));
    return out;
  }

 private:
  rightmoment::sdk::Library lib_{RIGHTMOMENT_PLUGIN_PATH};
  std::unique_ptr<rightmoment::sdk::Plugin> plugin_;
  std::mutex mutex_;
  std::vector<std::string> prompts_;
  std::map<std::string, std::string> listeners_;
  std::string webhooks_;
};

class VendorSocket {
 public:
  explicit VendorSocket(const std::string& url) : ws_(ioc_) {
    HostPort hp = host_port(url);
    beast::get_lowest_layer(ws_).connect(tcp::resolver(ioc_).resolve(hp.host, hp.port));
    ws_.handshake(hp.host + ":" + hp.port, url.substr(url.find('/', url.find("://") + 3)));
    ws_.text(true);
  }
  void send(const std::string& text) { ws_.write(net::buffer(text)); }
  ~VendorSocket() {
    beast::error_code ec;
    ws_.close(websocket::close_code::normal, ec);
  }

 private:
  net::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_;
};

// Posts one callback as Twilio does: form-encoded, signed over the public URL it calls.
unsigned post_twilio_callback(const std::string& base, const std::string& path, const std::string& form_body) {
  auto params = rightmoment::testing::form_decode(form_body);
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  HostPort hp = host_port(base);
  stream.connect(tcp::resolver(ioc).resolve(hp.host, hp.port));
  http::request<http::string_body> req{http::verb::post, path, 11};
  req.set(http::field::host, "rightmoment.example.com");
  req.set(http::field::content_type, "application/x-www-form-urlencoded");
  req.set("X-Twilio-Signature", rightmoment::testing::twilio_signature_as_documented(kAuthToken, kPublicUrl + path, params));
  req.body() = form_body;
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return res.result_int();
}

// What the agent sees of a prompt; ids and times differ between the two replays by nature (event
// ids name each source's own messages, and Twilio stamps the stream on arrival).
json seen(const json& p) {
  json evidence = json::array();
  for (const auto& e : p.value("evidence", json::array())) evidence.push_back({e.value("kind", ""), e.value("text", "")});
  return {p["kind"],  p["rule_id"], p["interaction_id"], p["agent_id"], p["priority"], p["title"], p["body"],
          evidence, p.value("customer", json()), p.value("handover", false)};
}

std::vector<json> seen_all(const std::vector<json>& prompts) {
  std::vector<json> out;
  for (const auto& p : prompts) out.push_back(seen(p));
  return out;
}

std::vector<std::string> rule_ids(const std::vector<json>& prompts) {
  std::vector<std::string> out;
  for (const auto& p : prompts) out.push_back(p["rule_id"]);
  return out;
}

std::vector<json> replay_canonical(const std::string& name, const std::string& fixture, const std::string& now) {
  Plant plant(name);
  for (std::string line : lines_of(fixture)) {
    for (auto at = line.find("@now"); at != std::string::npos; at = line.find("@now")) line.replace(at, 4, now);
    EXPECT_EQ(plant.plugin().submit_event(line), RM_OK) << line;
  }
  return plant.prompts();
}

TEST(VendorCalls, ATwilioCallFromItsMediaStreamAndTranscriptionWebhooksRaisesTheCanonicalCallsPrompts) {
  std::vector<json> vendor;
  std::string now;
  {
    Plant plant("twilio");
    VendorSocket stream(plant.listener("twilio"));
    auto messages = lines_of("twilio_media_streams/stream_for_webhooks.jsonl");
    now = now_rfc3339();
    for (std::size_t i = 0; i + 1 < messages.size(); ++i) stream.send(messages[i]);  // connected, start, media
    plant.wait_for_events("twilio-media-streams", "interaction.started", 1);
    for (const auto& body : lines_of("twilio_media_streams/transcription_webhooks.form"))
      EXPECT_EQ(post_twilio_callback(plant.webhooks(), "/twilio/transcriptions", body), 200u);
    stream.send(messages.back());  // stop
    plant.wait_for_events("twilio-media-streams", "interaction.ended", 1);
    vendor = plant.prompts();
    json m = plant.status()["metrics"];
    EXPECT_EQ(m["duplicate_events"], 1);  // the callback Twilio delivered twice
    EXPECT_EQ(m["late_events"], 0);
    EXPECT_TRUE(m["rejections_by_code"].empty()) << m["rejections_by_code"];
    EXPECT_EQ(plant.status()["webhooks"]["requests"], 8);
  }
  std::vector<json> canonical = replay_canonical("twilio_canonical", "twilio_media_streams/webhook_call.canonical.jsonl", now);

  EXPECT_EQ(rule_ids(vendor), (std::vector<std::string>{"screen_pop", "frustration", "agent-guardrail-blame", "churn-intent"}));
  ASSERT_FALSE(vendor.empty());
  EXPECT_EQ(vendor[0]["customer"]["customer_id"], "cu-tw-1");  // found by "sip:+14155550201@carrier.example;user=phone"
  EXPECT_EQ(vendor[0]["customer"]["identified_by"], "phone");
  EXPECT_EQ(seen_all(vendor), seen_all(canonical));
}

TEST(VendorCalls, AnAmazonConnectCallFromContactEventsAndContactLensSegmentsRaisesTheCanonicalCallsPrompts) {
  std::vector<json> vendor;
  {
    Plant plant("connect");
    VendorSocket forwarder(plant.listener("connect"));
    for (const auto& message : lines_of("amazon_connect/call.jsonl")) forwarder.send(message);
    plant.wait_for_events("amazon-connect", "interaction.ended", 1);
    vendor = plant.prompts();
    json m = plant.status()["metrics"];
    EXPECT_EQ(m["late_events"], 0);
    EXPECT_EQ(m["active_interactions"], 0);  // Contact Lens COMPLETED ended it; DISCONNECTED and COMPLETED after it changed nothing
    EXPECT_TRUE(m["rejections_by_code"].empty()) << m["rejections_by_code"];
  }
  std::vector<json> canonical = replay_canonical("connect_canonical", "amazon_connect/call.canonical.jsonl", "");

  EXPECT_EQ(rule_ids(vendor), (std::vector<std::string>{"screen_pop", "unanswered-negative-review", "frustration", "churn-intent"}));
  ASSERT_FALSE(vendor.empty());
  EXPECT_EQ(vendor[0]["customer"]["customer_id"], "cu-ac-1");
  EXPECT_EQ(seen_all(vendor), seen_all(canonical));
}

TEST(VendorCalls, AWebhookEndpointWithoutItsAuthTokenIsAConfigurationErrorNamingTheKey) {
  rightmoment::sdk::Library lib(RIGHTMOMENT_PLUGIN_PATH);
  std::string config = R"({"history":{"store":"sqlite:)" + tmp_dir() + R"(/vendor_calls_bad.db"},
    "rules":{"files":[")" RIGHTMOMENT_SOURCE_DIR R"(/config/rules/default.rules.jsonc"],"lexicons":")" RIGHTMOMENT_SOURCE_DIR R"(/config/lexicons"},
    "webhooks":{"port":0,"endpoints":[{"adapter":"twilio-transcriptions","path":"/twilio/transcriptions",
                "settings":{"public_url":"https://rightmoment.example.com"}}]}})";
  try {
    rightmoment::sdk::Plugin plugin(lib, rightmoment::sdk::ConfigText{config});
    FAIL() << "a webhook endpoint without an auth token was accepted";
  } catch (const rightmoment::sdk::Error& e) {
    EXPECT_EQ(e.status(), RM_ERR_CONFIG);
    EXPECT_NE(std::string(e.what()).find("/webhooks/endpoints/0/settings"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("auth_token"), std::string::npos) << e.what();
  }
}

}  // namespace
