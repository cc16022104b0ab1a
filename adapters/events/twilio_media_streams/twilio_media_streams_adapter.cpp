#include "adapters/events/twilio_media_streams/twilio_media_streams_adapter.hpp"

#include <initializer_list>

#include "adapters/events/twilio_media_streams/twilio_transcription.hpp"
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
// forwarder relays as JSON on the same socket (the documented alternative to the webhook endpoint).
class TwilioMediaStreamsAdapter final : public EventAdapter {
 public:
  explicit TwilioMediaStreamsAdapter(const AdapterOptions& options) : options_(options) {}
  std::string_view name() const override { return "twilio-media-streams"; }

  void on_text(std::string_view message, EventTimeMs wall_now, AdapterOutput& out) override {
    element doc;
    if (!vendor::parse_object(parser_, message, doc, out, options_.max_message_bytes)) return;
    if (vendor::field(doc, "TranscriptionEvent")) return on_transcription(doc, wall_now, out);
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
  // A transcription event a forwarder relays as JSON (the webhook endpoint takes Twilio's own post).
  void on_transcription(const element& doc, EventTimeMs wall_now, AdapterOutput& out) {
    auto fields = twilio::TranscriptionFields::read([&](std::string_view name) { return vendor::text(vendor::field(doc, name)); });
    twilio::translate_transcription(fields, call_sid_, wall_now, transcription_parser_, local_seq_, out);
  }

  AdapterOptions options_;
  simdjson::dom::parser parser_;
  simdjson::dom::parser transcription_parser_;  // TranscriptionData, while parser_ holds the message
  std::string call_sid_;
  std::uint64_t local_seq_ = 0;
};

}  // namespace

std::unique_ptr<EventAdapter> make_twilio_media_streams_adapter(const AdapterOptions& options) {
  return std::make_unique<TwilioMediaStreamsAdapter>(options);
}

}  // namespace rightmoment
