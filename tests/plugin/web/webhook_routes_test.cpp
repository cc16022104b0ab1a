// Twilio's transcription webhooks over real loopback HTTP: a real client posts the recorded callbacks
// of a call, signed as Twilio documents it, to the webhook endpoint (the plugin's web server with its
// webhook routes and the real twilio-transcriptions adapter); what is refused is answered and counted.
#include "adapters/events/builtin_adapters.hpp"
#include "plugin/web/webhook_routes.hpp"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>

#include <spdlog/sinks/null_sink.h>

#include "tests/support/recording_event_sink.hpp"
#include "tests/support/twilio_signer.hpp"

namespace rightmoment {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using testing::TwilioParams;

const std::string kToken = "7c1d9e0f2a3b4c5d6e7f8091a2b3c4d5";
const std::string kPublic = "https://rightmoment.example.com";  // what Twilio calls, through the proxy
const std::string kPath = "/twilio/transcriptions";

struct Answer {
  unsigned status = 0;
  std::string body;
  std::string retry_after;
};

class Endpoint {
 public:
  explicit Endpoint(std::size_t max_request_bytes = 64 * 1024) {
    AdapterOptions options;
    options.settings = {{"public_url", kPublic}, {"auth_token", kToken}};
    std::string error;
    std::vector<WebhookRoutes::Endpoint> endpoints;
    endpoints.push_back({"twilio", kPath, builtin_adapters().make_webhook_adapter("twilio-transcriptions", options, error)});
    EXPECT_TRUE(endpoints[0].adapter) << error;
    auto log = std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
    HttpServerConfig cfg;
    cfg.name = "webhooks";
    cfg.max_request_bytes = max_request_bytes;
    server_ = std::make_unique<HttpServer>(cfg, std::make_shared<WebhookRoutes>(std::move(endpoints), sink, log), log);
    EXPECT_TRUE(server_->start(error)) << error;
    auto rest = server_->base_url().substr(7);
    port_ = rest.substr(rest.rfind(':') + 1);
  }

  // One POST on a fresh connection, as Twilio makes them.
  Answer post(const std::string& target, const std::string& body, std::optional<std::string> signature,
              const std::string& content_type = "application/x-www-form-urlencoded; charset=utf-8", http::verb verb = http::verb::post) {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(tcp::resolver(ioc).resolve("127.0.0.1", port_));
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "rightmoment.example.com");
    req.set(http::field::user_agent, "TwilioProxy/1.1");
    req.set(http::field::content_type, content_type);
    if (signature) req.set("X-Twilio-Signature", *signature);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    beast::error_code ec;
    http::read(stream, buffer, res, ec);
    return {res.result_int(), res.body(), std::string(res[http::field::retry_after])};
  }

  Answer post_signed(const TwilioParams& params, const std::string& token = kToken) {
    return post(kPath, testing::form_encode(params), testing::twilio_signature_as_documented(token, kPublic + kPath, params));
  }

  testing::RecordingEventSink sink;

 private:
  std::unique_ptr<HttpServer> server_;
  std::string port_;
};

std::vector<TwilioParams> recorded_callbacks() {
  std::ifstream in(RIGHTMOMENT_SOURCE_DIR "/tests/fixtures/twilio_media_streams/transcription_webhooks.form");
  std::vector<TwilioParams> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(testing::form_decode(line));
  return out;
}

