// Parse + adapt one message: a canonical event through the generic adapter (simdjson parse and full
// validation), and each vendor adapter over its recorded session (tests/fixtures/), per message.
#include <benchmark/benchmark.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "adapters/events/builtin_adapters.hpp"
#include "adapters/events/twilio_media_streams/twilio_signature.hpp"
#include "plugin/core/event_adapter.hpp"
#include "plugin/core/event_parser.hpp"
#include "plugin/core/webhook_adapter.hpp"
#include "tests/support/recorded_handshake.hpp"

namespace {

using namespace rightmoment;

constexpr EventTimeMs kWall = 1'763'805'600'000;

const std::string kUtterance =
    R"({"event_id":"e17t123456789","type":"utterance","interaction_id":"lg-1-1","ts":"2026-11-22T10:00:09.100Z",)"
    R"("speaker":"customer","text":"I'm seriously looking at other broadband companies at this point."})";
const std::string kStarted =
    R"({"event_id":"e0t123456789","type":"interaction.started","interaction_id":"lg-1-1","ts":"2026-11-22T10:00:00.000Z",)"
    R"("channel":"voice","direction":"inbound","queue":"billing","customer":{"phone":"+1 (415) 555-0101"}})";

void BM_ParseCanonicalEvent(benchmark::State& state, const std::string& json) {
  EventLimits limits;
  for (auto _ : state) {
    auto parsed = parse_canonical_event(json, limits);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * json.size()));
}
BENCHMARK_CAPTURE(BM_ParseCanonicalEvent, utterance, kUtterance);
BENCHMARK_CAPTURE(BM_ParseCanonicalEvent, started, kStarted);

// What a generic listener does per message: the adapter parses, validates and emits the event.
void BM_GenericAdapter(benchmark::State& state) {
  auto adapter = builtin_adapters().make_event_adapter("generic", AdapterOptions{});
  AdapterOutput out;
  adapter->on_open(HandshakeInfo{}, out);
  for (auto _ : state) {
    AdapterOutput o;
    adapter->on_text(kUtterance, kWall, o);
    benchmark::DoNotOptimize(o);
  }
}
BENCHMARK(BM_GenericAdapter);

// A vendor session replayed through a fresh adapter each iteration; items/s = vendor messages/s,
// so the time per message is 1 / items_per_second.
void BM_VendorSession(benchmark::State& state, const std::string& adapter_name, const std::string& fixture) {
  std::vector<std::string> lines;
  std::ifstream in(RIGHTMOMENT_SOURCE_DIR "/tests/fixtures/" + fixture);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  if (lines.empty()) {
    state.SkipWithError(("no fixture " + fixture).c_str());
    return;
  }
  std::size_t events = 0;
  const HandshakeInfo handshake = testing::recorded_handshake(fixture, kWall);
  for (auto _ : state) {
    auto adapter = builtin_adapters().make_event_adapter(adapter_name, AdapterOptions{});
    AdapterOutput out;
    adapter->on_open(handshake, out);
    for (const auto& l : lines) adapter->on_text(l, kWall, out);
    events += out.events.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * lines.size()));
  state.counters["events_per_session"] = static_cast<double>(events) / static_cast<double>(state.iterations());
}
BENCHMARK_CAPTURE(BM_VendorSession, genesys_audiohook, std::string("genesys-audiohook"),
                  std::string("genesys_audiohook/session.jsonl"));
BENCHMARK_CAPTURE(BM_VendorSession, genesys_notifications, std::string("genesys-notifications"),
                  std::string("genesys_notifications/conversation.jsonl"));
BENCHMARK_CAPTURE(BM_VendorSession, twilio_media_streams, std::string("twilio-media-streams"),
                  std::string("twilio_media_streams/call.jsonl"));
BENCHMARK_CAPTURE(BM_VendorSession, amazon_connect, std::string("amazon-connect"),
                  std::string("amazon_connect/contact.jsonl"));

// One of Twilio's real-time transcription callbacks through the webhook adapter: the form decoded,
// X-Twilio-Signature checked (HMAC-SHA1, with and without the default port), the utterance made.
void BM_TwilioTranscriptionWebhook(benchmark::State& state) {
  std::ifstream in(RIGHTMOMENT_SOURCE_DIR "/tests/fixtures/twilio_media_streams/transcription_webhooks.form");
  std::vector<std::string> bodies;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) bodies.push_back(line);
  if (bodies.size() < 4) {
    state.SkipWithError("no transcription_webhooks.form fixture");
    return;
  }
  const std::string body = bodies[3];  // a final customer transcript
  AdapterOptions options;
  options.settings = {{"public_url", "https://rightmoment.example.com"}, {"auth_token", "bench-auth-token"}};
  std::string error;
  auto adapter = builtin_adapters().make_webhook_adapter("twilio-transcriptions", options, error);
  std::map<std::string, std::string> headers{
      {"content-type", "application/x-www-form-urlencoded"},
      {"x-twilio-signature", twilio::signature("bench-auth-token", "https://rightmoment.example.com/twilio/transcriptions",
                                               *parse_form_urlencoded(body))}};
  for (auto _ : state) {
    WebhookOutput out;
    adapter->on_request(WebhookRequest{"POST", "/twilio/transcriptions", headers, body, "127.0.0.1:1"}, kWall, out);
    if (out.status != 200 || out.out.events.size() != 1) state.SkipWithError("the callback was not accepted");
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_TwilioTranscriptionWebhook);

}  // namespace

BENCHMARK_MAIN();
