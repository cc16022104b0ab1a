#pragma once
// Twilio Media Streams: Twilio connects to us (docs/adapters/twilio-media-streams.md).
#include <memory>

#include "plugin/core/event_adapter.hpp"

namespace rightmoment {

std::unique_ptr<EventAdapter> make_twilio_media_streams_adapter(const AdapterOptions& options);

}  // namespace rightmoment
