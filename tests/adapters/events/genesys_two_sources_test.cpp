// One Genesys call told by its two sources, through the loaded plugin: AudioHook (the call's arrival
// and ANI, from our own AudioHook client to the genesys-audiohook listener) and the notifications
// API (agent, hold, transcripts, the end, from the fake Genesys Cloud to the client's own channel),
// joined by the conversation id. Whichever source speaks first, it raises the same prompts as the
// same call written in canonical events.
#include <rightmoment/plugin.hpp>

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>

#include <nlohmann/json.hpp>

#include "plugin/core/event_time.hpp"
#include "tests/support/fake_genesys_cloud.hpp"
#include "tests/support/test_certificates.hpp"

namespace rightmoment {
namespace {

namespace sdk = rightmoment::sdk;
namespace websocket = boost::beast::websocket;
using json = nlohmann::json;
using tcp = boost::asio::ip::tcp;
using testing::FakeGenesysCloud;

const std::string kConversation = "090eaa2f-72fa-480a-83e0-8667ff89c0ec";
const std::string kAgent = "3f9a7c1e-0d2b-4e5f-8a6b-7c8d9e0f1a2b";
const std::string kOrganization = "d7934305-0972-4844-938e-9060eef73d05";
const std::string kSession = "e160e428-53e2-487c-977d-96989bf5c99d";
const std::string kUserTopic = "v2.users." + kAgent + ".conversations";
const std::string kTranscriptTopic = "v2.conversations." + kConversation + ".transcription";

// The call's clock: everything is said relative to the test's start, as a live call would be.
const EventTimeMs kT0 = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count() /
                        1000 * 1000;
std::string at(int seconds) { return format_rfc3339(kT0 + seconds * 1000LL); }

std::string dir() {
  static std::string d = [] {
    auto p = std::filesystem::path(::testing::TempDir()) / ("rm_two_sources_" + std::to_string(::getpid()));
    std::filesystem::create_directories(p);
    return p.string();
  }();
  return d;
}

// A customer with two unresolved contacts this week and an unanswered one-star review.
std::string history_file() {
  std::string path = dir() + "/history.jsonl";
  std::ofstream out(path);
  out << json{{"record", "customer"}, {"customer_id", "cu-g1"}, {"name", "Morgan Blake"}, {"tier", "silver"}}.dump() << "\n"
      << json{{"record", "identity"}, {"customer_id", "cu-g1"}, {"kind", "phone"}, {"value", "+1 317 555 0123"}}.dump() << "\n"
      << json{{"record", "contact"}, {"customer_id", "cu-g1"}, {"contact_id", "ct-1"}, {"channel", "voice"},
              {"started_at", format_rfc3339(kT0 - 3 * kMsPerDay)}, {"reason", "router fault"}, {"resolved", false}}
             .dump()
      << "\n"
      << json{{"record", "contact"}, {"customer_id", "cu-g1"}, {"contact_id", "ct-2"}, {"channel", "chat"},
              {"started_at", format_rfc3339(kT0 - kMsPerDay)}, {"reason", "router fault"}, {"resolved", false}}
             .dump()
      << "\n"
      << json{{"record", "feedback"}, {"customer_id", "cu-g1"}, {"feedback_id", "fb-1"}, {"source", "review_site"},
              {"platform", "Trustpilot"}, {"kind", "review"}, {"rating", 1}, {"text", "Three days without internet and nobody calls back."},
              {"posted_at", format_rfc3339(kT0 - 2 * kMsPerDay)}}
             .dump()
      << "\n";
  return path;
}

std::string config(const std::string& name, const std::string& sources) {
  return R"({"history": {"store": "sqlite:)" + dir() + "/" + name + R"(.db"},
  "rules": {"files": [")" RIGHTMOMENT_SOURCE_DIR R"(/config/rules/default.rules.jsonc"], "lexicons": ")" RIGHTMOMENT_SOURCE_DIR
         R"(/config/lexicons"})" +
         sources + "}";
}

std::string two_sources(const FakeGenesysCloud& cloud) {
  ::setenv("RM_TEST_GENESYS_CLIENT_SECRET", "rm-secret-value", 1);
  return R"(, "listeners": [{"name": "audiohook", "adapter": "genesys-audiohook", "port": 0, "path": "/audiohook",
                           "auth": {"mode": "api_key", "header": "X-API-KEY", "tokens": ["ah-key"]}}],
  "clients": [{"name": "genesys", "adapter": "genesys-notifications", "ca_file": ")" +
         testing::test_certificates().ca() + R"(",
               "genesys": {"api_base": ")" + cloud.base_url() + R"(", "login_base": ")" + cloud.base_url() + R"(",
                           "client_id": "rm-client", "client_secret_env": "RM_TEST_GENESYS_CLIENT_SECRET",
                           "users": [")" + kAgent + R"("]}}])";
}

