#include "plugin/engine/engine_metrics.hpp"

namespace rightmoment {
namespace {
nlohmann::json histogram_json(const LatencyHistogram& h) {
  // Cumulative counts at every bucket's upper bound (Prometheus "le"): the same buckets every time.
  nlohmann::json buckets = nlohmann::json::array();
  auto counts = h.counts();
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    cumulative += counts[i];
    // The lowest buckets round to the same microsecond: one "le" each, with the higher count.
    if (i + 1 < counts.size() && LatencyHistogram::bucket_upper_us(i + 1) == LatencyHistogram::bucket_upper_us(i)) continue;
    buckets.push_back({LatencyHistogram::bucket_upper_us(i), cumulative});
  }
  return {{"count", cumulative},
          {"buckets", std::move(buckets)},
          {"sum_us", h.sum_us()},
          {"p50_us", h.quantile_us(0.50)},
          {"p99_us", h.quantile_us(0.99)},
          {"p999_us", h.quantile_us(0.999)},
          {"max_us", h.max_us()}};
}
}  // namespace

nlohmann::json EngineMetrics::to_json() const {
  nlohmann::json j;
  j["events_in"] = events_in.load();
  j["events_by_type"] = events_by_type.snapshot();
  j["rejections_by_code"] = rejections_by_code.snapshot();
  j["ignored_by_reason"] = ignored_by_reason.snapshot();
  j["duplicate_events"] = duplicate_events.load();
  j["late_events"] = late_events.load();
  j["inbox_full"] = inbox_full.load();
  j["prompts_by_rule"] = prompts_by_rule.snapshot();
  j["prompts_by_kind"] = prompts_by_kind.snapshot();
  j["prompts_delivered"] = prompts_delivered.load();
  j["prompts_dropped"] = prompts_dropped.load();
  j["prompts_held_out"] = prompts_held_out.load();
  j["prompts_capped"] = prompts_capped.load();
  j["handovers"] = handovers.load();
  j["feedback_by_action"] = feedback_by_action.snapshot();
  j["lookups"] = lookups.load();
  j["lookup_failures"] = lookup_failures.load();
  j["lookup_budget_exceeded"] = lookup_budget_exceeded.load();
  j["outcome_written"] = outcome_written.load();
  j["outcome_dropped"] = outcome_dropped.load();
  j["outcome_write_failures"] = outcome_write_failures.load();
  j["interactions_started"] = interactions_started.load();
  j["interactions_evicted"] = interactions_evicted.load();
  j["active_interactions"] = active_interactions.load();
  j["queue_depth"] = {{"inbox", inbox_depth.load()}, {"delivery", delivery_depth.load()}, {"outcome", outcome_depth.load()}};
  j["store_reachable"] = store_reachable.load();
  j["event_to_prompt_latency"] = histogram_json(event_to_prompt);
  j["store_lookup_latency"] = histogram_json(store_lookup);
  return j;
}

}  // namespace rightmoment
