// Any bytes through the canonical-event parser: never a crash, a hang or a leak; either an event
// that satisfies the contract's invariants or a rejection with a code.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "plugin/core/event_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  rightmoment::ParsedEvent parsed = rightmoment::parse_canonical_event(input, rightmoment::EventLimits{});
  if (auto* ev = std::get_if<rightmoment::CanonicalEvent>(&parsed)) {
    if (ev->event_id.empty() || ev->event_id.size() > 128 || ev->interaction_id.empty() ||
        ev->interaction_id.size() > 128)
      std::abort();
    if (ev->sentiment && (*ev->sentiment < -1.0 || *ev->sentiment > 1.0)) std::abort();
  } else if (std::get<rightmoment::EventRejection>(parsed).code.empty()) {
    std::abort();
  }
  std::string sync_id;
  rightmoment::parse_sync_control(input, sync_id);
  return 0;
}
