// Twilio's real-time transcription webhooks at the adapter: X-Twilio-Signature checked as Twilio's
// validators check it (Twilio's own published examples as test vectors), and each callback mapped.
#include <gtest/gtest.h>

#include <cstdlib>

#include "adapters/events/builtin_adapters.hpp"
#include "adapters/events/twilio_media_streams/twilio_signature.hpp"
#include "plugin/core/webhook_adapter.hpp"
#include "tests/support/twilio_signer.hpp"

namespace rightmoment {
namespace {

using testing::form_encode;
using testing::twilio_signature_as_documented;
using testing::TwilioParams;

constexpr EventTimeMs kWall = 1'796'119'200'000;  // 2026-12-01T09:20:00Z
const std::string kToken = "2f6e1c0b9a8d7e6f5a4b3c2d1e0f9a8b";
const std::string kPublic = "https://rightmoment.example.com";
const std::string kPath = "/twilio/transcriptions";

// Twilio's api-snippets (security/signature_validation): auth token 12345 and this request.
TwilioParams twilio_example(const std::string& caller) {
  return {{"CallSid", "CA1234567890ABCDE"}, {"Caller", caller}, {"Digits", "1234"}, {"From", caller}, {"To", "+18005551212"}};
}

TEST(TwilioSignature, MatchesTwilioPublishedExamples) {
  const std::string url = "https://mycompany.com/myapp.php?foo=1&bar=2";
  EXPECT_EQ(twilio::signature("12345", url, twilio_example("+14158675309")), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
  EXPECT_EQ(twilio::signature("12345", url, twilio_example("+14158675310")), "GvWf1cFY/Q7PnoempGyD5oXAezc=");
  // The tests' own signer, written from the documentation, agrees: the socket tests sign with it.
  EXPECT_EQ(twilio_signature_as_documented("12345", url, twilio_example("+14158675309")), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
  EXPECT_TRUE(twilio::signature_valid({"12345"}, url, twilio_example("+14158675309"), "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
  EXPECT_FALSE(twilio::signature_valid({"12346"}, url, twilio_example("+14158675309"), "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
  EXPECT_FALSE(twilio::signature_valid({"12345"}, url, twilio_example("+14158675309"), ""));
}

TEST(TwilioSignature, AcceptsTheUrlWithOrWithoutItsDefaultPortAsTwilioValidatorsDo) {
  auto params = twilio_example("+14158675309");
  std::string with_port = twilio_signature_as_documented("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", params);
  EXPECT_TRUE(twilio::signature_valid({"12345"}, "https://mycompany.com/myapp.php?foo=1&bar=2", params, with_port));
  std::string without = twilio_signature_as_documented("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params);
  EXPECT_TRUE(twilio::signature_valid({"12345"}, "https://mycompany.com:443/myapp.php?foo=1&bar=2", params, without));
  EXPECT_FALSE(twilio::signature_valid({"12345"}, "https://mycompany.com/other.php?foo=1&bar=2", params, without));
  // A repeated parameter: its values in byte order.
  TwilioParams repeated{{"b", "2"}, {"a", "z"}, {"a", "y"}};
  EXPECT_EQ(twilio::signature("t", "http://x.example/", repeated), twilio_signature_as_documented("t", "http://x.example/", repeated));
  EXPECT_EQ(twilio::signature("t", "http://x.example/", repeated), twilio_signature_as_documented("t", "http://x.example/ayazb2", {}));
}

std::unique_ptr<WebhookAdapter> make_webhook(std::map<std::string, std::string> settings = {}) {
  AdapterOptions options;
  options.settings = {{"public_url", kPublic + "/"}, {"auth_token", kToken}};
  for (auto& [k, v] : settings) options.settings[k] = v;
  std::string error;
  auto a = builtin_adapters().make_webhook_adapter("twilio-transcriptions", options, error);
  EXPECT_TRUE(a) << error;
  return a;
}

TwilioParams content(const std::string& sequence, const std::string& track, const std::string& text, const std::string& final = "true") {
  return {{"LanguageCode", "en-US"},
          {"TranscriptionSid", "GT0f4e6a1c2b3d4e5f6a7b8c9d0e1f2a3b"},
          {"TranscriptionEvent", "transcription-content"},
          {"CallSid", "CA5f3f0b8e2d2b4c1a9e7d6c5b4a392817"},
          {"TranscriptionData", R"({"transcript":")" + text + R"(","confidence":0.91})"},
          {"Timestamp", "2026-12-01T09:20:04.071826Z"},
          {"Final", final},
          {"AccountSid", "AC9c1b7d0e5f4a3b2c1d0e9f8a7b6c5d4e"},
          {"Track", track},
          {"SequenceId", sequence}};
}

struct Posted {
  WebhookOutput out;
  unsigned status() const { return out.status; }
};

Posted post(WebhookAdapter& a, const TwilioParams& params, std::optional<std::string> signature, const std::string& method = "POST",
            const std::string& content_type = "application/x-www-form-urlencoded; charset=utf-8") {
  std::map<std::string, std::string> headers{{"content-type", content_type}};
  if (signature) headers["x-twilio-signature"] = *signature;
  std::string body = form_encode(params);
  Posted p;
  a.on_request(WebhookRequest{method, kPath, headers, body, "127.0.0.1:1"}, kWall, p.out);
  return p;
}

std::string signed_for(const TwilioParams& params, const std::string& token = kToken) {
  return twilio_signature_as_documented(token, kPublic + kPath, params);
}

TEST(TwilioTranscriptionWebhook, ASignedCallbackBecomesAnUtteranceOfTheCall) {
  auto a = make_webhook();
  auto params = content("7", "inbound_track", "This is the third time I am calling");
  Posted p = post(*a, params, signed_for(params));
  EXPECT_EQ(p.status(), 200u);
  ASSERT_EQ(p.out.out.events.size(), 1u);
  const CanonicalEvent& ev = p.out.out.events[0];
  EXPECT_EQ(ev.type, EventType::Utterance);
  EXPECT_EQ(ev.interaction_id, "CA5f3f0b8e2d2b4c1a9e7d6c5b4a392817");  // the Media Stream's callSid
  EXPECT_EQ(ev.event_id, "tw-tr-GT0f4e6a1c2b3d4e5f6a7b8c9d0e1f2a3b-7");
  EXPECT_EQ(ev.speaker, Speaker::Customer);
  EXPECT_TRUE(ev.final);
  EXPECT_EQ(ev.text, "This is the third time I am calling");
  EXPECT_EQ(ev.ts, *parse_rfc3339("2026-12-01T09:20:04.071Z"));
}

TEST(TwilioTranscriptionWebhook, TheAgentTrackPartialsAndRedeliveries) {
  auto a = make_webhook();
  auto agent = content("8", "outbound_track", "How can I help", "false");
  Posted p = post(*a, agent, signed_for(agent));
  ASSERT_EQ(p.out.out.events.size(), 1u);
  EXPECT_EQ(p.out.out.events[0].speaker, Speaker::Agent);
  EXPECT_FALSE(p.out.out.events[0].final);
  Posted again = post(*a, agent, signed_for(agent));  // the same SequenceId: the same event id, dropped by the engine
  ASSERT_EQ(again.out.out.events.size(), 1u);
  EXPECT_EQ(again.out.out.events[0].event_id, p.out.out.events[0].event_id);
  auto next = content("9", "outbound_track", "How can I help you today");
  EXPECT_NE(post(*a, next, signed_for(next)).out.out.events.at(0).event_id, p.out.out.events[0].event_id);
}

TEST(TwilioTranscriptionWebhook, AWrongTokenAMissingHeaderOrATamperedParameterIsRefusedWith403) {
  auto a = make_webhook();
  auto params = content("1", "inbound_track", "I want to cancel");
  Posted wrong = post(*a, params, signed_for(params, "not-the-account-token"));
  EXPECT_EQ(wrong.status(), 403u);
  EXPECT_TRUE(wrong.out.out.events.empty());
  ASSERT_EQ(wrong.out.out.rejections.size(), 1u);
  EXPECT_EQ(wrong.out.out.rejections[0].code, "bad_signature");
  Posted missing = post(*a, params, std::nullopt);
  EXPECT_EQ(missing.status(), 403u);
  EXPECT_EQ(missing.out.out.rejections.at(0).code, "missing_signature");
  std::string signature = signed_for(params);
  params[4].second = R"({"transcript":"I want to stay","confidence":0.91})";  // changed after signing
  Posted tampered = post(*a, params, signature);
  EXPECT_EQ(tampered.status(), 403u);
  EXPECT_EQ(tampered.out.out.rejections.at(0).code, "bad_signature");
  EXPECT_TRUE(tampered.out.out.events.empty());
  // Signed for another URL (the plugin's own address instead of the public one Twilio calls).
  auto fresh = content("2", "inbound_track", "hello");
  Posted elsewhere = post(*a, fresh, twilio_signature_as_documented(kToken, "http://127.0.0.1:8080" + kPath, fresh));
  EXPECT_EQ(elsewhere.status(), 403u);
}

TEST(TwilioTranscriptionWebhook, OtherMethodsBodiesAndBrokenFieldsAreRefusedClearly) {
  auto a = make_webhook();
  auto params = content("3", "inbound_track", "hello");
  EXPECT_EQ(post(*a, params, signed_for(params), "GET").status(), 405u);
  EXPECT_EQ(post(*a, params, signed_for(params), "POST", "application/json").status(), 415u);
  std::map<std::string, std::string> headers{{"content-type", "application/x-www-form-urlencoded"}, {"x-twilio-signature", "x"}};
  WebhookOutput broken;
  a->on_request(WebhookRequest{"POST", kPath, headers, "CallSid=%zz", "127.0.0.1:1"}, kWall, broken);
  EXPECT_EQ(broken.status, 400u);
  EXPECT_EQ(broken.out.rejections.at(0).code, "invalid_form");
  auto bad_data = content("4", "inbound_track", "x");
  bad_data[4].second = "{not json";
  Posted p = post(*a, bad_data, signed_for(bad_data));
  EXPECT_EQ(p.status(), 400u);
  EXPECT_TRUE(p.out.out.events.empty());
  auto no_call = content("5", "inbound_track", "x");
  no_call.erase(no_call.begin() + 3);
  EXPECT_EQ(post(*a, no_call, signed_for(no_call)).status(), 400u);
}

TEST(TwilioTranscriptionWebhook, StartedStoppedAndErrorsAreAnsweredAndCounted) {
  auto a = make_webhook();
  TwilioParams started{{"AccountSid", "AC1"}, {"CallSid", "CA1"}, {"TranscriptionSid", "GT1"}, {"TranscriptionEvent", "transcription-started"},
                       {"Timestamp", "2026-12-01T09:20:00.000000Z"}, {"SequenceId", "1"}};
  Posted s = post(*a, started, signed_for(started));
  EXPECT_EQ(s.status(), 200u);
  EXPECT_TRUE(s.out.out.events.empty());
  EXPECT_EQ(s.out.out.ignored, 1u);
  TwilioParams error = started;
  error[3].second = "transcription-error";
  error.emplace_back("TranscriptionError", "provider unavailable");
  Posted e = post(*a, error, signed_for(error));
  EXPECT_EQ(e.status(), 200u);
  EXPECT_EQ(e.out.out.ignored_reasons, (std::vector<std::string>{"transcription_error"}));
}

TEST(TwilioTranscriptionWebhook, SettingsAreCheckedWhenTheAdapterIsMade) {
  std::string error;
  AdapterOptions none;
  EXPECT_FALSE(builtin_adapters().make_webhook_adapter("twilio-transcriptions", none, error));
  EXPECT_NE(error.find("public_url"), std::string::npos);
  AdapterOptions no_token;
  no_token.settings = {{"public_url", kPublic}};
  EXPECT_FALSE(builtin_adapters().make_webhook_adapter("twilio-transcriptions", no_token, error));
  EXPECT_NE(error.find("auth_token"), std::string::npos);
  for (const char* url : {"rightmoment.example.com", "https://", "https:///x", "https://h.example/?a=1", "https://user:pw@h.example"}) {
    AdapterOptions o;
    o.settings = {{"public_url", url}, {"auth_token", kToken}};
    EXPECT_FALSE(builtin_adapters().make_webhook_adapter("twilio-transcriptions", o, error)) << url;
  }
  AdapterOptions env;
  env.settings = {{"public_url", kPublic}, {"auth_token_env", "RM_TEST_TWILIO_TOKENS_UNSET"}};
  EXPECT_FALSE(builtin_adapters().make_webhook_adapter("twilio-transcriptions", env, error));
  // While a token is rotated, both are accepted.
  ::setenv("RM_TEST_TWILIO_TOKENS", ("old-token," + kToken).c_str(), 1);
  env.settings["auth_token_env"] = "RM_TEST_TWILIO_TOKENS";
  auto a = builtin_adapters().make_webhook_adapter("twilio-transcriptions", env, error);
  ASSERT_TRUE(a) << error;
  auto params = content("6", "inbound_track", "hello");
  EXPECT_EQ(post(*a, params, signed_for(params, "old-token")).status(), 200u);
  EXPECT_EQ(post(*a, params, signed_for(params)).status(), 200u);
  EXPECT_FALSE(builtin_adapters().make_webhook_adapter("fax-webhook", env, error));
  EXPECT_EQ(builtin_adapters().webhook_adapter_names(), (std::vector<std::string>{"twilio-transcriptions"}));
}

}  // namespace
}  // namespace rightmoment
