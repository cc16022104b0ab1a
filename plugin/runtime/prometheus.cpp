#include "plugin/runtime/prometheus.hpp"

#include <map>
#include <sstream>

namespace rightmoment {

std::string prometheus_escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

namespace {

using Counts = std::map<std::string, std::uint64_t>;

std::string seconds(double us) {
  std::ostringstream o;
  o.precision(9);
  o << us / 1e6;
  return o.str();
}

class Writer {
 public:
  void family(const std::string& name, const char* type, const std::string& help) {
    out_ << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  }
  template <typename Number>
  void sample(const std::string& name, const std::string& labels, Number value) {
    out_ << name;
    if (!labels.empty()) out_ << '{' << labels << '}';
    out_ << ' ' << value << '\n';
  }
  template <typename Number>
  void scalar(Number value, const std::string& name, const char* type, const std::string& help) {
    family(name, type, help);
    sample(name, "", value);
  }
  // One sample per label value.
  void labelled(const Counts& counts, const std::string& name, const char* label, const char* type, const std::string& help) {
    family(name, type, help);
    for (const auto& [k, v] : counts) sample(name, std::string(label) + "=\"" + prometheus_escape_label(k) + '"', v);
  }
  void histogram(const HistogramSnapshot& h, const std::string& name, const std::string& help) {
    family(name, "histogram", help);
    for (const auto& [le_us, cumulative] : h.buckets)
      sample(name + "_bucket", "le=\"" + seconds(static_cast<double>(le_us)) + '"', cumulative);
    sample(name + "_bucket", "le=\"+Inf\"", h.count);
    sample(name + "_sum", "", seconds(static_cast<double>(h.sum_us)));
    sample(name + "_count", "", h.count);
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

}  // namespace

std::string render_prometheus(const StatusSnapshot& status) {
  const EngineMetricsSnapshot& m = status.metrics;
  const TransportStats& t = status.transport;
  const PopupHubStats p = status.popup ? status.popup->hub : PopupHubStats{};
  // Families without their part configured are still exported, at 0, so dashboards and the doc test
  // see one fixed set of series.
  const SupervisorHubStats sv = status.supervisor.value_or(SupervisorHubStats{});
  const PromptBusStats bus = status.bus ? status.bus->stats : PromptBusStats{};
  Writer w;
  w.scalar(status.state == RuntimeState::Started ? 1 : 0, "rightmoment_up", "gauge", "1 while the plugin is started");

  // Events in, by adapter and type, and what was refused.
  w.family("rightmoment_events_received_total", "counter", "Canonical events handed to the engine, by adapter and event type");
  for (const auto& [adapter, types] : t.events_by_adapter)
    for (const auto& [type, n] : types)
      w.sample("rightmoment_events_received_total",
               "adapter=\"" + prometheus_escape_label(adapter) + "\",type=\"" + prometheus_escape_label(type) + '"', n);
  w.labelled(m.events_by_type, "rightmoment_events_processed_total", "type", "counter", "Events processed by the engine, by type");
  w.labelled(m.rejections_by_code, "rightmoment_events_rejected_total", "reason", "counter",
             "Messages or events refused, by reason (error code)");
  w.labelled(m.ignored_by_reason, "rightmoment_messages_ignored_total", "reason", "counter",
             "Vendor messages understood and dropped, by reason (an end for a contact never seen, ...)");
  w.scalar(m.duplicate_events, "rightmoment_events_duplicate_total", "counter", "Events seen twice (resends), ignored");
  w.scalar(m.late_events, "rightmoment_events_late_total", "counter", "Events for an interaction that had already ended");
  w.scalar(m.inbox_full, "rightmoment_inbox_full_total", "counter", "Times the engine's inbox was full (backpressure)");
  w.labelled(t.messages_by_adapter, "rightmoment_messages_total", "adapter", "counter", "WebSocket messages received, by adapter");

  // Interactions and connections.
  w.scalar(m.active_interactions, "rightmoment_active_interactions", "gauge", "Interactions in progress");
  w.scalar(m.interactions_started, "rightmoment_interactions_started_total", "counter", "Interactions started");
  w.labelled(m.interactions_evicted_by_reason, "rightmoment_interactions_evicted_total", "reason", "counter",
             "Interactions ended by the plugin: idle (the idle timeout) or limit (engine.max_interactions)");
  w.scalar(m.interactions_resumed, "rightmoment_interactions_resumed_total", "counter",
           "Interactions new to this process that the outcome record knew (resumed after a restart)");
  w.scalar(m.prompts_not_raised_again, "rightmoment_prompts_not_raised_again_total", "counter",
           "Prompts not raised again after a restart: the outcome record had them for that agent");
  w.scalar(m.record_lookup_failures, "rightmoment_record_lookup_failures_total", "counter",
           "Outcome-record reads that failed or ran past the lookup budget (the interaction started afresh)");
  w.labelled(m.limits_applied, "rightmoment_limit_applied_total", "collection", "counter",
             "Times a bounded collection acted on its limit (docs/operations.md, Bounds)");
  w.scalar(m.timers_pending, "rightmoment_timers_pending", "gauge", "Rule timers armed, all interactions");
  w.family("rightmoment_connections_open", "gauge", "Open connections: event WebSockets and pop-up pages");
  w.sample("rightmoment_connections_open", "kind=\"events\"", t.connections_open);
  w.sample("rightmoment_connections_open", "kind=\"popup\"", p.pages_open);
  w.sample("rightmoment_connections_open", "kind=\"supervisor\"", sv.pages_open);
  w.scalar(t.connections_handshaking, "rightmoment_connections_handshaking", "gauge",
           "Event connections accepted and not yet upgraded (counted against max_connections)");
  w.scalar(t.connections_accepted, "rightmoment_connections_accepted_total", "counter", "Event WebSocket connections accepted");
  w.scalar(t.connections_refused, "rightmoment_connections_refused_total", "counter",
           "Event WebSocket connections refused (credentials, limits, bad upgrade)");
  w.scalar(t.slow_consumers_disconnected, "rightmoment_slow_consumers_disconnected_total", "counter",
           "Peers disconnected because they stopped reading");
  w.scalar(t.client_reconnects, "rightmoment_client_reconnects_total", "counter", "Reconnects of the plugin's own event-stream clients");
  w.scalar(t.syncs_waited, "rightmoment_syncs_waited_total", "counter",
           "Times a peer had 64 control.sync barriers unanswered and was not read until one was");
  w.scalar(p.cards_active, "rightmoment_popup_cards", "gauge", "Pop-up cards active, all agents");
  w.scalar(p.cards_evicted, "rightmoment_popup_cards_evicted_total", "counter",
           "Pop-up cards dropped for a newer one: the agent had max_cards_per_agent");
  w.scalar(p.cards_refused, "rightmoment_popup_cards_refused_total", "counter",
           "Pop-up cards not kept: max_cards or max_agents reached (the prompt still reached the host)");
  w.scalar(p.pages_refused, "rightmoment_popup_pages_refused_total", "counter",
           "Pop-up pages refused: the agent had max_pages_per_agent open");

  w.scalar(sv.interactions_live, "rightmoment_supervisor_interactions_live", "gauge",
           "Live calls on the supervisors' pages, every host's (docs/supervisor.md)");
  w.scalar(sv.alerts_suppressed, "rightmoment_supervisor_alerts_suppressed_total", "counter",
           "Supervisor alerts not raised: over their budget");
  w.scalar(sv.remote_refused, "rightmoment_supervisor_remote_refused_total", "counter",
           "Other hosts' call summaries refused as malformed (never shown on a page)");

  // Several hosts: the prompt bus over PostgreSQL LISTEN/NOTIFY.
  w.scalar(bus.connected ? 1 : 0, "rightmoment_bus_connected", "gauge", "1 while the prompt bus listens (several hosts on PostgreSQL)");
  w.family("rightmoment_bus_messages_total", "counter", "Prompt-bus messages, published by this host and received from others");
  w.sample("rightmoment_bus_messages_total", "direction=\"published\"", bus.published);
  w.sample("rightmoment_bus_messages_total", "direction=\"received\"", bus.received);
  w.scalar(bus.dropped, "rightmoment_bus_dropped_total", "counter", "Prompt-bus messages not sent: queue full, or the database refused");
  w.scalar(bus.reconnects, "rightmoment_bus_reconnects_total", "counter", "Reconnects of the prompt bus's listening connection");

  // Prompts and what agents did with them.
  w.labelled(m.prompts_by_rule, "rightmoment_prompts_by_rule_total", "rule", "counter", "New prompts raised, by rule");
  w.labelled(m.prompts_by_kind, "rightmoment_prompts_by_kind_total", "kind", "counter", "New prompts raised, by kind");
  w.scalar(m.prompts_delivered, "rightmoment_prompts_delivered_total", "counter", "Prompts handed to the host callback");
  w.scalar(m.prompts_dropped, "rightmoment_prompts_dropped_total", "counter", "Prompts dropped: the delivery queue was full");
  w.scalar(m.prompts_held_out, "rightmoment_prompts_held_out_total", "counter", "Prompts recorded but not shown (holdout)");
  w.scalar(m.prompts_capped, "rightmoment_prompts_capped_total", "counter", "Prompts over the per-interaction cap");
  w.scalar(m.handovers, "rightmoment_handovers_total", "counter", "Prompts handed over to an agent who joined later");
  w.labelled(m.feedback_by_action, "rightmoment_feedback_total", "action", "counter", "Agents' answers to prompts, by action");
  w.labelled(m.expression_errors, "rightmoment_expression_errors_total", "rule", "counter",
             "Rule expressions that failed at run time, by rule: that rule did not fire");

  // The store.
  w.scalar(m.store_reachable ? 1 : 0, "rightmoment_store_reachable", "gauge", "1 when the history store answered last time");
  w.scalar(m.lookups, "rightmoment_lookups_total", "counter", "History lookups");
  w.scalar(m.lookup_failures, "rightmoment_lookup_failures_total", "counter", "History lookups that failed");
  w.scalar(m.lookup_budget_exceeded, "rightmoment_lookup_budget_exceeded_total", "counter",
           "Screen pops sent without history: the lookup took longer than its budget");
  w.scalar(m.outcome_written, "rightmoment_outcome_written_total", "counter", "Outcome records written");
  w.scalar(m.outcome_dropped, "rightmoment_outcome_dropped_total", "counter", "Outcome records dropped: the queue was full");
  w.scalar(m.outcome_write_failures, "rightmoment_outcome_write_failures_total", "counter", "Failed outcome writes (retried)");

  // Queues and latency.
  w.family("rightmoment_queue_depth", "gauge", "Items waiting in each bounded queue");
  w.sample("rightmoment_queue_depth", "queue=\"delivery\"", m.delivery_depth);
  w.sample("rightmoment_queue_depth", "queue=\"inbox\"", m.inbox_depth);
  w.sample("rightmoment_queue_depth", "queue=\"outcome\"", m.outcome_depth);
  w.histogram(m.event_to_prompt_latency, "rightmoment_event_to_prompt_seconds",
              "From an event's arrival to its prompt's delivery to the host callback");
  w.histogram(m.store_lookup_latency, "rightmoment_store_lookup_seconds", "History store lookups (resolve and load)");
  return w.str();
}

}  // namespace rightmoment
