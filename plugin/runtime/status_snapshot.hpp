#pragma once
// The plugin's state and every counter, read once as plain values (PluginRuntime::snapshot()). Both
// the status JSON (status_json.hpp: read_status(), /status) and /metrics (prometheus.hpp) are
// rendered from one of these, so a figure cannot be renamed in one and quietly vanish from the other.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/engine/engine_metrics.hpp"
#include "plugin/transport/transport_config.hpp"
#include "plugin/transport/transport_service.hpp"
#include "plugin/web/http_server.hpp"
#include "plugin/web/popup_hub.hpp"
#include "plugin/history/prompt_bus.hpp"
#include "plugin/web/supervisor_hub.hpp"

namespace rightmoment {

enum class RuntimeState { Created, Started, Stopping, Stopped };
std::string_view runtime_state_name(RuntimeState s);  // "created", "started", "stopping", "stopped"

struct PopupStatus {
  std::string url;  // empty until the server is up
  PopupHubStats hub;
};

struct BusStatus {
  std::string host_id;  // this host's name on the bus
  PromptBusStats stats;
};

struct WebhookStatus {
  std::string url;
  HttpServerStats server;
};

struct StatusSnapshot {
  RuntimeState state = RuntimeState::Created;
  std::string instance_name;
  std::string store;  // the history store's backend name
  std::vector<std::string> rules;
  std::int64_t event_clock_ms = 0;
  std::vector<BoundListener> listeners;
  std::size_t listeners_configured = 0;
  EngineMetricsSnapshot metrics;
  TransportStats transport;  // events submitted through the SDK count as the adapter "sdk"
  std::optional<PopupStatus> popup;         // when the pop-up is configured
  std::optional<SupervisorHubStats> supervisor;  // when the pop-up has supervisors' pages
  std::optional<BusStatus> bus;                  // when several hosts share a PostgreSQL store
  std::optional<std::string> admin_url;     // when the admin listener is up
  std::optional<WebhookStatus> webhooks;    // when the webhook listener is up
  std::uint64_t host_log_lines_dropped = 0;
};

// Why the plugin is not ready (/readyz), one reason a line; empty when it is.
std::vector<std::string> not_ready_reasons(const StatusSnapshot& s);

}  // namespace rightmoment