TEST(WebhookEndpoint, ACallsRecordedTranscriptionCallbacksBecomeItsUtterances) {
  Endpoint e;
  auto callbacks = recorded_callbacks();
  ASSERT_EQ(callbacks.size(), 8u);
  for (const auto& params : callbacks) EXPECT_EQ(e.post_signed(params).status, 200u);
  // started and stopped answered and ignored; five content callbacks, one of them delivered twice.
  auto events = e.sink.events();
  ASSERT_EQ(events.size(), 6u);
  for (const auto& ev : events) EXPECT_EQ(ev.interaction_id, "CA5f3f0b8e2d2b4c1a9e7d6c5b4a392817");
  EXPECT_EQ(events[0].speaker, Speaker::Agent);
  EXPECT_EQ(events[1].speaker, Speaker::Customer);
  EXPECT_FALSE(events[1].final);
  EXPECT_TRUE(events[2].final);
  EXPECT_EQ(events[2].text, "This is the third time I'm calling about the same charge on my bill.");
  EXPECT_EQ(events[3].event_id, events[2].event_id);  // the redelivery: one utterance to the engine
  EXPECT_EQ(events[5].ts, *parse_rfc3339("2026-12-01T09:20:18.127Z"));
  EXPECT_TRUE(e.sink.rejections().empty());
}

TEST(WebhookEndpoint, AWrongTokenAMissingHeaderAndATamperedParameterAreRefusedAndCounted) {
  Endpoint e;
  auto params = recorded_callbacks().at(3);
  EXPECT_EQ(e.post_signed(params, "the-token-of-another-account").status, 403u);
  EXPECT_EQ(e.post(kPath, testing::form_encode(params), std::nullopt).status, 403u);
  std::string signature = testing::twilio_signature_as_documented(kToken, kPublic + kPath, params);
  for (auto& [k, v] : params)
    if (k == "Track") v = "outbound_track";  // the customer's words passed off as the agent's
  EXPECT_EQ(e.post(kPath, testing::form_encode(params), signature).status, 403u);
  // Signed over the address the plugin binds rather than the public one Twilio calls.
  auto fresh = recorded_callbacks().at(6);
  EXPECT_EQ(e.post(kPath, testing::form_encode(fresh), testing::twilio_signature_as_documented(kToken, "http://127.0.0.1" + kPath, fresh)).status,
            403u);
  EXPECT_TRUE(e.sink.events().empty());
  EXPECT_EQ(e.sink.rejections(), (std::vector<std::string>{"bad_signature", "missing_signature", "bad_signature", "bad_signature"}));
  EXPECT_EQ(e.post_signed(fresh).status, 200u);  // and the endpoint goes on
  EXPECT_EQ(e.sink.count(), 1u);
}

TEST(WebhookEndpoint, OversizeOtherMethodsAndUnknownPathsAreRefused) {
  Endpoint e(4096);
  auto params = recorded_callbacks().at(3);
  for (auto& [k, v] : params)
    if (k == "TranscriptionData") v = R"({"transcript":")" + std::string(5000, 'a') + R"(","confidence":0.9})";
  EXPECT_EQ(e.post_signed(params).status, 413u);
  EXPECT_EQ(e.post(kPath, "", std::nullopt, "text/plain", http::verb::get).status, 405u);
  EXPECT_EQ(e.post("/twilio/other", "a=1", std::nullopt).status, 404u);
  EXPECT_EQ(e.post(kPath, R"({"CallSid":"CA1"})", std::nullopt, "application/json").status, 415u);
  EXPECT_TRUE(e.sink.events().empty());
  EXPECT_EQ(e.post_signed(recorded_callbacks().at(3)).status, 200u);
  EXPECT_EQ(e.sink.count(), 1u);
}

TEST(WebhookEndpoint, AFullInboxIsAnswered503ToBeRetriedAndCounted) {
  Endpoint e;
  e.sink.refuse(1);
  auto params = recorded_callbacks().at(3);
  Answer busy = e.post_signed(params);
  EXPECT_EQ(busy.status, 503u);
  EXPECT_EQ(busy.retry_after, "1");
  EXPECT_EQ(e.sink.rejections(), (std::vector<std::string>{"overloaded"}));
  EXPECT_EQ(e.post_signed(params).status, 200u);  // the retry gets in
  EXPECT_EQ(e.sink.count(), 1u);
}

}  // namespace
}  // namespace rightmoment
