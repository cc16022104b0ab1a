// Each vendor adapter replays its recorded fixtures (tests/fixtures/<vendor>/) into the expected
// canonical events, and survives odd or malformed input without crashing.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "adapters/events/builtin_adapters.hpp"
#include "plugin/core/event_adapter.hpp"
#include "tests/support/recorded_handshake.hpp"

namespace rightmoment {
namespace {

constexpr EventTimeMs kWall = 1'763'805'600'000;  // 2025-11-22T10:00:00Z, a fixed "now" for determinism

struct Replayed {
  std::vector<CanonicalEvent> events;
  std::vector<std::string> replies;
  std::vector<EventRejection> rejections;
  std::size_t ignored = 0;
  bool closed = false;
};

Replayed replay(const std::string& adapter, const std::string& fixture, AdapterOptions options = {}) {
  auto a = builtin_adapters().make_event_adapter(adapter, options);
  EXPECT_TRUE(a) << adapter;
  Replayed r;
  if (!a) return r;
  std::ifstream in(RIGHTMOMENT_SOURCE_DIR "/tests/fixtures/" + fixture);
  EXPECT_TRUE(in) << fixture;
  AdapterOutput out;
  a->on_open(testing::recorded_handshake(fixture, kWall), out);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    a->on_text(line, kWall, out);
  }
  r.events = std::move(out.events);
  r.replies = std::move(out.replies);
  r.rejections = std::move(out.rejections);
  r.ignored = out.ignored;
  r.closed = out.close;
  return r;
}

std::vector<std::string> types(const Replayed& r) {
  std::vector<std::string> out;
  for (const auto& e : r.events) out.emplace_back(event_type_name(e.type));
  return out;
}

// The recorded session carries what an AudioHook Monitor session carries: control messages and no
// transcripts (those come from the notifications API). More in tests/adapters/events/genesys_audiohook/.
TEST(GenesysAudioHook, ASessionOpensAndClosesOneInteractionNamedByItsConversation) {
  Replayed r = replay("genesys-audiohook", "genesys_audiohook/session.jsonl");
  EXPECT_TRUE(r.rejections.empty());
  EXPECT_EQ(types(r), (std::vector<std::string>{"interaction.started", "interaction.ended"}));
  const auto& started = r.events[0];
  EXPECT_EQ(started.interaction_id, "090eaa2f-72fa-480a-83e0-8667ff89c0ec");  // the conversationId
  EXPECT_EQ(started.customer.phone.value_or(""), "+1-555-555-1234");
  EXPECT_EQ(started.customer.name.value_or(""), "John Doe");
  EXPECT_EQ(started.agent_id.value_or(""), "a-42");
  EXPECT_EQ(r.events[1].ts, kWall + 60000);  // the close's position
  // opened (exactly the first offered format), pong, updated, pong, closed; our seq from 1.
  std::vector<std::string> replies;
  for (const auto& reply : r.replies) replies.push_back(nlohmann::json::parse(reply)["type"]);
  EXPECT_EQ(replies, (std::vector<std::string>{"opened", "pong", "updated", "pong", "closed"}));
  auto opened = nlohmann::json::parse(r.replies[0]);
  EXPECT_EQ(opened["seq"], 1);
  EXPECT_EQ(opened["clientseq"], 1);
  EXPECT_EQ(opened["id"], "e160e428-53e2-487c-977d-96989bf5c99d");
  EXPECT_EQ(opened["parameters"]["media"],
            nlohmann::json::parse(R"([{"type":"audio","format":"PCMU","channels":["external","internal"],"rate":8000}])"));
  auto closed = nlohmann::json::parse(r.replies.back());
  EXPECT_EQ(closed["seq"], 5);
  EXPECT_EQ(closed["clientseq"], 8);
  EXPECT_FALSE(r.closed);  // the client closes the socket, not us
}

TEST(GenesysAudioHook, TheProbeIsAnsweredAndClosedWithNoInteraction) {
  Replayed r = replay("genesys-audiohook", "genesys_audiohook/probe.jsonl");
  EXPECT_TRUE(r.events.empty());
  ASSERT_EQ(r.replies.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(r.replies[0])["type"], "opened");
  EXPECT_EQ(nlohmann::json::parse(r.replies[1])["type"], "closed");
}

TEST(TwilioMediaStreams, StartCarriesIdentityAndTheAgentAndTranscriptsBecomeUtterances) {
  Replayed r = replay("twilio-media-streams", "twilio_media_streams/call.jsonl");
  EXPECT_TRUE(r.rejections.empty());
  EXPECT_EQ(types(r), (std::vector<std::string>{"interaction.started", "utterance", "dtmf", "interaction.ended"}));
  EXPECT_EQ(r.events[0].interaction_id, "CA1");
  EXPECT_EQ(r.events[0].customer.phone.value_or(""), "+14155550101");
  EXPECT_EQ(r.events[0].agent_id.value_or(""), "a-42");
  EXPECT_EQ(r.events[1].text, "This is the third time I am calling");
  EXPECT_EQ(r.events[1].ts, *parse_rfc3339("2026-11-22T10:00:04.000Z"));
  EXPECT_EQ(r.events[2].digits, "1");
  EXPECT_EQ(r.ignored, 3u);  // connected, media, mark
}

TEST(AmazonConnect, ContactEventsAndSegmentsInAnyLetterCaseWithDuplicatesDropped) {
  Replayed r = replay("amazon-connect", "amazon_connect/contact.jsonl");
  EXPECT_TRUE(r.rejections.empty());
  EXPECT_EQ(types(r), (std::vector<std::string>{"interaction.started", "agent.joined", "utterance", "utterance", "interaction.ended"}));
  EXPECT_EQ(r.events[0].customer.phone.value_or(""), "+14155550101");
  EXPECT_EQ(r.events[1].agent_id.value_or(""), "agent-7");
  EXPECT_FALSE(r.events[2].final);
  EXPECT_TRUE(r.events[3].final);
  EXPECT_EQ(r.events[3].sentiment.value_or(0), -0.6);
  EXPECT_EQ(r.events[3].ts, *parse_rfc3339("2026-11-22T10:00:00Z") + 24010);
}

TEST(GenesysNotifications, FullStateIsDiffedIntoEventsAndTranscriptsBecomeUtterances) {
  AdapterOptions options;
  options.settings["topics"] = "v2.users.7e3c.conversations,v2.conversations.c0f1.transcription";
  Replayed r = replay("genesys-notifications", "genesys_notifications/conversation.jsonl", options);
  EXPECT_TRUE(r.rejections.empty());
  EXPECT_EQ(types(r), (std::vector<std::string>{"interaction.started", "agent.joined", "utterance", "hold.started",
                                                "hold.ended", "agent.left", "interaction.ended"}));
  EXPECT_EQ(r.events[0].customer.phone.value_or(""), "tel:+13175550123");  // as Genesys writes it: the identity normaliser reads tel:
  EXPECT_EQ(r.events[1].agent_id.value_or(""), "7e3c");
  EXPECT_EQ(r.events[2].text, "I'm thinking of switching to another provider");
  EXPECT_EQ(r.events[3].ts, *parse_rfc3339("2024-05-01T10:03:11.000Z"));
  auto a = builtin_adapters().make_event_adapter("genesys-notifications", options);
  auto subscribe = nlohmann::json::parse(a->client_handshake_messages().at(0));
  EXPECT_EQ(subscribe["message"], "subscribe");
  EXPECT_EQ(subscribe["topics"].size(), 2u);
  EXPECT_EQ(a->heartbeat_message().value_or(""), R"({"message":"ping"})");
}

TEST(GenesysNotifications, ANotificationDeliveredTwiceYieldsTheSameEventIds) {
  auto a = builtin_adapters().make_event_adapter("genesys-notifications", {});
  std::ifstream in(RIGHTMOMENT_SOURCE_DIR "/tests/fixtures/genesys_notifications/conversation.jsonl");
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  AdapterOutput out;
  a->on_text(lines[1], kWall, out);
  a->on_text(lines[2], kWall, out);
  std::size_t before = out.events.size();
  a->on_text(lines[2], kWall, out);  // resent after a reconnect: nothing new
  EXPECT_EQ(out.events.size(), before);
}

// Odd input for every adapter: never a crash, either ignored or refused with a code.
TEST(VendorAdapters, MalformedAndOddMessagesAreRefusedOrIgnoredNeverFatal) {
  const std::vector<std::string> odd = {
      "", "not json", "[]", "42", "null", "{}", R"({"event":7})", R"({"type":"open"})",
      R"({"version":"2","type":"open","seq":"one","id":5,"parameters":[]})", R"({"topicName":"x","eventBody":[]})",
      R"({"topicName":"v2.users.1.conversations","eventBody":{"id":"c","participants":"nope"}})",
      R"({"detail":{"eventType":"INITIATED","contactId":""}})", R"({"ContactId":"c","EventType":"SEGMENTS","Segments":[{"Transcript":{}}]})",
      R"({"TranscriptionEvent":"transcription-content","TranscriptionData":"{broken"})",
      R"({"event":"start","start":{"customParameters":{"agentId":["x"]}}})", std::string(200, '{'),
      std::string("{\"event\":\"dtmf\",\"dtmf\":{\"digit\":\"\xff\"}}")};
  for (const auto& name : builtin_adapters().event_adapter_names()) {
    auto a = builtin_adapters().make_event_adapter(name, {});
    ASSERT_TRUE(a) << name;
    AdapterOutput out;
    for (const auto& m : odd) a->on_text(m, kWall, out);
    a->on_binary(10, kWall, out);
    a->on_close(kWall, out);
    for (const auto& r : out.rejections) EXPECT_FALSE(r.code.empty()) << name;
    for (const auto& e : out.events) {
      EXPECT_FALSE(e.event_id.empty()) << name;
      EXPECT_FALSE(e.interaction_id.empty()) << name;
    }
  }
}

TEST(AdapterRegistry, KnowsEveryAdapterByName) {
  auto names = builtin_adapters().event_adapter_names();
  for (const char* n : {"generic", "genesys-audiohook", "genesys-notifications", "twilio-media-streams", "amazon-connect"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  EXPECT_FALSE(builtin_adapters().make_event_adapter("fax-machine", {}));
}

// Found in review: a long-lived forwarder connection remembered every contact it ever saw.
TEST(AmazonConnect, ALongLivedConnectionRemembersOnlyRecentContacts) {
  auto a = builtin_adapters().make_event_adapter("amazon-connect", AdapterOptions{});
  ASSERT_TRUE(a);
  auto initiated = [](int i) {
    return R"({"detail-type":"Amazon Connect Contact Event","time":"2026-11-22T10:00:00Z","detail":{"eventType":"INITIATED","contactId":"c-)" +
           std::to_string(i) + R"(","channel":"VOICE"}})";
  };
  AdapterOutput out;
  for (int i = 0; i <= 10000; ++i) a->on_text(initiated(i), kWall, out);
  EXPECT_EQ(out.events.size(), 10001u);
  AdapterOutput again;
  a->on_text(initiated(10000), kWall, again);  // recent: still a duplicate
  EXPECT_TRUE(again.events.empty());
  a->on_text(initiated(0), kWall, again);  // the oldest was forgotten (the engine dedupes by event id)
  EXPECT_EQ(again.events.size(), 1u);
}