// Prompts as the agent sees them, without what names the source (ids of prompts and events).
struct Prompts {
  std::mutex mutex;
  std::vector<json> all;
  sdk::Callbacks callbacks() {
    return {[this](std::string_view text) {
              json p = json::parse(text);
              p.erase("prompt_id");
              p.erase("trigger_event_id");
              if (p.contains("evidence"))
                for (auto& e : p["evidence"]) e.erase("ref");
              std::lock_guard lock(mutex);
              all.push_back(std::move(p));
            },
            nullptr};
  }
  std::vector<json> get() {
    std::lock_guard lock(mutex);
    return all;
  }
  std::vector<std::string> rules() {
    std::vector<std::string> out;
    for (const auto& p : get()) out.push_back(p["rule_id"].get<std::string>() + "@" + p.value("agent_id", std::string("-")));
    return out;
  }
};

std::int64_t events_in(const sdk::Plugin& plugin) { return json::parse(plugin.status_json())["metrics"]["events_in"].get<std::int64_t>(); }

bool wait_until(const std::function<bool()>& done, int seconds = 20) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline && !done()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return done();
}

// Our AudioHook client: Genesys' side of an AudioHook Monitor session (protocol version 2).
class AudioHookClient {
 public:
  explicit AudioHookClient(const std::string& url) {
    std::string rest = url.substr(5);  // ws://
    std::string host = rest.substr(0, rest.find(':'));
    std::string port = rest.substr(rest.find(':') + 1, rest.find('/') - rest.find(':') - 1);
    tcp::resolver resolver(ioc_);
    boost::asio::connect(ws_.next_layer(), resolver.resolve(host, port));
    ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set("Audiohook-Organization-Id", kOrganization);
      req.set("Audiohook-Session-Id", kSession);
      req.set("Audiohook-Correlation-Id", "2f2a1d94-3b3a-4f7e-8f53-5b8b2c1c7d11");
      req.set("X-API-KEY", "ah-key");
    }));
    ws_.handshake(host + ":" + port, "/audiohook");
  }
  json send(const std::string& type, json parameters, double position_s) {
    json m{{"version", "2"}, {"type", type}, {"seq", ++seq_}, {"serverseq", serverseq_}, {"id", kSession},
           {"position", "PT" + std::to_string(position_s) + "S"}, {"parameters", std::move(parameters)}};
    ws_.text(true);
    ws_.write(boost::asio::buffer(m.dump()));
    return m;
  }
  json read() {
    boost::beast::flat_buffer buffer;
    ws_.read(buffer);
    json m = json::parse(boost::beast::buffers_to_string(buffer.data()));
    serverseq_ = m.value("seq", serverseq_);
    return m;
  }
  void open() {
    send("open",
         {{"organizationId", kOrganization},
          {"conversationId", kConversation},
          {"participant", {{"id", "883efee8-3d6c-4537-b500-6d7ca4b92fa0"}, {"ani", "+1-317-555-0123"}, {"aniName", "Morgan Blake"}, {"dnis", "+1-800-555-6789"}}},
          {"media", json::array({{{"type", "audio"}, {"format", "PCMU"}, {"channels", {"external", "internal"}}, {"rate", 8000}}})},
          {"language", "en-US"}},
         0);
    EXPECT_EQ(read()["type"], "opened");
  }
  void audio(int frames) {
    std::string silence(1600, '\xff');  // 100 ms of two-channel PCMU
    ws_.binary(true);
    for (int i = 0; i < frames; ++i) ws_.write(boost::asio::buffer(silence));
  }
  void close(double position_s) {
    send("close", {{"reason", "end"}}, position_s);
    EXPECT_EQ(read()["type"], "closed");
    ws_.close(websocket::close_code::normal);  // the client closes the socket
  }

 private:
  boost::asio::io_context ioc_;
  websocket::stream<tcp::socket> ws_{ioc_};
  int seq_ = 0;
  int serverseq_ = 0;
};

