// The genesys-audiohook adapter as the server side of an AudioHook session, message by message (no
// socket: tests/adapters/events/genesys_audiohook/audiohook_listener_test.cpp runs the same over real
// WebSockets). Each test names the point of issue 14 it would have caught.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "adapters/events/builtin_adapters.hpp"
#include "plugin/core/event_adapter.hpp"
#include "tests/adapters/events/genesys_audiohook/audiohook_test_helpers.hpp"

namespace rightmoment {
namespace {

using testing::media;

constexpr EventTimeMs kWall = 1'763'805'600'000;  // 2025-11-22T10:00:00Z
const std::string kSessionId = "e160e428-53e2-487c-977d-96989bf5c99d";
const std::string kOrg = "d7934305-0972-4844-938e-9060eef73d05";
const std::string kConversation = "090eaa2f-72fa-480a-83e0-8667ff89c0ec";
const std::string kSecret = "TXlTdXBlclNlY3JldEtleVRlbGxOby0xITJAMyM0JDU=";

HandshakeInfo upgrade(bool with_session_header = true) {
  HandshakeInfo info;
  info.target = "/audiohook";
  info.opened_at_ms = kWall;
  info.headers = {{"host", "127.0.0.1"},
                  {"audiohook-organization-id", kOrg},
                  {"audiohook-correlation-id", "8b1a5c3e-2f4d-4c6b-9e7a-1d2c3b4a5f60"},
                  {"x-api-key", "SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh"}};
  if (with_session_header) info.headers["audiohook-session-id"] = kSessionId;
  return info;
}

// The client side: our seq from 1, serverseq = the server's last seq, every reply collected.
struct Session {
  std::unique_ptr<EventAdapter> adapter;
  AdapterOutput out;
  std::int64_t seq = 0;