// Issue 14: Contact Lens COMPLETED and FAILED were ignored, so the interaction stayed open.
TEST(AmazonConnect, ContactLensCompletedOrFailedEndsTheInteraction) {
  for (const char* end : {"COMPLETED", "FAILED"}) {
    auto a = builtin_adapters().make_event_adapter("amazon-connect", AdapterOptions{});
    AdapterOutput out;
    a->on_text(R"({"Version":"1.0.0","Channel":"VOICE","AccountId":"123456789012","InstanceId":"i-1","ContactId":"c-2","LanguageCode":"en-US","EventType":"STARTED"})",
               kWall, out);
    a->on_text(R"({"Version":"1.0.0","Channel":"VOICE","ContactId":"c-2","EventType":"SEGMENTS","Segments":[{"Transcript":{"Id":"t1","ParticipantId":"CUSTOMER","ParticipantRole":"CUSTOMER","Content":"Hello","BeginOffsetMillis":1000,"EndOffsetMillis":2000}}]})",
               kWall, out);
    a->on_text(std::string(R"({"Version":"1.0.0","Channel":"VOICE","ContactId":"c-2","EventType":")") + end + R"("})", kWall, out);
    a->on_text(R"({"version":"0","detail-type":"Amazon Connect Contact Event","detail":{"eventType":"DISCONNECTED","contactId":"c-2"}})", kWall, out);
    ASSERT_EQ(out.events.size(), 2u) << end;
    EXPECT_EQ(out.events[1].type, EventType::InteractionEnded) << end;  // once, though DISCONNECTED followed
    EXPECT_EQ(out.events[1].ts, kWall + 2000) << end;                   // not before the last utterance
  }
}

// Issue 14: AWS's own samples reuse segment ids across participants, and a customer line was lost.
TEST(AmazonConnect, DuplicatesAreKeyedOnTheParticipantAndTheId) {
  auto a = builtin_adapters().make_event_adapter("amazon-connect", AdapterOptions{});
  AdapterOutput out;
  auto segment = [](const char* role, const char* text) {
    return std::string(R"({"Version":"1.0.0","ContactId":"c-3","EventType":"SEGMENTS","Segments":[{"Transcript":{"Id":"seg-1","ParticipantId":")") +
           role + R"(","ParticipantRole":")" + role + R"(","Content":")" + text + R"(","BeginOffsetMillis":0,"EndOffsetMillis":900}}]})";
  };
  a->on_text(segment("AGENT", "How can I help?"), kWall, out);
  a->on_text(segment("CUSTOMER", "I want to cancel my contract"), kWall, out);
  a->on_text(segment("CUSTOMER", "I want to cancel my contract"), kWall, out);  // a redelivery
  ASSERT_EQ(out.events.size(), 2u);
  EXPECT_EQ(out.events[0].speaker, Speaker::Agent);
  EXPECT_EQ(out.events[1].speaker, Speaker::Customer);
  EXPECT_NE(out.events[0].event_id, out.events[1].event_id);
}

