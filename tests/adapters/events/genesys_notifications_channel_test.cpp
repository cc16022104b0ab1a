// The genesys-notifications client running its own channel against a local fake of Genesys Cloud
// (tests/support/fake_genesys_cloud.hpp) over real loopback sockets and real TLS: the token, the
// channel and its subscriptions over HTTPS, the channel's WebSocket, renewals, the closing notice,
// reconnects, 429, refused credentials and bad messages.
#include <algorithm>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/ringbuffer_sink.h>

#include "adapters/events/builtin_adapters.hpp"
#include "plugin/transport/transport_service.hpp"
#include "tests/support/fake_genesys_cloud.hpp"
#include "tests/support/recording_event_sink.hpp"
#include "tests/support/test_certificates.hpp"

namespace rightmoment {
namespace {

using json = nlohmann::json;
using testing::FakeGenesysCloud;
using Sink = testing::RecordingEventSink;

const std::string kUser = "3f9a7c1e-0d2b-4e5f-8a6b-7c8d9e0f1a2b";
const std::string kUserTopic = "v2.users." + kUser + ".conversations";

FakeGenesysCloud::Options cloud_options() {
  const auto& certs = testing::test_certificates();
  EXPECT_TRUE(certs.ok) << "openssl could not make test certificates in " << certs.dir;
  FakeGenesysCloud::Options o;
  o.cert_file = certs.server_cert();
  o.key_file = certs.server_key();
  return o;
}

ClientConfig client_for(const FakeGenesysCloud& cloud, const std::string& secret = "rm-secret-value") {
  ClientConfig c;
  c.name = "genesys";
  c.adapter = "genesys-notifications";
  c.ca_file = testing::test_certificates().ca();
  c.reconnect_initial = std::chrono::milliseconds(50);
  c.reconnect_max = std::chrono::milliseconds(400);
  c.settings = {{"api_base", cloud.base_url()}, {"login_base", cloud.base_url()}, {"client_id", "rm-client"},
                {"client_secret", secret},      {"users", kUser},                 {"drop_delay_ms", "200"}};
  return c;
}

// A transport with the client, its log kept for inspection.
struct Running {
  Sink sink;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> log_lines = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(2000);
  TransportService transport{sink, builtin_adapters(), std::make_shared<spdlog::logger>("t", log_lines), 1};

