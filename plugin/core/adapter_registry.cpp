#include "plugin/core/adapter_registry.hpp"

#include <algorithm>

namespace rightmoment {
namespace {

template <class Entries>
auto find_named(const Entries& entries, std::string_view name) {
  return std::find_if(entries.begin(), entries.end(), [&](const auto& e) { return e.first == name; });
}

template <class Entries>
std::vector<std::string> names_of(const Entries& entries) {
  std::vector<std::string> names;
  names.reserve(entries.size());
  for (const auto& e : entries) names.push_back(e.first);
  return names;
}

}  // namespace

AdapterRegistry& AdapterRegistry::add_event_adapter(std::string name, EventFactory factory) {
  if (find_named(events_, name) == events_.end()) events_.emplace_back(std::move(name), std::move(factory));
  return *this;
}

AdapterRegistry& AdapterRegistry::add_webhook_adapter(std::string name, WebhookFactory factory) {
  if (find_named(webhooks_, name) == webhooks_.end()) webhooks_.emplace_back(std::move(name), std::move(factory));
  return *this;
}

std::unique_ptr<EventAdapter> AdapterRegistry::make_event_adapter(std::string_view name,
                                                                  const AdapterOptions& options) const {
  auto it = find_named(events_, name);
  return it == events_.end() ? nullptr : it->second(options);
}

std::unique_ptr<WebhookAdapter> AdapterRegistry::make_webhook_adapter(std::string_view name, const AdapterOptions& options,
                                                                      std::string& error) const {
  auto it = find_named(webhooks_, name);
  if (it == webhooks_.end()) {
    error = "unknown webhook adapter '" + std::string(name) + "'";
    return nullptr;
  }
  return it->second(options, error);
}

bool AdapterRegistry::has_event_adapter(std::string_view name) const { return find_named(events_, name) != events_.end(); }

std::vector<std::string> AdapterRegistry::event_adapter_names() const { return names_of(events_); }

std::vector<std::string> AdapterRegistry::webhook_adapter_names() const { return names_of(webhooks_); }

}  // namespace rightmoment
