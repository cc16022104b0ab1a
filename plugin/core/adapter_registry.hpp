#pragma once
// The vendor adapters a plugin can create, by the name a listener, client or webhook endpoint
// configures. The layers that create adapters (the transport, the web endpoints, the configuration
// checks) are handed a registry; none of them links the adapters. The plugin hands them the
// built-in one (adapters/events/builtin_adapters.hpp); a test may hand them its own.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plugin/core/event_adapter.hpp"
#include "plugin/core/webhook_adapter.hpp"

namespace rightmoment {

class AdapterRegistry {
 public:
  using EventFactory = std::function<std::unique_ptr<EventAdapter>(const AdapterOptions&)>;
  // nullptr with the reason in error when a setting is wrong.
  using WebhookFactory = std::function<std::unique_ptr<WebhookAdapter>(const AdapterOptions&, std::string& error)>;

  // A name added twice keeps its first factory.
  AdapterRegistry& add_event_adapter(std::string name, EventFactory factory);
  AdapterRegistry& add_webhook_adapter(std::string name, WebhookFactory factory);

  // nullptr when the name is unknown.
  std::unique_ptr<EventAdapter> make_event_adapter(std::string_view name, const AdapterOptions& options) const;
  // nullptr with the reason in error when the name is unknown or a setting is wrong.
  std::unique_ptr<WebhookAdapter> make_webhook_adapter(std::string_view name, const AdapterOptions& options,
                                                       std::string& error) const;
  bool has_event_adapter(std::string_view name) const;
  // In the order they were added, for configuration checks and their messages.
  std::vector<std::string> event_adapter_names() const;
  std::vector<std::string> webhook_adapter_names() const;

 private:
  std::vector<std::pair<std::string, EventFactory>> events_;
  std::vector<std::pair<std::string, WebhookFactory>> webhooks_;
};

}  // namespace rightmoment
