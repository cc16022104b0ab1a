#pragma once
// Amazon Connect, fed to us by a forwarder: contact events and Contact Lens real-time segments
// (docs/adapters/amazon-connect.md).
#include <memory>

#include "plugin/core/event_adapter.hpp"

namespace rightmoment {

std::unique_ptr<EventAdapter> make_amazon_connect_adapter(const AdapterOptions& options);

}  // namespace rightmoment