  explicit Running(const ClientConfig& c) {
    std::string error;
    EXPECT_TRUE(transport.start({}, {c}, error)) << error;
  }
  ~Running() { transport.stop(); }
  std::string log() const {
    std::string all;
    for (const auto& line : log_lines->last_formatted()) all += line;
    return all;
  }
  bool has(EventType type, std::size_t n = 1) {
    std::size_t seen = 0;
    for (const auto& e : sink.events()) seen += e.type == type;
    return seen >= n;
  }
};

json conversation(const std::string& id, const std::string& customer_state, const std::string& agent_state) {
  return {{"id", id},
          {"participants",
           json::array({{{"id", "p1"},
                         {"purpose", "customer"},
                         {"address", "tel:+13175550123"},
                         {"calls", json::array({{{"id", "k1"},
                                                 {"state", customer_state},
                                                 {"direction", "inbound"},
                                                 {"connectedTime", "2024-05-01T10:00:02.000Z"},
                                                 {"disconnectedTime", "2024-05-01T10:08:00.000Z"}}})}},
                        {{"id", "p2"},
                         {"purpose", "agent"},
                         {"userId", kUser},
                         {"calls", json::array({{{"id", "k2"}, {"state", agent_state}, {"connectedTime", "2024-05-01T10:00:10.000Z"}}})}}})}};
}

json transcript(const std::string& conversation_id, const std::string& utterance, const std::string& text) {
  return {{"eventTime", "2024-05-01T10:00:40.000Z"},
          {"conversationId", conversation_id},
          {"sessionStartTimeMs", 1714557600000},
          {"transcripts",
           json::array({{{"utteranceId", utterance},
                         {"isFinal", true},
                         {"channel", "EXTERNAL"},
                         {"alternatives", json::array({{{"confidence", 0.9}, {"offsetMs", 20000}, {"durationMs", 1500}, {"transcript", text}}})}}})},
          {"status", {{"status", "SESSION_ONGOING"}, {"offsetMs", 40000}}}};
}

std::string topic_of(const std::string& conversation_id) { return "v2.conversations." + conversation_id + ".transcription"; }

bool subscribed(const FakeGenesysCloud& cloud, const std::string& topic) {
  return cloud.subscriptions_of_newest_channel().count(topic) > 0;
}

TEST(GenesysNotificationsChannel, MakesItsChannelFollowsTheUserAndEachConversationsTranscript) {
  FakeGenesysCloud cloud(cloud_options());
  Running r(client_for(cloud));
  ASSERT_TRUE(cloud.wait_until([&] { return subscribed(cloud, kUserTopic); }));
  EXPECT_EQ(cloud.count("POST", "/oauth/token"), 1);
  EXPECT_EQ(cloud.count("POST", "/api/v2/notifications/channels"), 1);

  ASSERT_TRUE(cloud.wait_until([&] { return cloud.publish(kUserTopic, conversation("c-1", "connected", "connected")) == 1 &&
                                            r.has(EventType::AgentJoined); }));
  // The conversation's id is known: its transcription topic is added, and its transcripts flow.
  ASSERT_TRUE(cloud.wait_until([&] { return subscribed(cloud, topic_of("c-1")); }));
  EXPECT_GE(cloud.count("POST", "/subscriptions"), 1);
  EXPECT_EQ(cloud.publish(topic_of("c-1"), transcript("c-1", "u-1", "I am thinking of leaving")), 1);
  ASSERT_TRUE(cloud.wait_until([&] { return r.has(EventType::Utterance); }));
  auto events = r.sink.events();
  EXPECT_EQ(events.back().text, "I am thinking of leaving");
  EXPECT_EQ(events.back().interaction_id, "c-1");
  EXPECT_EQ(events.back().ts, *parse_rfc3339("2024-05-01T10:00:20.000Z"));

  // It ends: the topic is dropped (PUT, after the drop delay).
  cloud.publish(kUserTopic, conversation("c-1", "disconnected", "disconnected"));
  ASSERT_TRUE(cloud.wait_until([&] { return r.has(EventType::InteractionEnded); }));
  ASSERT_TRUE(cloud.wait_until([&] { return !subscribed(cloud, topic_of("c-1")); }));
  EXPECT_TRUE(subscribed(cloud, kUserTopic));
  EXPECT_EQ(cloud.publish(topic_of("c-1"), transcript("c-1", "u-2", "late")), 0);
  // Neither the token nor the channel's address (its credential) is in the log.
  std::string log = r.log();
  EXPECT_EQ(log.find("tok-"), std::string::npos) << log;
  EXPECT_EQ(log.find(cloud.newest_channel()), std::string::npos) << log;
  EXPECT_EQ(log.find("rm-secret-value"), std::string::npos) << log;
}

TEST(GenesysNotificationsChannel, HeartbeatsArriveAndPingsAreAnsweredWithoutAnEventOrAnError) {
  auto o = cloud_options();
  o.heartbeat_ms = 50;
  FakeGenesysCloud cloud(o);
  auto c = client_for(cloud);
  c.heartbeat = std::chrono::seconds(1);
  Running r(c);
  ASSERT_TRUE(cloud.wait_until([&] { return cloud.pings() >= 2 && r.transport.stats().messages_in >= 20; }));
  EXPECT_EQ(r.sink.count(), 0u);
  EXPECT_TRUE(r.sink.rejections().empty());
}

// Found while writing these tests: a message read just as the client stopped left its heartbeat
// timer running, and the stop waited its 3 s for it.
TEST(GenesysNotificationsChannel, StoppingWhileMessagesFlowEndsEveryConnection) {
  auto o = cloud_options();
  o.heartbeat_ms = 1;
  FakeGenesysCloud cloud(o);
  for (int round = 0; round < 5; ++round) {
    Running r(client_for(cloud));
    ASSERT_TRUE(cloud.wait_until([&] { return r.transport.stats().messages_in >= 50; }));
    r.transport.stop();
    EXPECT_EQ(r.log().find("still open after 3 s"), std::string::npos) << "round " << round;
  }
}

TEST(GenesysNotificationsChannel, TheTokenIsRenewedBeforeItExpiresAndItsChannelReplacedWithNoGap) {
  auto o = cloud_options();
  o.token_lifetime_s = 4;  // renewed at 3 s; the channel it made closes with it
  FakeGenesysCloud cloud(o);
  Running r(client_for(cloud));
  ASSERT_TRUE(cloud.wait_until([&] { return subscribed(cloud, kUserTopic); }));
  std::string first = cloud.newest_channel();
  ASSERT_TRUE(cloud.wait_until([&] { return cloud.newest_channel() != first && subscribed(cloud, kUserTopic); }));
  EXPECT_EQ(cloud.count("POST", "/oauth/token"), 2);
  ASSERT_TRUE(cloud.wait_until([&] { return cloud.open_sockets() == 1; }));  // the old socket was closed
  ASSERT_TRUE(cloud.wait_until([&] { return cloud.publish(kUserTopic, conversation("c-2", "connected", "connected")) == 1 &&
                                            r.has(EventType::AgentJoined); }));
}

TEST(GenesysNotificationsChannel, AChannelIsReplacedBeforeItsExpires) {
  // Replaced a quarter of its life before its end: 8 s leaves 2 s for the new channel's socket and
  // subscription, which a loaded machine needed (with 4 s and 1 s to spare it once ran past).
  auto o = cloud_options();
  o.channel_lifetime_s = 8;
  FakeGenesysCloud cloud(o);
  Running r(client_for(cloud));
  ASSERT_TRUE(cloud.wait_until([&] { return subscribed(cloud, kUserTopic); }));
  std::string first = cloud.newest_channel();
  ASSERT_TRUE(cloud.wait_until([&] { return cloud.newest_channel() != first && subscribed(cloud, kUserTopic); }));
  EXPECT_EQ(cloud.count("POST", "/oauth/token"), 1);  // the token was still good
  // Before the old channel expired (8 s), the new one was open and subscribed.
  auto calls = cloud.calls();
  auto first_made = std::find_if(calls.begin(), calls.end(), [](const auto& c) { return c.path == "/api/v2/notifications/channels"; });
  auto second_subscribed = std::find_if(calls.rbegin(), calls.rend(), [&](const auto& c) { return c.method == "PUT"; });
  EXPECT_LT(second_subscribed->at - first_made->at, std::chrono::seconds(8));
}

TEST(GenesysNotificationsChannel, TheClosingNoticeMovesEverythingToANewChannelBeforeTheOldSocketCloses) {
  FakeGenesysCloud cloud(cloud_options());
  Running r(client_for(cloud));
  ASSERT_TRUE(cloud.wait_until([&] { return subscribed(cloud, kUserTopic); }));
  ASSERT_TRUE(cloud.wait_until([&] { return cloud.publish(kUserTopic, conversation("c-3", "connected", "connected")) == 1 &&
                                            subscribed(cloud, topic_of("c-3")); }));
  std::string first = cloud.newest_channel();
  cloud.socket_closing(std::chrono::seconds(2));
  ASSERT_TRUE(cloud.wait_until([&] { return cloud.newest_channel() != first && subscribed(cloud, topic_of("c-3")); }));
  ASSERT_TRUE(cloud.wait_until([&] { return cloud.open_sockets() == 1; }));  // we closed the old one ourselves
  EXPECT_EQ(cloud.publish(topic_of("c-3"), transcript("c-3", "u-1", "still here")), 1);
  ASSERT_TRUE(cloud.wait_until([&] { return r.has(EventType::Utterance); }));
}

TEST(GenesysNotificationsChannel, ADroppedSocketReconnectsToTheSameChannelAndResubscribes) {
  FakeGenesysCloud cloud(cloud_options());
  Running r(client_for(cloud));
  ASSERT_TRUE(cloud.wait_until([&] { return subscribed(cloud, kUserTopic); }));
  std::string channel = cloud.newest_channel();
  EXPECT_EQ(cloud.count("PUT", channel + "/subscriptions"), 1);
  cloud.drop_sockets();
  ASSERT_TRUE(cloud.wait_until([&] { return cloud.count("PUT", channel + "/subscriptions") == 2; }));
  EXPECT_EQ(cloud.newest_channel(), channel);  // the same channel
  EXPECT_EQ(cloud.count("POST", "/api/v2/notifications/channels"), 1);
  EXPECT_GE(r.transport.stats().client_reconnects, 1u);
  ASSERT_TRUE(cloud.wait_until([&] { return cloud.publish(kUserTopic, conversation("c-4", "connected", "connected")) == 1 &&
                                            r.has(EventType::AgentJoined); }));
}

TEST(GenesysNotificationsChannel, A429IsHonouredForItsRetryAfter) {
  FakeGenesysCloud cloud(cloud_options());
  cloud.fail_next({"POST", "/api/v2/notifications/channels", 429,
                   R"({"message":"Rate limit exceeded the maximum. [300] requests for [60] seconds","code":"too.many.requests","status":429})",
                   {{"Retry-After", "1"}}});
  Running r(client_for(cloud));
  ASSERT_TRUE(cloud.wait_until([&] { return subscribed(cloud, kUserTopic); }));
  std::vector<std::chrono::steady_clock::time_point> made;
  for (const auto& c : cloud.calls())
    if (c.method == "POST" && c.path == "/api/v2/notifications/channels") made.push_back(c.at);
  ASSERT_EQ(made.size(), 2u);
  EXPECT_GE(made[1] - made[0], std::chrono::milliseconds(1000));
  EXPECT_NE(r.log().find("429"), std::string::npos);
}

TEST(GenesysNotificationsChannel, RefusedCredentialsMakeNoChannelAndTheSecretIsNeverLogged) {
  FakeGenesysCloud cloud(cloud_options());
  Running r(client_for(cloud, "a-wrong-secret"));
  ASSERT_TRUE(cloud.wait_until([&] { return cloud.count("POST", "/oauth/token") >= 2; }));  // retried with backoff
  EXPECT_EQ(cloud.count("POST", "/api/v2/notifications/channels"), 0);
  std::string log = r.log();
  EXPECT_NE(log.find("authentication failed"), std::string::npos) << log;
  EXPECT_EQ(log.find("a-wrong-secret"), std::string::npos) << log;
  EXPECT_EQ(log.find("YS13cm9uZy1zZWNyZXQ"), std::string::npos) << log;  // nor inside the base64 of id:secret
}

TEST(GenesysNotificationsChannel, AnUntrustedCertificateIsRefusedBeforeAnyRequest) {
  auto o = cloud_options();
  o.cert_file = testing::test_certificates().self_signed_cert();
  o.key_file = testing::test_certificates().self_signed_key();
  FakeGenesysCloud cloud(o);
  Running r(client_for(cloud));
  ASSERT_TRUE(cloud.wait_until([&] { return r.log().find("certificate verify failed") != std::string::npos; })) << r.log();
  EXPECT_TRUE(cloud.calls().empty());
}

TEST(GenesysNotificationsChannel, BadAndOversizeMessagesAreRefusedAndTheChannelGoesOn) {
  FakeGenesysCloud cloud(cloud_options());
  auto c = client_for(cloud);
  c.max_message_bytes = 64 * 1024;
  Running r(c);
  ASSERT_TRUE(cloud.wait_until([&] { return subscribed(cloud, kUserTopic); }));
  cloud.send_raw("not json");
  cloud.send_raw(R"({"topicName":")" + kUserTopic + R"(","eventBody":{"id":"c-5","participants":"nope"}})");
  cloud.send_raw(R"({"topicName":")" + kUserTopic + R"(","eventBody":{"id":")" + std::string(100 * 1024, 'x') + R"("}})");
  ASSERT_TRUE(cloud.wait_until([&] {
    auto codes = r.sink.rejections();
    std::sort(codes.begin(), codes.end());
    return codes == std::vector<std::string>{"invalid_json", "missing_field", "too_large"};
  }));
  EXPECT_EQ(cloud.count("POST", "/api/v2/notifications/channels"), 1);  // the same channel throughout
  ASSERT_TRUE(cloud.wait_until([&] { return cloud.publish(kUserTopic, conversation("c-6", "connected", "connected")) == 1 &&
                                            r.has(EventType::AgentJoined); }));
}

}  // namespace
}  // namespace rightmoment
