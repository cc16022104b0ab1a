#include "plugin/runtime/status_json.hpp"

#include <rightmoment/plugin.h>

#include "plugin/core/event_time.hpp"

namespace rightmoment {
namespace {

nlohmann::json histogram_json(const HistogramSnapshot& h) {
  nlohmann::json buckets = nlohmann::json::array();
  for (const auto& [le_us, cumulative] : h.buckets) buckets.push_back({le_us, cumulative});
  return {{"count", h.count},   {"buckets", std::move(buckets)}, {"sum_us", h.sum_us}, {"p50_us", h.p50_us},
          {"p99_us", h.p99_us}, {"p999_us", h.p999_us},          {"max_us", h.max_us}};
}

nlohmann::json metrics_json(const EngineMetricsSnapshot& m) {
  nlohmann::json j;
  j["events_in"] = m.events_in;
  j["events_by_type"] = m.events_by_type;
  j["rejections_by_code"] = m.rejections_by_code;
  j["ignored_by_reason"] = m.ignored_by_reason;
  j["duplicate_events"] = m.duplicate_events;
  j["late_events"] = m.late_events;
  j["inbox_full"] = m.inbox_full;
  j["prompts_by_rule"] = m.prompts_by_rule;
  j["prompts_by_kind"] = m.prompts_by_kind;
  j["prompts_delivered"] = m.prompts_delivered;
  j["prompts_dropped"] = m.prompts_dropped;
  j["prompts_held_out"] = m.prompts_held_out;
  j["prompts_capped"] = m.prompts_capped;
  j["handovers"] = m.handovers;
  j["feedback_by_action"] = m.feedback_by_action;
  j["expression_errors"] = m.expression_errors;
  j["lookups"] = m.lookups;
  j["lookup_failures"] = m.lookup_failures;
  j["lookup_budget_exceeded"] = m.lookup_budget_exceeded;
  j["outcome_written"] = m.outcome_written;
  j["outcome_dropped"] = m.outcome_dropped;
  j["outcome_write_failures"] = m.outcome_write_failures;
  j["interactions_started"] = m.interactions_started;
  j["interactions_evicted"] = m.interactions_evicted;
  j["interactions_evicted_by_reason"] = m.interactions_evicted_by_reason;
  j["limits_applied"] = m.limits_applied;
  j["interactions_resumed"] = m.interactions_resumed;
  j["prompts_not_raised_again"] = m.prompts_not_raised_again;
  j["record_lookup_failures"] = m.record_lookup_failures;
  j["timers_pending"] = m.timers_pending;
  j["active_interactions"] = m.active_interactions;
  j["queue_depth"] = {{"inbox", m.inbox_depth}, {"delivery", m.delivery_depth}, {"outcome", m.outcome_depth}};
  j["store_reachable"] = m.store_reachable;
  j["event_to_prompt_latency"] = histogram_json(m.event_to_prompt_latency);
  j["store_lookup_latency"] = histogram_json(m.store_lookup_latency);
  return j;
}

nlohmann::json transport_json(const TransportStats& st) {
  return {{"connections_open", st.connections_open},
          {"connections_handshaking", st.connections_handshaking},
          {"syncs_waited", st.syncs_waited},
          {"connections_accepted", st.connections_accepted},
          {"connections_refused", st.connections_refused},
          {"messages_in", st.messages_in},
          {"binary_frames_in", st.binary_frames_in},
          {"slow_consumers_disconnected", st.slow_consumers_disconnected},
          {"client_reconnects", st.client_reconnects},
          {"messages_by_adapter", st.messages_by_adapter},
          {"events_by_adapter", st.events_by_adapter}};
}

}  // namespace

nlohmann::json status_json(const StatusSnapshot& s) {
  nlohmann::json j;
  j["state"] = runtime_state_name(s.state);
  j["instance_name"] = s.instance_name;
  j["abi"] = std::to_string(RM_ABI_MAJOR) + "." + std::to_string(RM_ABI_MINOR);  // the header's, never a copy
  j["store"] = s.store;
  j["rules"] = s.rules;
  j["event_clock"] = format_rfc3339(s.event_clock_ms);
  nlohmann::json listeners = nlohmann::json::array();
  for (const auto& b : s.listeners) listeners.push_back({{"name", b.name}, {"adapter", b.adapter}, {"url", b.url}});
  j["listeners"] = std::move(listeners);
  j["listeners_configured"] = s.listeners_configured;
  j["metrics"] = metrics_json(s.metrics);
  j["transport"] = transport_json(s.transport);
  if (s.popup) {
    const PopupHubStats& ps = s.popup->hub;
    j["popup"] = {{"url", s.popup->url},
                  {"pages_open", ps.pages_open},
                  {"agents_with_cards", ps.agents_with_cards},
                  {"cards_active", ps.cards_active},
                  {"feedback_accepted", ps.feedback_accepted},
                  {"feedback_refused", ps.feedback_refused},
                  {"cards_evicted", ps.cards_evicted},
                  {"cards_refused", ps.cards_refused},
                  {"pages_refused", ps.pages_refused}};
  }
  if (s.supervisor) {
    const SupervisorHubStats& ss = *s.supervisor;
    j["supervisor"] = {{"pages_open", ss.pages_open}, {"interactions_live", ss.interactions_live},
                       {"alerts_raised", ss.alerts_raised}, {"alerts_suppressed", ss.alerts_suppressed},
                       {"interactions_refused", ss.interactions_refused}, {"remote_refused", ss.remote_refused}};
  }
  if (s.bus) {
    const PromptBusStats& bs = s.bus->stats;
    j["bus"] = {{"host_id", s.bus->host_id}, {"connected", bs.connected}, {"published", bs.published},
                {"received", bs.received}, {"dropped", bs.dropped}, {"reconnects", bs.reconnects}};
  }
  if (s.admin_url) j["admin"] = {{"url", *s.admin_url}};
  if (s.webhooks) j["webhooks"] = {{"url", s.webhooks->url}, {"requests", s.webhooks->server.requests}, {"refused", s.webhooks->server.refused}};
  j["log"] = {{"host_lines_dropped", s.host_log_lines_dropped}};
  return j;
}

}  // namespace rightmoment
