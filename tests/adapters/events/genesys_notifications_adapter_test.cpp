// The genesys-notifications adapter's translation of transcription notifications, and what it tells
// the channel it runs (which conversations are live), message by message.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "adapters/events/builtin_adapters.hpp"
#include "adapters/events/genesys_notifications/genesys_channel.hpp"
#include "plugin/core/event_adapter.hpp"

namespace rightmoment {
namespace {

using json = nlohmann::json;
constexpr EventTimeMs kWall = 1'763'805'600'000;

std::string transcription(const std::string& conversation, json transcripts, json extra = json::object()) {
  json body = {{"eventTime", "2024-05-01T10:00:40.000Z"}, {"conversationId", conversation}, {"communicationId", "k1"},
               {"sessionStartTimeMs", 1714557600000},  // 2024-05-01T10:00:00Z
               {"transcripts", std::move(transcripts)}, {"status", {{"status", "SESSION_ONGOING"}, {"offsetMs", 40000}}}};
  body.update(extra);
  return json{{"topicName", "v2.conversations." + conversation + ".transcription"}, {"version", "2"}, {"eventBody", body}}.dump();
}

json line(const std::string& id, const std::string& channel, const std::string& text, bool final = true, int offset = 18000) {
  return {{"utteranceId", id},
          {"isFinal", final},
          {"channel", channel},
          {"alternatives", json::array({{{"confidence", 0.9}, {"offsetMs", offset}, {"durationMs", 2000}, {"transcript", text}}})}};
}

std::string conversation(const std::string& id, const std::string& customer_state) {
  return json{{"topicName", "v2.users.u1.conversations"},
              {"eventBody",
               {{"id", id},
                {"participants", json::array({{{"purpose", "customer"},
                                               {"address", "tel:+13175550123"},
                                               {"calls", json::array({{{"state", customer_state},
                                                                       {"connectedTime", "2024-05-01T10:00:02.000Z"},
                                                                       {"disconnectedTime", "2024-05-01T10:05:00.000Z"}}})}}})}}}}
      .dump();
}

TEST(GenesysNotificationsTranscripts, ExternalIsTheCustomerInternalTheAgentAtTheSessionOffset) {
  auto a = builtin_adapters().make_event_adapter("genesys-notifications", {});
  AdapterOutput out;
  a->on_text(transcription("c1", json::array({line("u-1", "EXTERNAL", "I want to cancel"), line("u-2", "INTERNAL", "Let me help", true, 21000),
                                              line("u-3", "BOTH", "mixed audio names nobody")})),
             kWall, out);
  ASSERT_EQ(out.events.size(), 2u);
  EXPECT_EQ(out.events[0].speaker, Speaker::Customer);
  EXPECT_EQ(out.events[0].text, "I want to cancel");
  EXPECT_EQ(out.events[0].interaction_id, "c1");
  EXPECT_EQ(out.events[0].ts, *parse_rfc3339("2024-05-01T10:00:18.000Z"));
  EXPECT_EQ(out.events[1].speaker, Speaker::Agent);
  EXPECT_EQ(out.events[1].ts, *parse_rfc3339("2024-05-01T10:00:21.000Z"));
  EXPECT_EQ(out.ignored, 1u);
  EXPECT_TRUE(out.rejections.empty());
}

TEST(GenesysNotificationsTranscripts, WithoutASessionStartTheBatchTimeIsUsed) {
  auto a = builtin_adapters().make_event_adapter("genesys-notifications", {});
  AdapterOutput out;
  a->on_text(transcription("c1", json::array({line("u-1", "EXTERNAL", "hello")}), {{"sessionStartTimeMs", nullptr}}), kWall, out);
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].ts, *parse_rfc3339("2024-05-01T10:00:40.000Z"));
}

TEST(GenesysNotificationsTranscripts, AFinalUtteranceDeliveredTwiceIsOneEventAndPartialsFollowTheirText) {
  auto a = builtin_adapters().make_event_adapter("genesys-notifications", {});
  AdapterOutput out;
  std::string partial = transcription("c1", json::array({line("u-1", "EXTERNAL", "I want to", false)}));
  a->on_text(partial, kWall, out);
  a->on_text(partial, kWall, out);  // the same partial again: the same id, which the engine drops
  a->on_text(transcription("c1", json::array({line("u-1", "EXTERNAL", "I want to cancel", false)})), kWall, out);
  std::string final = transcription("c1", json::array({line("u-1", "EXTERNAL", "I want to cancel my plan")}));
  a->on_text(final, kWall, out);
  a->on_text(final, kWall, out);  // after a reconnect, or from the old and the new channel at once
  ASSERT_EQ(out.events.size(), 4u);
  EXPECT_EQ(out.events[0].event_id, out.events[1].event_id);
  EXPECT_NE(out.events[1].event_id, out.events[2].event_id);
  EXPECT_FALSE(out.events[0].final);
  EXPECT_EQ(out.events[3].event_id, "gn-u-u-1");
  EXPECT_TRUE(out.events[3].final);
}