json party(const std::string& purpose, json call, json extra = json::object()) {
  json p{{"id", purpose == "customer" ? "p-cust" : "p-agent"}, {"purpose", purpose}, {"calls", json::array({std::move(call)})}};
  p.update(extra);
  return p;
}
// The conversation's full state, as Genesys sends it on every change.
json state(const std::string& agent_state, bool held, bool ended) {
  json customer_call{{"id", "k1"}, {"state", ended ? "disconnected" : "connected"}, {"direction", "inbound"}, {"held", false},
                     {"connectedTime", at(0)}};
  if (ended) customer_call["disconnectedTime"] = at(90);
  json agent_call{{"id", "k2"}, {"state", agent_state}, {"direction", "inbound"}, {"held", held}};
  if (agent_state != "alerting") agent_call["connectedTime"] = at(10);
  if (held) agent_call["startHoldTime"] = at(40);
  if (agent_state == "disconnected") {
    agent_call["disconnectedTime"] = at(90);
    agent_call["disconnectType"] = "peer";
  }
  return {{"id", kConversation},
          {"participants", json::array({party("customer", customer_call, {{"address", "tel:+13175550123"}}),
                                        party("agent", agent_call, {{"userId", kAgent}, {"queueId", "q-9"}})})}};
}
json said(const std::string& utterance, const std::string& channel, int offset_s, const std::string& text) {
  return {{"eventTime", at(offset_s + 3)},
          {"conversationId", kConversation},
          {"communicationId", "k1"},
          {"sessionStartTimeMs", kT0},
          {"transcripts", json::array({{{"utteranceId", utterance},
                                        {"isFinal", true},
                                        {"channel", channel},
                                        {"alternatives", json::array({{{"confidence", 0.93}, {"offsetMs", offset_s * 1000}, {"durationMs", 2500}, {"transcript", text}}})}}})},
          {"status", {{"status", "SESSION_ONGOING"}, {"offsetMs", (offset_s + 3) * 1000}}}};
}

const char* kChurn = "To be honest I am planning to switch to another provider next month.";
const char* kBlame = "Well, you were supposed to restart the router before calling us.";
const char* kNeutral = "Let me look into that for you right now.";

// The same call as canonical events.
std::vector<std::string> canonical_call() {
  auto ev = [](const std::string& id, const std::string& type, int t, json extra) {
    json e{{"event_id", id}, {"type", type}, {"interaction_id", kConversation}, {"ts", at(t)}};
    e.update(extra);
    return e.dump();
  };
  return {ev("e1", "interaction.started", 0, {{"channel", "voice"}, {"direction", "inbound"},
                                               {"customer", {{"phone", "+13175550123"}, {"name", "Morgan Blake"}}}}),
          ev("e2", "agent.joined", 10, {{"agent_id", kAgent}}),
          ev("e3", "utterance", 20, {{"speaker", "customer"}, {"text", kChurn}}),
          ev("e4", "utterance", 26, {{"speaker", "agent"}, {"text", kBlame}}),
          ev("e5", "hold.started", 40, json::object()),
          ev("e6", "hold.ended", 55, json::object()),
          ev("e7", "utterance", 60, {{"speaker", "agent"}, {"text", kNeutral}}),
          ev("e8", "agent.left", 90, {{"agent_id", kAgent}}),
          ev("e9", "interaction.ended", 90, json::object())};
}

std::vector<json> prompts_of_canonical_call(const sdk::Library& lib) {
  Prompts prompts;
  sdk::Plugin plugin(lib, sdk::ConfigText{config("canonical", "")}, prompts.callbacks());
  plugin.import_history(history_file());
  plugin.start();
  for (const auto& e : canonical_call()) EXPECT_EQ(plugin.submit_event(e), RM_OK) << e;
  plugin.drain(20000);
  plugin.stop();
  return prompts.get();
}

