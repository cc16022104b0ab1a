#include "plugin/web/prometheus.hpp"

#include <cmath>
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

std::string number(const nlohmann::json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number_float()) {
    std::ostringstream o;
    o.precision(9);
    o << v.get<double>();
    return o.str();
  }
  return "0";
}

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
  void sample(const std::string& name, const std::string& labels, const std::string& value) {
    out_ << name;
    if (!labels.empty()) out_ << '{' << labels << '}';
    out_ << ' ' << value << '\n';
  }
  // A single number from obj[key] (0 when absent).
  void scalar(const nlohmann::json& obj, const char* key, const std::string& name, const char* type, const std::string& help) {
    family(name, type, help);
    sample(name, "", obj.contains(key) ? number(obj[key]) : "0");
  }
  // One sample per entry of obj[key] ({label_value: n}).
  void labelled(const nlohmann::json& obj, const char* key, const std::string& name, const char* label, const char* type,
                const std::string& help) {
    family(name, type, help);
    if (!obj.contains(key) || !obj[key].is_object()) return;
    for (const auto& [k, v] : obj[key].items())
      sample(name, std::string(label) + "=\"" + prometheus_escape_label(k) + '"', number(v));
  }
  // A latency histogram from {"count","sum_us","buckets":[[le_us, cumulative], ...]}.
  void histogram(const nlohmann::json& obj, const char* key, const std::string& name, const std::string& help) {
    family(name, "histogram", help);
    nlohmann::json h = obj.contains(key) ? obj[key] : nlohmann::json::object();
    std::string count = h.contains("count") ? number(h["count"]) : "0";
    if (h.contains("buckets") && h["buckets"].is_array())
      for (const auto& b : h["buckets"])
        if (b.is_array() && b.size() == 2)
          sample(name + "_bucket", "le=\"" + seconds(b[0].get<double>()) + '"', number(b[1]));
    sample(name + "_bucket", "le=\"+Inf\"", count);
    sample(name + "_sum", "", seconds(h.contains("sum_us") ? h["sum_us"].get<double>() : 0.0));
    sample(name + "_count", "", count);
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

const nlohmann::json& section(const nlohmann::json& status, const char* key) {
  static const nlohmann::json empty = nlohmann::json::object();
  return status.is_object() && status.contains(key) && status[key].is_object() ? status[key] : empty;
}

}  // namespace