// Issue 14: a bare EventBridge 'detail' was dropped silently.
TEST(AmazonConnect, ABareDetailObjectIsRefusedWithACode) {
  auto a = builtin_adapters().make_event_adapter("amazon-connect", AdapterOptions{});
  AdapterOutput out;
  a->on_text(R"({"eventType":"INITIATED","contactId":"c-4","channel":"VOICE","initiationMethod":"INBOUND"})", kWall, out);
  a->on_text(R"({"eventType":"COMPLETED","contactId":"c-4","channel":"VOICE"})", kWall, out);
  EXPECT_TRUE(out.events.empty());
  ASSERT_EQ(out.rejections.size(), 2u);
  EXPECT_EQ(out.rejections[0].code, "bare_detail");
}

// Issue 14: a DISCONNECTED for an unknown contact created an interaction and ended it on the spot.
TEST(AmazonConnect, AnEndForAContactNeverSeenIsCountedAndCreatesNothing) {
  auto a = builtin_adapters().make_event_adapter("amazon-connect", AdapterOptions{});
  AdapterOutput out;
  a->on_text(R"({"version":"0","detail-type":"Amazon Connect Contact Event","time":"2026-11-22T10:05:00Z","detail":{"eventType":"DISCONNECTED","contactId":"c-5","disconnectTimestamp":"2026-11-22T10:05:00.000Z"}})",
             kWall, out);
  a->on_text(R"({"Version":"1.0.0","ContactId":"c-6","EventType":"COMPLETED"})", kWall, out);
  EXPECT_TRUE(out.events.empty());
  EXPECT_TRUE(out.rejections.empty());
  EXPECT_EQ(out.ignored_reasons, (std::vector<std::string>{"unknown_contact", "unknown_contact"}));
  // Contact events are unordered: should the contact's start still come, it is ended right after.
  a->on_text(R"({"version":"0","detail-type":"Amazon Connect Contact Event","detail":{"eventType":"INITIATED","contactId":"c-5","initiationTimestamp":"2026-11-22T10:00:00.000Z"}})",
             kWall, out);
  ASSERT_EQ(out.events.size(), 2u);
  EXPECT_EQ(out.events[0].type, EventType::InteractionStarted);
  EXPECT_EQ(out.events[1].type, EventType::InteractionEnded);
  EXPECT_EQ(out.events[1].ts, *parse_rfc3339("2026-11-22T10:05:00Z"));
}