enum class FirstSource { AudioHook, Notifications };

std::vector<json> prompts_of_two_sources(const sdk::Library& lib, FirstSource first) {
  FakeGenesysCloud::Options o;
  o.cert_file = testing::test_certificates().server_cert();
  o.key_file = testing::test_certificates().server_key();
  FakeGenesysCloud cloud(o);
  Prompts prompts;
  std::string name = first == FirstSource::AudioHook ? "audiohook_first" : "notifications_first";
  sdk::Plugin plugin(lib, sdk::ConfigText{config(name, two_sources(cloud))}, prompts.callbacks());
  plugin.import_history(history_file());
  plugin.start();
  EXPECT_TRUE(cloud.wait_until([&] { return cloud.subscriptions_of_newest_channel().count(kUserTopic) > 0; }));
  std::string url = json::parse(plugin.status_json())["listeners"][0]["url"];

  auto publish = [&](const std::string& topic, const json& body) { EXPECT_EQ(cloud.publish(topic, body), 1) << topic; };
  AudioHookClient audiohook(url);
  if (first == FirstSource::AudioHook) {
    audiohook.open();
    EXPECT_TRUE(wait_until([&] { return events_in(plugin) >= 1; }));
    publish(kUserTopic, state("alerting", false, false));
  } else {
    publish(kUserTopic, state("alerting", false, false));
    EXPECT_TRUE(wait_until([&] { return events_in(plugin) >= 1; }));
    audiohook.open();
  }
  audiohook.audio(5);
  publish(kUserTopic, state("connected", false, false));
  // Its transcription topic exists once the conversation is known: the client subscribes to it.
  EXPECT_TRUE(cloud.wait_until([&] { return cloud.subscriptions_of_newest_channel().count(kTranscriptTopic) > 0; }));
  publish(kTranscriptTopic, said("u-1", "EXTERNAL", 20, kChurn));
  publish(kTranscriptTopic, said("u-2", "INTERNAL", 26, kBlame));
  audiohook.audio(5);
  publish(kUserTopic, state("connected", true, false));
  publish(kUserTopic, state("connected", false, false));
  publish(kTranscriptTopic, said("u-3", "INTERNAL", 60, kNeutral));
  publish(kUserTopic, state("disconnected", false, true));
  // 2 from AudioHook (its start and its end, which comes late), 9 from the notifications.
  EXPECT_TRUE(wait_until([&] { return events_in(plugin) >= 10; }));
  audiohook.close(90);
  EXPECT_TRUE(wait_until([&] { return events_in(plugin) >= 11; }));
  plugin.drain(20000);
  plugin.stop();
  return prompts.get();
}

class GenesysTwoSources : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(testing::test_certificates().ok); }
  sdk::Library lib{RIGHTMOMENT_PLUGIN_PATH};
};

TEST_F(GenesysTwoSources, AudioHookFirstRaisesTheSamePromptsAsTheCanonicalCall) {
  auto expected = prompts_of_canonical_call(lib);
  Prompts summary;
  summary.all = expected;
  // The call is worth prompting: one screen pop, both history rules, the churn moment, the guardrail.
  EXPECT_EQ(summary.rules(), (std::vector<std::string>{"screen_pop@" + kAgent, "unanswered-negative-review@" + kAgent,
                                                       "repeat-contact@" + kAgent, "churn-intent@" + kAgent,
                                                       "agent-guardrail-blame@" + kAgent}));
  EXPECT_EQ(expected.at(0)["customer"]["customer_id"], "cu-g1");
  auto got = prompts_of_two_sources(lib, FirstSource::AudioHook);
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], expected[i]) << "prompt " << i;
}

TEST_F(GenesysTwoSources, NotificationsFirstRaiseTheSamePromptsAsTheCanonicalCall) {
  auto expected = prompts_of_canonical_call(lib);
  auto got = prompts_of_two_sources(lib, FirstSource::Notifications);
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], expected[i]) << "prompt " << i;
}

}  // namespace
}  // namespace rightmoment
