#pragma once
// One of Twilio's real-time transcription events (<Start><Transcription>, sent to its
// statusCallbackUrl), whichever way it reaches us: the form Twilio posts to the webhook endpoint, or
// the same names relayed as JSON on the call's Media Stream socket.
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "plugin/core/event_adapter.hpp"

namespace rightmoment::twilio {

struct TranscriptionFields {
  std::optional<std::string> event;              // TranscriptionEvent: transcription-started|-content|-stopped|-error
  std::optional<std::string> call_sid;           // CallSid: the interaction, as on the Media Stream
  std::optional<std::string> transcription_sid;  // TranscriptionSid
  std::optional<std::string> track;              // Track: inbound_track (the caller) | outbound_track
  std::optional<std::string> data;               // TranscriptionData: {"transcript","confidence"} as a JSON string
  std::optional<std::string> final;              // Final: "true" | "false" (a partial)
  std::optional<std::string> sequence_id;        // SequenceId: counts the session's callbacks
  std::optional<std::string> timestamp;          // Timestamp: RFC 3339, microseconds

  // Reads each field by its Twilio name with get(name) -> std::optional<std::string>.
  template <typename Get>
  static TranscriptionFields read(Get&& get) {
    TranscriptionFields f;
    f.event = get("TranscriptionEvent");
    f.call_sid = get("CallSid");
    f.transcription_sid = get("TranscriptionSid");
    f.track = get("Track");
    f.data = get("TranscriptionData");
    f.final = get("Final");
    f.sequence_id = get("SequenceId");
    f.timestamp = get("Timestamp");
    return f;
  }
};

// transcription-content becomes an utterance of interaction CallSid (call_sid_fallback when the
// relay left CallSid out): the speaker from Track, final from Final (default true), ts from
// Timestamp (else wall_now), and an event id made of TranscriptionSid and SequenceId, so that a
// callback delivered twice, or both relayed and posted, is one utterance (the engine drops the
// repeat by event id; a relay that drops SequenceId gets ids from the unsequenced counter). The
// other events are ignored; an error is counted. Broken input is refused.
void translate_transcription(const TranscriptionFields& fields, const std::string& call_sid_fallback, EventTimeMs wall_now,
                             simdjson::dom::parser& parser, std::uint64_t& unsequenced, AdapterOutput& out);

}  // namespace rightmoment::twilio