  explicit Session(AdapterOptions options = {}, const HandshakeInfo& info = upgrade()) {
    adapter = builtin_adapters().make_event_adapter("genesys-audiohook", options);
    adapter->on_open(info, out);
  }
  std::int64_t serverseq() const { return static_cast<std::int64_t>(out.replies.size()); }
  void send(const std::string& type, nlohmann::json parameters, const std::string& position = "PT1S") {
    if (parameters.is_null()) parameters = nlohmann::json::object();  // nlohmann reads {} as null
    send_raw({{"version", "2"},
              {"id", kSessionId},
              {"type", type},
              {"seq", ++seq},
              {"serverseq", serverseq()},
              {"position", position},
              {"parameters", std::move(parameters)}});
  }
  void send_raw(const nlohmann::json& message) { adapter->on_text(message.dump(), kWall, out); }
  void open(nlohmann::json offer = media({{"external", "internal"}}), const std::string& conversation = kConversation) {
    send("open", {{"organizationId", kOrg},
                  {"conversationId", conversation},
                  {"participant", {{"id", "883efee8-3d6c-4537-b500-6d7ca4b92fa0"}, {"ani", "+13175550123"}, {"aniName", "Pat"}, {"dnis", "+18005550100"}}},
                  {"media", std::move(offer)},
                  {"language", "en-US"}},
         "PT0S");
  }
  nlohmann::json reply(std::size_t i) const { return nlohmann::json::parse(out.replies.at(i)); }
  nlohmann::json last() const { return nlohmann::json::parse(out.replies.back()); }
  std::vector<std::string> types() const {
    std::vector<std::string> t;
    for (const auto& r : out.replies) t.push_back(nlohmann::json::parse(r)["type"]);
    return t;
  }
  std::size_t count(EventType type) const {
    std::size_t n = 0;
    for (const auto& e : out.events) n += e.type == type;
    return n;
  }
};

void expect_disconnect(const Session& s, const std::string& reason) {
  ASSERT_FALSE(s.out.replies.empty());
  auto d = s.last();
  EXPECT_EQ(d["type"], "disconnect");
  EXPECT_EQ(d["parameters"]["reason"], reason);
  EXPECT_TRUE(d["parameters"]["info"].is_string() && !d["parameters"]["info"].get<std::string>().empty());
  for (const auto& r : s.out.rejections) EXPECT_TRUE(r.answered) << r.message;  // never the generic {"type":"error"}
}

TEST(AudioHookSession, OpenedCarriesExactlyTheFirstOfferedFormatAndTheSessionStartsTheInteraction) {
  Session s;
  s.open(media({{"internal", "external"}, {"internal"}, {"external"}}));
  auto opened = s.reply(0);
  EXPECT_EQ(opened["type"], "opened");
  EXPECT_EQ(opened["version"], "2");
  EXPECT_EQ(opened["id"], kSessionId);
  EXPECT_EQ(opened["seq"], 1);
  EXPECT_EQ(opened["clientseq"], 1);
  EXPECT_EQ(opened["parameters"]["media"], media({{"internal", "external"}}));
  EXPECT_EQ(opened["parameters"]["startPaused"], false);
  ASSERT_EQ(s.out.events.size(), 1u);
  EXPECT_EQ(s.out.events[0].type, EventType::InteractionStarted);
  EXPECT_EQ(s.out.events[0].interaction_id, kConversation);  // joins the notifications API's view of the call
  EXPECT_EQ(s.out.events[0].customer.phone.value_or(""), "+13175550123");
}

TEST(AudioHookSession, SupportedLanguagesAreAnsweredWhenAskedForAndAnOfferOfNothingGetsNoMedia) {
  Session s;
  s.send("open", {{"organizationId", kOrg}, {"conversationId", kConversation},
                  {"participant", {{"id", kConversation}, {"ani", ""}, {"aniName", ""}, {"dnis", ""}}},
                  {"media", nlohmann::json::array()}, {"supportedLanguages", true}},
         "PT0S");
  auto opened = s.reply(0);
  EXPECT_EQ(opened["parameters"]["media"], nlohmann::json::array());
  EXPECT_EQ(opened["parameters"]["supportedLanguages"], nlohmann::json::array());
  s.adapter->on_binary(160, kWall, s.out);  // audio with no media chosen
  expect_disconnect(s, "error");
}

// Point 1: a Genesys client never sends "event"; the reference server disconnects one that does.
TEST(AudioHookSession, AClientEventIsAProtocolErrorAndNoTranscriptIsRead) {
  Session s;
  s.open();
  s.send("event", {{"entities", {{{"type", "transcript"},
                                  {"data", {{"id", "5b0f1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"}, {"channelId", 0}, {"isFinal", true},
                                            {"alternatives", {{{"confidence", 0.9}, {"interpretations", {{{"type", "display"}, {"transcript", "cancel it"}}}}}}}}}}}}});
  expect_disconnect(s, "error");
  EXPECT_EQ(s.count(EventType::Utterance), 0u);
}

// Point 2: the non-standard extension reads the speaker from channelId in the chosen media's order.
TEST(AudioHookSession, RelayedTranscriptsTakeTheSpeakerFromChannelIdInTheChosenMedia) {
  AdapterOptions options;
  options.settings["client_transcripts"] = "true";
  auto transcript = [](int channel, const std::string& text) {
    return nlohmann::json{{"entities", {{{"type", "transcript"},
                                         {"data", {{"id", "5b0f1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"}, {"channelId", channel}, {"isFinal", true},
                                                   {"offset", "PT2.5S"}, {"duration", "PT1S"},
                                                   {"alternatives", {{{"confidence", 0.9}, {"interpretations", {{{"type", "display"}, {"transcript", text}}}}}}}}}}}}};
  };
  for (bool inverted : {false, true}) {
    Session s(options);
    s.open(inverted ? media({{"internal", "external"}}) : media({{"external", "internal"}}));
    s.send("event", transcript(0, "first channel"));
    s.send("event", transcript(1, "second channel"));
    s.send("event", transcript(2, "no such channel"));
    ASSERT_EQ(s.count(EventType::Utterance), 2u) << inverted;
    EXPECT_EQ(s.out.events[1].speaker, inverted ? Speaker::Agent : Speaker::Customer);
    EXPECT_EQ(s.out.events[2].speaker, inverted ? Speaker::Customer : Speaker::Agent);
    EXPECT_EQ(s.out.events[1].ts, kWall + 2500);
    EXPECT_EQ(s.types(), (std::vector<std::string>{"opened"}));  // read, never answered
  }
}

// Point 4: every way a session ends ends its interaction, once.
TEST(AudioHookSession, TheInteractionEndsOnACloseForAnyReason) {
  for (const char* reason : {"end", "error", "disconnect", "reconnect"}) {
    Session s;
    s.open();
    s.send("close", {{"reason", reason}}, "PT42S");
    EXPECT_EQ(s.last()["type"], "closed") << reason;
    ASSERT_EQ(s.count(EventType::InteractionEnded), 1u) << reason;
    EXPECT_EQ(s.out.events.back().ts, kWall + 42000);
    s.adapter->on_close(kWall + 50000, s.out);
    EXPECT_EQ(s.count(EventType::InteractionEnded), 1u) << reason;
  }
}

TEST(AudioHookSession, TheInteractionEndsWhenTheSocketDropsOrIdlesOut) {
  Session s;
  s.open();
  s.adapter->on_close(kWall + 9000, s.out);  // what the transport calls for a drop, an idle timeout or a stop
  ASSERT_EQ(s.count(EventType::InteractionEnded), 1u);
  EXPECT_EQ(s.out.events.back().ts, kWall + 9000);
}

TEST(AudioHookSession, TheInteractionEndsWhenWeDisconnectAndTheProbeNeverStartsOne) {
  Session s;
  s.open();
  s.send("ping", {{"rtt", "not a duration"}});
  expect_disconnect(s, "error");
  EXPECT_EQ(s.count(EventType::InteractionEnded), 1u);
  Session probe;
  probe.open(media({{"external", "internal"}}), "00000000-0000-0000-0000-000000000000");
  probe.send("close", {{"reason", "end"}});
  probe.adapter->on_close(kWall, probe.out);
  EXPECT_TRUE(probe.out.events.empty());
  EXPECT_EQ(probe.types(), (std::vector<std::string>{"opened", "closed"}));
}

// Points 5 and 6: an error is AudioHook's disconnect, the socket stays open for the client's close,
// which is answered; only if the client never closes do we, after a bounded wait.
TEST(AudioHookSession, AfterOurDisconnectTheClientClosesAndIsAnswered) {
  Session s;
  s.open();
  s.send("ping", {}, "PT2S");
  s.seq += 5;  // a gap
  s.send("ping", {}, "PT3S");
  expect_disconnect(s, "error");
  auto d = s.last();
  EXPECT_EQ(d["seq"], 3);
  EXPECT_EQ(d["clientseq"], 2);
  EXPECT_NE(d["parameters"]["info"].get<std::string>().find("seq 8"), std::string::npos) << d;
  EXPECT_FALSE(s.out.close);  // not closed by us
  ASSERT_TRUE(s.out.wake_after);
  EXPECT_EQ(*s.out.wake_after, std::chrono::seconds(10));
  s.send("close", {{"reason", "disconnect"}}, "PT3S");
  EXPECT_EQ(s.last()["type"], "closed");
  EXPECT_FALSE(s.out.close);
  // The client has 10 s to close the socket; then we close it.
  AdapterOutput later;
  s.adapter->on_timer(kWall + 10000, later);
  EXPECT_TRUE(later.close);
}

TEST(AudioHookSession, AnOversizeMessageIsADisconnectAndTheNextCloseIsStillAnswered) {
  Session s;
  s.open();
  s.adapter->on_too_large(70 * 1024, 64 * 1024, kWall, s.out);  // the transport's listener limit
  expect_disconnect(s, "error");
  ++s.seq;  // the client counted the message we could not read
  s.send("close", {{"reason", "disconnect"}});
  EXPECT_EQ(s.last()["type"], "closed");
  // The protocol's own limit applies below the listener's too.
  Session t;
  t.open();
  t.adapter->on_text(std::string(65536, ' '), kWall, t.out);
  expect_disconnect(t, "error");
}

// Point 7.
TEST(AudioHookSession, ADisconnectBeforeOpenCarriesTheSessionIdOfTheUpgrade) {
  Session s;
  s.adapter->on_binary(320, kWall, s.out);  // audio before open
  expect_disconnect(s, "error");
  EXPECT_EQ(s.last()["id"], kSessionId);
  Session t({}, upgrade(false));  // no Audiohook-Session-Id header: the null UUID, never ""
  t.adapter->on_binary(320, kWall, t.out);
  EXPECT_EQ(t.last()["id"], "00000000-0000-0000-0000-000000000000");
}

TEST(AudioHookSession, UnknownTypesAndServerseqAboveOurSeqAreProtocolErrors) {
  Session s;
  s.open();
  s.send("dance", {});
  expect_disconnect(s, "error");
  Session t;
  t.open();
  t.send_raw({{"version", "2"}, {"id", kSessionId}, {"type", "ping"}, {"seq", 2}, {"serverseq", 7}, {"position", "PT1S"}, {"parameters", nlohmann::json::object()}});
  expect_disconnect(t, "error");
  EXPECT_NE(t.last()["parameters"]["info"].get<std::string>().find("serverseq 7"), std::string::npos);
}

TEST(AudioHookSession, AudioAfterClosedIsNotAnswered) {
  Session s;
  s.open();
  s.adapter->on_binary(320, kWall, s.out);
  s.send("close", {{"reason", "end"}});
  std::size_t replies = s.out.replies.size();
  s.adapter->on_binary(320, kWall, s.out);
  EXPECT_EQ(s.out.replies.size(), replies);
  EXPECT_TRUE(s.out.rejections.empty());
}

TEST(AudioHookSession, AudioWhilePausedOrOfPartialSamplesIsAProtocolError) {
  Session s;
  s.open(media({{"external", "internal"}}));
  s.adapter->on_binary(321, kWall, s.out);  // two channels: an even number of bytes
  expect_disconnect(s, "error");
  Session t;
  t.open();
  t.send("paused", {});
  t.adapter->on_binary(320, kWall, t.out);
  expect_disconnect(t, "error");
}

TEST(AudioHookSession, PauseResumeUpdatePingDiscardedAndErrorKeepTheSequence) {
  Session s;
  s.open();
  s.send("paused", {});
  s.send("paused", {});  // the reference client sends it twice
  s.send("resumed", {{"start", "PT1S"}, {"discarded", "PT10S"}});
  s.send("update", {{"language", "en-GB"}});
  s.send("discarded", {{"start", "PT12S"}, {"discarded", "PT0.3S"}});
  s.send("error", {{"code", 400}, {"message", "tough stuff"}});
  s.send("ping", {});
  s.send("close", {{"reason", "end"}});
  EXPECT_EQ(s.types(), (std::vector<std::string>{"opened", "updated", "pong", "closed"}));
  auto closed = s.last();
  EXPECT_EQ(closed["seq"], 4);
  EXPECT_EQ(closed["clientseq"], 9);
  EXPECT_TRUE(s.out.rejections.empty());
}

TEST(AudioHookSession, BadEnvelopesAndParametersAreProtocolErrors) {
  const std::vector<nlohmann::json> bad = {
      {{"version", "1"}, {"id", kSessionId}, {"type", "open"}, {"seq", 1}, {"serverseq", 0}, {"position", "PT0S"}, {"parameters", nlohmann::json::object()}},
      {{"version", "2"}, {"id", "not-a-uuid"}, {"type", "open"}, {"seq", 1}, {"serverseq", 0}, {"position", "PT0S"}, {"parameters", nlohmann::json::object()}},
      {{"version", "2"}, {"id", kSessionId}, {"type", "open"}, {"seq", 1}, {"serverseq", 0}, {"position", "12s"}, {"parameters", nlohmann::json::object()}},
      {{"version", "2"}, {"id", kSessionId}, {"type", "open"}, {"seq", 1}, {"serverseq", 0}, {"position", "PT0S"}},
      {{"version", "2"}, {"id", kSessionId}, {"type", "open"}, {"seq", 1}, {"serverseq", 0}, {"position", "PT0S"}, {"parameters", {{"organizationId", kOrg}}}},
      {{"version", "2"}, {"id", "30b0e395-84d3-4570-ac13-9a62d8f514c0"}, {"type", "ping"}, {"seq", 1}, {"serverseq", 0}, {"position", "PT0S"}, {"parameters", nlohmann::json::object()}},
  };
  for (const auto& m : bad) {
    Session s;
    s.send_raw(m);
    expect_disconnect(s, "error");
    EXPECT_TRUE(s.out.events.empty()) << m;
  }
  Session s;
  s.adapter->on_text("not json", kWall, s.out);
  expect_disconnect(s, "error");
}

TEST(AudioHookSession, ASecondOpenIsIgnoredAndAPingBeforeOpenIsAnswered) {
  Session s;
  s.send("ping", {}, "PT0S");
  s.open();
  s.open();
  EXPECT_EQ(s.types(), (std::vector<std::string>{"pong", "opened"}));
  EXPECT_EQ(s.count(EventType::InteractionStarted), 1u);
}

// Point 3: the organisation header must match the open, and a bad signature is refused 500 ms after
// the upgrade with disconnect(unauthorized), never with opened.
TEST(AudioHookSession, AnOrganizationIdOtherThanTheHeadersIsUnauthorized) {
  HandshakeInfo info = upgrade();
  info.headers["audiohook-organization-id"] = "5a1b2c3d-0972-4844-938e-9060eef73d05";
  Session s({}, info);
  s.open();
  expect_disconnect(s, "unauthorized");
  EXPECT_TRUE(s.out.events.empty());
  s.send("close", {{"reason", "disconnect"}});
  EXPECT_EQ(s.last()["type"], "closed");
}

TEST(AudioHookSession, ABadSignatureIsRefusedAfterTheDelayAndNeverOpened) {
  AdapterOptions options;
  options.client_secret = kSecret;
  for (const std::string why : {"unsigned", "wrong secret", "ten minutes old"}) {
    HandshakeInfo info = upgrade();
    testing::AudioHookUpgrade u;
    u.authority = info.headers["host"];
    u.target = info.target;
    u.session_id = kSessionId;
    u.correlation_id = info.headers["audiohook-correlation-id"];
    std::int64_t created = kWall / 1000 - (why == "ten minutes old" ? 600 : 1);
    if (why != "unsigned") {
      auto sig = testing::sign_upgrade(u, why == "wrong secret" ? "V3JvbmdTZWNyZXRXcm9uZ1NlY3JldA==" : kSecret, created, created + 30);
      info.headers["signature-input"] = sig.signature_input;
      info.headers["signature"] = sig.signature;
    }
    Session s(options, info);
    ASSERT_TRUE(s.out.wake_after) << why;
    EXPECT_EQ(*s.out.wake_after, std::chrono::milliseconds(500));
    s.open();
    EXPECT_TRUE(s.out.replies.empty()) << why;  // no opened, and no refusal before the delay
    s.adapter->on_timer(kWall + 500, s.out);
    expect_disconnect(s, "unauthorized");
    EXPECT_TRUE(s.out.events.empty());
  }
  // Signed correctly: opened at once.
  HandshakeInfo info = upgrade();
  testing::AudioHookUpgrade u;
  u.authority = "127.0.0.1";
  u.target = "/audiohook";
  u.session_id = kSessionId;
  u.correlation_id = info.headers["audiohook-correlation-id"];
  auto sig = testing::sign_upgrade(u, kSecret, kWall / 1000 - 1, kWall / 1000 + 29);
  info.headers["signature-input"] = sig.signature_input;
  info.headers["signature"] = sig.signature;
  Session ok(options, info);
  EXPECT_FALSE(ok.out.wake_after);
  ok.open();
  EXPECT_EQ(ok.types(), (std::vector<std::string>{"opened"}));
}

TEST(AudioHookSession, ARelayedFixtureRaisesItsUtterancesWithTheRightSpeakers) {
  // tests/fixtures/genesys_audiohook/relayed_transcripts.jsonl: the agent says "cancel" on channel 1.
  AdapterOptions options;
  options.settings["client_transcripts"] = "true";
  HandshakeInfo info = upgrade();
  info.headers["audiohook-session-id"] = "6d0c2b1a-8e7f-4a5b-9c3d-2e1f0a9b8c7d";
  auto a = builtin_adapters().make_event_adapter("genesys-audiohook", options);
  AdapterOutput out;
  a->on_open(info, out);
  std::ifstream in(RIGHTMOMENT_SOURCE_DIR "/tests/fixtures/genesys_audiohook/relayed_transcripts.jsonl");
  ASSERT_TRUE(in);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) a->on_text(line, kWall, out);
  ASSERT_EQ(out.events.size(), 5u);
  EXPECT_FALSE(out.events[1].final);
  EXPECT_EQ(out.events[2].text, "I want to cancel my subscription");
  EXPECT_EQ(out.events[2].speaker, Speaker::Customer);
  EXPECT_EQ(out.events[3].text, "I can cancel that for you");
  EXPECT_EQ(out.events[3].speaker, Speaker::Agent);
  EXPECT_EQ(out.events[4].type, EventType::InteractionEnded);
}

}  // namespace
}  // namespace rightmoment
