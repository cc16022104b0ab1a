#include "adapters/events/twilio_media_streams/twilio_transcription.hpp"

#include "adapters/events/vendor_json.hpp"

namespace rightmoment::twilio {

void translate_transcription(const TranscriptionFields& f, const std::string& call_sid_fallback, EventTimeMs wall_now,
                             simdjson::dom::parser& parser, std::uint64_t& unsequenced, AdapterOutput& out) {
  const std::string kind = f.event.value_or("");
  if (kind == "transcription-error") {
    out.ignored_reasons.emplace_back("transcription_error");  // Twilio stopped transcribing this call
    return;
  }
  if (kind != "transcription-content") {
    ++out.ignored;  // started, stopped, and kinds Twilio may add
    return;
  }
  std::string call = f.call_sid && !f.call_sid->empty() ? *f.call_sid : call_sid_fallback;
  if (call.empty()) {
    out.rejections.push_back(EventRejection{"missing_field", "a transcription event needs CallSid", std::nullopt});
    return;
  }
  // TranscriptionData is a JSON object written as a string: decode it a second time.
  vendor::element data;
  simdjson::padded_string padded(f.data.value_or(""));
  if (!f.data || parser.parse(padded).get(data) != simdjson::SUCCESS || !data.is_object()) {
    out.rejections.push_back(EventRejection{"invalid_value", "TranscriptionData must be a JSON object", std::nullopt});
    return;
  }
  std::string text = vendor::text(vendor::field(data, "transcript")).value_or("");
  if (text.empty()) {
    ++out.ignored;  // silence
    return;
  }
  std::string final = f.final.value_or("true");
  if (!vendor::iequals(final, "true") && !vendor::iequals(final, "false")) {
    out.rejections.push_back(EventRejection{"invalid_value", "Final must be true or false", std::nullopt});
    return;
  }
  EventTimeMs ts = wall_now;
  if (f.timestamp)
    if (auto t = parse_rfc3339(*f.timestamp)) ts = *t;
  std::string sequence = f.sequence_id && !f.sequence_id->empty() ? *f.sequence_id : "n" + std::to_string(++unsequenced);
  std::string id = "tw-tr-" + (f.transcription_sid && !f.transcription_sid->empty() ? *f.transcription_sid + "-" : "") + sequence;
  CanonicalEvent ev = vendor::make_event(vendor::clip_id(std::move(id)), EventType::Utterance, vendor::clip_id(call), ts);
  ev.speaker = f.track.value_or("inbound_track").rfind("outbound", 0) == 0 ? Speaker::Agent : Speaker::Customer;
  ev.text = std::move(text);
  ev.final = vendor::iequals(final, "true");
  out.events.push_back(std::move(ev));
}

}  // namespace rightmoment::twilio