std::string render_prometheus(const nlohmann::json& status) {
  const nlohmann::json& m = section(status, "metrics");
  const nlohmann::json& t = section(status, "transport");
  const nlohmann::json& p = section(status, "popup");
  Writer w;
  w.family("rightmoment_up", "gauge", "1 while the plugin is started");
  w.sample("rightmoment_up", "", status.is_object() && status.value("state", "") == "started" ? "1" : "0");

  // Events in, by adapter and type, and what was refused.
  w.family("rightmoment_events_received_total", "counter", "Canonical events handed to the engine, by adapter and event type");
  if (t.contains("events_by_adapter") && t["events_by_adapter"].is_object())
    for (const auto& [adapter, types] : t["events_by_adapter"].items())
      if (types.is_object())
        for (const auto& [type, n] : types.items())
          w.sample("rightmoment_events_received_total",
                   "adapter=\"" + prometheus_escape_label(adapter) + "\",type=\"" + prometheus_escape_label(type) + '"',
                   number(n));
  w.labelled(m, "events_by_type", "rightmoment_events_processed_total", "type", "counter", "Events processed by the engine, by type");
  w.labelled(m, "rejections_by_code", "rightmoment_events_rejected_total", "reason", "counter",
             "Messages or events refused, by reason (error code)");
  w.labelled(m, "ignored_by_reason", "rightmoment_messages_ignored_total", "reason", "counter",
             "Vendor messages understood and dropped, by reason (an end for a contact never seen, ...)");
  w.scalar(m, "duplicate_events", "rightmoment_events_duplicate_total", "counter", "Events seen twice (resends), ignored");
  w.scalar(m, "late_events", "rightmoment_events_late_total", "counter", "Events for an interaction that had already ended");
  w.scalar(m, "inbox_full", "rightmoment_inbox_full_total", "counter", "Times the engine's inbox was full (backpressure)");
  w.labelled(t, "messages_by_adapter", "rightmoment_messages_total", "adapter", "counter", "WebSocket messages received, by adapter");

  // Interactions and connections.
  w.scalar(m, "active_interactions", "rightmoment_active_interactions", "gauge", "Interactions in progress");
  w.scalar(m, "interactions_started", "rightmoment_interactions_started_total", "counter", "Interactions started");
  w.scalar(m, "interactions_evicted", "rightmoment_interactions_evicted_total", "counter",
           "Interactions closed as abandoned after the idle timeout");
  w.family("rightmoment_connections_open", "gauge", "Open connections: event WebSockets and pop-up pages");
  w.sample("rightmoment_connections_open", "kind=\"events\"", t.contains("connections_open") ? number(t["connections_open"]) : "0");
  w.sample("rightmoment_connections_open", "kind=\"popup\"", p.contains("pages_open") ? number(p["pages_open"]) : "0");
  w.scalar(t, "connections_accepted", "rightmoment_connections_accepted_total", "counter", "Event WebSocket connections accepted");
  w.scalar(t, "connections_refused", "rightmoment_connections_refused_total", "counter",
           "Event WebSocket connections refused (credentials, limits, bad upgrade)");
  w.scalar(t, "slow_consumers_disconnected", "rightmoment_slow_consumers_disconnected_total", "counter",
           "Peers disconnected because they stopped reading");
  w.scalar(t, "client_reconnects", "rightmoment_client_reconnects_total", "counter", "Reconnects of the plugin's own event-stream clients");

  // Prompts and what agents did with them.
  w.labelled(m, "prompts_by_rule", "rightmoment_prompts_by_rule_total", "rule", "counter", "New prompts raised, by rule");
  w.labelled(m, "prompts_by_kind", "rightmoment_prompts_by_kind_total", "kind", "counter", "New prompts raised, by kind");
  w.scalar(m, "prompts_delivered", "rightmoment_prompts_delivered_total", "counter", "Prompts handed to the host callback");
  w.scalar(m, "prompts_dropped", "rightmoment_prompts_dropped_total", "counter", "Prompts dropped: the delivery queue was full");
  w.scalar(m, "prompts_held_out", "rightmoment_prompts_held_out_total", "counter", "Prompts recorded but not shown (holdout)");
  w.scalar(m, "prompts_capped", "rightmoment_prompts_capped_total", "counter", "Prompts over the per-interaction cap");
  w.scalar(m, "handovers", "rightmoment_handovers_total", "counter", "Prompts handed over to an agent who joined later");
  w.labelled(m, "feedback_by_action", "rightmoment_feedback_total", "action", "counter", "Agents' answers to prompts, by action");

  // The store.
  w.scalar(m, "store_reachable", "rightmoment_store_reachable", "gauge", "1 when the history store answered last time");
  w.scalar(m, "lookups", "rightmoment_lookups_total", "counter", "History lookups");
  w.scalar(m, "lookup_failures", "rightmoment_lookup_failures_total", "counter", "History lookups that failed");
  w.scalar(m, "lookup_budget_exceeded", "rightmoment_lookup_budget_exceeded_total", "counter",
           "Screen pops sent without history: the lookup took longer than its budget");
  w.scalar(m, "outcome_written", "rightmoment_outcome_written_total", "counter", "Outcome records written");
  w.scalar(m, "outcome_dropped", "rightmoment_outcome_dropped_total", "counter", "Outcome records dropped: the queue was full");
  w.scalar(m, "outcome_write_failures", "rightmoment_outcome_write_failures_total", "counter", "Failed outcome writes (retried)");

  // Queues and latency.
  w.labelled(m, "queue_depth", "rightmoment_queue_depth", "queue", "gauge", "Items waiting in each bounded queue");
  w.histogram(m, "event_to_prompt_latency", "rightmoment_event_to_prompt_seconds",
              "From an event's arrival to its prompt's delivery to the host callback");
  w.histogram(m, "store_lookup_latency", "rightmoment_store_lookup_seconds", "History store lookups (resolve and load)");
  return w.str();
}

}  // namespace rightmoment
