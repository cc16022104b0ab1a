// Every event adapter, by the name a listener's configuration gives.
#include <functional>
#include <utility>

#include "adapters/events/amazon_connect/amazon_connect_adapter.hpp"
#include "adapters/events/generic/generic_adapter.hpp"
#include "adapters/events/genesys_audiohook/genesys_audiohook_adapter.hpp"
#include "adapters/events/genesys_notifications/genesys_notifications_adapter.hpp"
#include "adapters/events/twilio_media_streams/twilio_media_streams_adapter.hpp"
#include "adapters/events/twilio_media_streams/twilio_transcription_webhook.hpp"
#include "plugin/core/event_adapter.hpp"
#include "plugin/core/webhook_adapter.hpp"

namespace rightmoment {
namespace {

using Factory = std::unique_ptr<EventAdapter> (*)(const AdapterOptions&);

const std::vector<std::pair<std::string_view, Factory>>& registry() {
  static const std::vector<std::pair<std::string_view, Factory>> adapters{
      {"generic", &make_generic_adapter},
      {"genesys-audiohook", &make_genesys_audiohook_adapter},
      {"genesys-notifications", &make_genesys_notifications_adapter},
      {"twilio-media-streams", &make_twilio_media_streams_adapter},
      {"amazon-connect", &make_amazon_connect_adapter},
  };
  return adapters;
}

using WebhookFactory = std::unique_ptr<WebhookAdapter> (*)(const AdapterOptions&, std::string&);

const std::vector<std::pair<std::string_view, WebhookFactory>>& webhook_registry() {
  static const std::vector<std::pair<std::string_view, WebhookFactory>> adapters{
      {"twilio-transcriptions", &make_twilio_transcription_webhook},
  };
  return adapters;
}

}  // namespace

std::unique_ptr<EventAdapter> make_event_adapter(std::string_view name, const AdapterOptions& options) {
  for (const auto& [n, factory] : registry())
    if (n == name) return factory(options);
  return nullptr;
}

std::vector<std::string> event_adapter_names() {
  std::vector<std::string> names;
  for (const auto& [n, factory] : registry()) names.emplace_back(n);
  return names;
}

std::unique_ptr<WebhookAdapter> make_webhook_adapter(std::string_view name, const AdapterOptions& options, std::string& error) {
  for (const auto& [n, factory] : webhook_registry())
    if (n == name) return factory(options, error);
  error = "unknown webhook adapter '" + std::string(name) + "'";
  return nullptr;
}

std::vector<std::string> webhook_adapter_names() {
  std::vector<std::string> names;
  for (const auto& [n, factory] : webhook_registry()) names.emplace_back(n);
  return names;
}

}  // namespace rightmoment
