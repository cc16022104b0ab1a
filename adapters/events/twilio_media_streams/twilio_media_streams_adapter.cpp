#include "adapters/events/twilio_media_streams/twilio_media_streams_adapter.hpp"

#include <initializer_list>

#include "adapters/events/vendor_json.hpp"

namespace rightmoment {
namespace {

using vendor::element;

// The first of several spellings a TwiML <Parameter> name may take.
std::optional<std::string> parameter(const std::optional<element>& params, std::initializer_list<std::string_view> names) {
  if (!params) return std::nullopt;
  for (auto n : names)
    if (auto v = vendor::text(vendor::field(*params, n)); v && !v->empty()) return v;
  return std::nullopt;
}

// One Media Stream: connected, start (callSid and the customParameters that carry the caller's
// identity and the agent), media (counted), dtmf, mark, stop; and real-time transcription events that a
// forwarder relays as JSON on the same socket.
class TwilioMediaStreamsAdapter final : public EventAdapter {
 public:
  explicit TwilioMediaStreamsAdapter(const AdapterOptions& options) : options_(options) {}
  std::string_view name() const override { return "twilio-media-streams"; }

  void on_text(std::string_view message, EventTimeMs wall_now, AdapterOutput& out) override {
    element doc;
    if (!vendor::parse_object(parser_, message, doc, out, options_.max_message_bytes)) return;
    if (auto transcription = vendor::text(vendor::field(doc, "TranscriptionEvent"))) return on_transcription(doc, *transcription, wall_now, out);
    auto event = vendor::text(vendor::field(doc, "event"));
    if (!event) {
      out.rejections.push_back(EventRejection{"missing_field", "a Media Streams message needs 'event'", std::nullopt});
      return;
    }
    std::string seq = vendor::text(vendor::field(doc, "sequenceNumber")).value_or(std::to_string(++local_seq_));
    if (*event == "start") {
      auto start = vendor::field(doc, "start");
      call_sid_ = parameter(start, {"callSid"}).value_or(vendor::text(vendor::field(doc, "streamSid")).value_or(""));
      if (call_sid_.empty()) {
        out.rejections.push_back(EventRejection{"missing_field", "start needs start.callSid", std::nullopt});
        return;
      }
      auto params = start ? vendor::field(*start, "customParameters") : std::nullopt;
      CanonicalEvent ev = vendor::make_event("tw-start", EventType::InteractionStarted, vendor::clip_id(call_sid_), wall_now);
      ev.channel = "voice";
      ev.direction = parameter(params, {"direction", "Direction"}) == std::optional<std::string>("outbound") ? "outbound" : "inbound";
      ev.customer.phone = parameter(params, {"customerPhone", "customer_phone", "phone", "caller", "from", "From"});
      ev.customer.email = parameter(params, {"customerEmail", "customer_email", "email"});
      ev.customer.account_id = parameter(params, {"accountId", "account_id", "customerAccountId", "customerId"});
      ev.customer.name = parameter(params, {"customerName", "customer_name", "callerName"});
      ev.queue = parameter(params, {"queue", "Queue"});
      ev.agent_id = parameter(params, {"agentId", "agent_id", "agent", "workerSid"});
      ev.agent_name = parameter(params, {"agentName", "agent_name"});
      out.events.push_back(std::move(ev));
      return;
    }
    if (call_sid_.empty()) {
      ++out.ignored;  // "connected", or anything before "start"
      return;
    }
    if (*event == "dtmf") {
      CanonicalEvent ev = vendor::make_event(vendor::clip_id("tw-dtmf-" + seq), EventType::Dtmf, vendor::clip_id(call_sid_), wall_now);
      ev.digits = vendor::text(vendor::path(doc, {"dtmf", "digit"})).value_or("");
      if (ev.digits.empty() || ev.digits.size() > 32) {
        out.rejections.push_back(EventRejection{"invalid_field", "a dtmf event needs dtmf.digit (1..32 characters)", std::nullopt});
        return;
      }
      out.events.push_back(std::move(ev));
      return;
    }
    if (*event == "stop") {
      out.events.push_back(vendor::make_event("tw-stop", EventType::InteractionEnded, vendor::clip_id(call_sid_), wall_now));
      return;
    }
    ++out.ignored;  // media (audio, counted not decoded), mark, and anything newer
  }

 private:
  void on_transcription(const element& doc, const std::string& kind, EventTimeMs wall_now, AdapterOutput& out) {
    if (kind != "transcription-content") {
      ++out.ignored;  // started, stopped, error
      return;
    }
    std::string call = vendor::text(vendor::field(doc, "CallSid")).value_or(call_sid_);
    if (call.empty()) {
      out.rejections.push_back(EventRejection{"missing_field", "a transcription event needs CallSid", std::nullopt});
      return;
    }
    // TranscriptionData is a JSON object written as a string: decode it a second time.
    std::string text;
    if (auto data = vendor::text(vendor::field(doc, "TranscriptionData"))) {
      simdjson::dom::parser inner;
      element d;
      simdjson::padded_string padded(*data);
      if (inner.parse(padded).get(d) == simdjson::SUCCESS) text = vendor::text(vendor::field(d, "transcript")).value_or("");
    }
    if (text.empty()) {
      ++out.ignored;
      return;
    }
    std::string seq = vendor::text(vendor::field(doc, "SequenceId")).value_or(std::to_string(++local_seq_));
    bool final = vendor::boolean(vendor::field(doc, "Final")).value_or(true);
    EventTimeMs ts = wall_now;
    if (auto stamp = vendor::text(vendor::field(doc, "Timestamp")))
      if (auto t = parse_rfc3339(*stamp)) ts = *t;
    CanonicalEvent ev = vendor::make_event(vendor::clip_id("tw-tr-" + seq), EventType::Utterance, vendor::clip_id(call), ts);
    auto track = vendor::text(vendor::field(doc, "Track")).value_or("inbound_track");
    ev.speaker = track.rfind("outbound", 0) == 0 ? Speaker::Agent : Speaker::Customer;
    ev.text = std::move(text);
    ev.final = final;
    out.events.push_back(std::move(ev));
  }

  AdapterOptions options_;
  simdjson::dom::parser parser_;
  std::string call_sid_;
  std::uint64_t local_seq_ = 0;
};

}  // namespace

std::unique_ptr<EventAdapter> make_twilio_media_streams_adapter(const AdapterOptions& options) {
  return std::make_unique<TwilioMediaStreamsAdapter>(options);
}

}  // namespace rightmoment
