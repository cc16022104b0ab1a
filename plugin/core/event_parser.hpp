#pragma once
// Parses and validates one canonical event (shared/contract/events.md) with simdjson.
// Used by the generic adapter and by the SDK's in-process submit_event.
#include <string_view>
#include <variant>

#include "plugin/core/canonical_event.hpp"
#include "plugin/core/event_adapter.hpp"

namespace rightmoment {

struct EventLimits {
  std::size_t max_message_bytes = 64 * 1024;
  std::size_t max_depth = 32;
};

// Either the event, or why it was refused. Never throws; any input is safe.
using ParsedEvent = std::variant<CanonicalEvent, EventRejection>;

ParsedEvent parse_canonical_event(std::string_view json, const EventLimits& limits);

// A control message of the generic listener ({"type":"control.sync","sync_id":"..."}); see docs.
// Returns true and sets sync_id when json is one.
bool parse_sync_control(std::string_view json, std::string& sync_id);

}  // namespace rightmoment