TEST(GenesysNotificationsTranscripts, StatusOnlyMessagesAndOddTranscriptsAreIgnoredNeverFatal) {
  auto a = builtin_adapters().make_event_adapter("genesys-notifications", {});
  AdapterOutput out;
  a->on_text(json{{"topicName", "v2.conversations.c1.transcription"},
                  {"eventBody", {{"conversationId", "c1"}, {"status", {{"status", "SESSION_ENDED"}}}}}}
                 .dump(),
             kWall, out);
  a->on_text(transcription("c1", json::array({{{"utteranceId", "x"}}, 5, line("", "EXTERNAL", "no id"), line("y", "EXTERNAL", "")})),
             kWall, out);
  a->on_text(json{{"topicName", "v2.conversations..transcription"}, {"eventBody", {{"transcripts", json::array()}}}}.dump(), kWall, out);
  EXPECT_TRUE(out.events.empty());
  EXPECT_EQ(out.rejections.size(), 1u);  // no conversation id anywhere
  // The conversation id of the topic serves when the body has none.
  a->on_text(transcription("c2", json::array({line("u-9", "INTERNAL", "thanks")}), {{"conversationId", nullptr}}), kWall, out);
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].interaction_id, "c2");
}

TEST(GenesysNotificationsTranscripts, TranscriptsOfAnEndedConversationAreLate) {
  auto a = builtin_adapters().make_event_adapter("genesys-notifications", {});
  AdapterOutput out;
  a->on_text(conversation("c1", "connected"), kWall, out);
  a->on_text(conversation("c1", "disconnected"), kWall, out);
  std::size_t before = out.events.size();
  a->on_text(transcription("c1", json::array({line("u-1", "EXTERNAL", "bye")})), kWall, out);
  EXPECT_EQ(out.events.size(), before);
}

AdapterOptions channel_settings() {
  AdapterOptions o;
  o.settings = {{"client_id", "id"}, {"client_secret", "s"}, {"api_base", "https://a.test"}, {"login_base", "https://l.test"},
                {"users", "u1"}, {"topics", "v2.users.u9.conversations"}};
  return o;
}

TEST(GenesysNotificationsChannel, AConversationGetsItsTranscriptionTopicWhileLiveAndLosesItWhenItEnds) {
  auto a = builtin_adapters().make_event_adapter("genesys-notifications", channel_settings());
  auto* channel = dynamic_cast<GenesysChannel*>(a->channel_controller());
  ASSERT_TRUE(channel);
  EXPECT_TRUE(a->client_handshake_messages().empty());  // subscriptions go over REST
  AdapterOutput out;
  a->on_text(conversation("c1", "connected"), kWall, out);
  EXPECT_TRUE(channel->wanted_topics().count("v2.conversations.c1.transcription"));
  a->on_text(conversation("c1", "disconnected"), kWall, out);
  EXPECT_FALSE(channel->wanted_topics().count("v2.conversations.c1.transcription"));
  EXPECT_EQ(channel->wanted_topics(), (std::set<std::string>{"v2.users.u1.conversations"}));
  // A transcription session that ends says so too.
  a->on_text(conversation("c2", "connected"), kWall, out);
  a->on_text(json{{"topicName", "v2.conversations.c2.transcription"},
                  {"eventBody", {{"conversationId", "c2"}, {"status", {{"status", "SESSION_ENDED"}}}}}}
                 .dump(),
             kWall, out);
  EXPECT_FALSE(channel->wanted_topics().count("v2.conversations.c2.transcription"));
}

TEST(GenesysNotificationsChannel, TheStaticFormStillSubscribesOverTheSocket) {
  AdapterOptions o;
  o.settings["topics"] = "v2.users.u1.conversations";
  auto a = builtin_adapters().make_event_adapter("genesys-notifications", o);
  EXPECT_FALSE(a->channel_controller());
  ASSERT_EQ(a->client_handshake_messages().size(), 1u);
  EXPECT_EQ(json::parse(a->client_handshake_messages()[0])["topics"], json::array({"v2.users.u1.conversations"}));
}

}  // namespace
}  // namespace rightmoment
