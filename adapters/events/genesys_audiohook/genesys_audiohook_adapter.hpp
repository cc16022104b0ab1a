#pragma once
// Genesys Cloud AudioHook (protocol version "2"): Genesys connects to us (docs/adapters/genesys-audiohook.md).
#include <memory>

#include "plugin/core/event_adapter.hpp"

namespace rightmoment {

std::unique_ptr<EventAdapter> make_genesys_audiohook_adapter(const AdapterOptions& options);

}  // namespace rightmoment
