#pragma once
// The `generic` adapter: canonical events (shared/contract/events.md) as they are, plus the drain
// barrier control message {"type":"control.sync","sync_id":"..."} (docs/adapters/generic.md).
#include <memory>

#include "plugin/core/event_adapter.hpp"

namespace rightmoment {

std::unique_ptr<EventAdapter> make_generic_adapter(const AdapterOptions& options);

}  // namespace rightmoment