TEST(TwilioMediaStreams, ADtmfEventWithoutADigitIsRefused) {
  auto a = builtin_adapters().make_event_adapter("twilio-media-streams", AdapterOptions{});
  ASSERT_TRUE(a);
  AdapterOutput out;
  a->on_text(R"({"event":"start","sequenceNumber":"1","start":{"callSid":"CA9","streamSid":"MZ9","customParameters":{}},"streamSid":"MZ9"})",
             kWall, out);
  std::size_t before = out.events.size();
  a->on_text(R"({"event":"dtmf","sequenceNumber":"2","dtmf":{"track":"inbound_track","digit":""},"streamSid":"MZ9"})", kWall, out);
  a->on_text(R"({"event":"dtmf","sequenceNumber":"3","streamSid":"MZ9"})", kWall, out);
  EXPECT_EQ(out.events.size(), before);
  EXPECT_EQ(out.rejections.size(), 2u);
  a->on_text(R"({"event":"dtmf","sequenceNumber":"4","dtmf":{"track":"inbound_track","digit":"7"},"streamSid":"MZ9"})", kWall, out);
  ASSERT_EQ(out.events.size(), before + 1);
  EXPECT_EQ(out.events.back().digits, "7");
}

// From the adapter review: agent.left was stamped on arrival; the leg's disconnectedTime is the moment.
TEST(GenesysNotifications, AnAgentLeavesAtTheLegsDisconnectedTime) {
  auto a = builtin_adapters().make_event_adapter("genesys-notifications", AdapterOptions{});
  ASSERT_TRUE(a);
  auto note = [](const std::string& agent_call) {
    return R"({"topicName":"v2.users.u1.conversations","eventBody":{"id":"cv1","participants":[)"
           R"({"purpose":"customer","address":"tel:+13175550123","calls":[{"state":"connected","direction":"inbound","connectedTime":"2024-05-01T10:00:02.000Z"}]},)"
           R"({"purpose":"agent","userId":"u1","calls":[)" + agent_call + "]}]}}";
  };
  AdapterOutput out;
  a->on_text(note(R"({"state":"connected","connectedTime":"2024-05-01T10:00:10.000Z"})"), kWall, out);
  a->on_text(note(R"({"state":"disconnected","disconnectType":"transfer","connectedTime":"2024-05-01T10:00:10.000Z","disconnectedTime":"2024-05-01T10:03:00.000Z"})"),
             kWall, out);
  ASSERT_TRUE(out.rejections.empty());
  bool left = false, transfer = false;
  for (const auto& e : out.events) {
    if (e.type == EventType::AgentLeft) {
      left = true;
      EXPECT_EQ(e.ts, *parse_rfc3339("2024-05-01T10:03:00.000Z"));
    }
    if (e.type == EventType::Transfer) {
      transfer = true;
      EXPECT_EQ(e.ts, *parse_rfc3339("2024-05-01T10:03:00.000Z"));
    }
  }
  EXPECT_TRUE(left);
  EXPECT_TRUE(transfer);
}

TEST(GenesysNotifications, ALongLivedChannelRemembersOnlyRecentConversations) {
  auto a = builtin_adapters().make_event_adapter("genesys-notifications", AdapterOptions{});
  ASSERT_TRUE(a);
  auto started = [](int i) {
    return R"({"topicName":"v2.users.u1.conversations","eventBody":{"id":"cv-)" + std::to_string(i) +
           R"(","participants":[{"purpose":"customer","calls":[{"state":"connected","connectedTime":"2024-05-01T10:00:02.000Z"}]}]}})";
  };
  AdapterOutput out;
  for (int i = 0; i <= 10000; ++i) a->on_text(started(i), kWall, out);
  EXPECT_EQ(out.events.size(), 10001u);
  AdapterOutput again;
  a->on_text(started(10000), kWall, again);  // recent: nothing new
  EXPECT_TRUE(again.events.empty());
  a->on_text(started(0), kWall, again);  // forgotten: seen as new (the engine drops it by event id)
  EXPECT_EQ(again.events.size(), 1u);
}

}  // namespace
}  // namespace rightmoment
