#pragma once
// Genesys Cloud notifications: we are the client of a notification channel
// (docs/adapters/genesys-notifications.md).
#include <memory>

#include "plugin/core/event_adapter.hpp"

namespace rightmoment {

std::unique_ptr<EventAdapter> make_genesys_notifications_adapter(const AdapterOptions& options);

}  // namespace rightmoment
