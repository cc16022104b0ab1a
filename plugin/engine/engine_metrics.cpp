#include "plugin/engine/engine_metrics.hpp"

namespace rightmoment {
namespace {
HistogramSnapshot histogram_snapshot(const LatencyHistogram& h) {
  HistogramSnapshot out;
  auto counts = h.counts();
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    cumulative += counts[i];
    // The lowest buckets round to the same microsecond: one "le" each, with the higher count.
    if (i + 1 < counts.size() && LatencyHistogram::bucket_upper_us(i + 1) == LatencyHistogram::bucket_upper_us(i)) continue;
    out.buckets.emplace_back(LatencyHistogram::bucket_upper_us(i), cumulative);
  }
  out.count = cumulative;
  out.sum_us = h.sum_us();
  out.p50_us = h.quantile_us(0.50);
  out.p99_us = h.quantile_us(0.99);
  out.p999_us = h.quantile_us(0.999);
  out.max_us = h.max_us();
  return out;
}
}  // namespace

EngineMetricsSnapshot EngineMetrics::snapshot() const {
  EngineMetricsSnapshot s;
  s.events_in = events_in.load();
  s.events_by_type = events_by_type.snapshot();
  s.rejections_by_code = rejections_by_code.snapshot();
  s.ignored_by_reason = ignored_by_reason.snapshot();
  s.duplicate_events = duplicate_events.load();
  s.late_events = late_events.load();
  s.inbox_full = inbox_full.load();
  s.prompts_by_rule = prompts_by_rule.snapshot();
  s.prompts_by_kind = prompts_by_kind.snapshot();
  s.prompts_delivered = prompts_delivered.load();
  s.prompts_dropped = prompts_dropped.load();
  s.prompts_held_out = prompts_held_out.load();
  s.prompts_capped = prompts_capped.load();
  s.handovers = handovers.load();
  s.feedback_by_action = feedback_by_action.snapshot();
  s.expression_errors = expression_errors.snapshot();
  s.lookups = lookups.load();
  s.lookup_failures = lookup_failures.load();
  s.lookup_budget_exceeded = lookup_budget_exceeded.load();
  s.outcome_written = outcome_written.load();
  s.outcome_dropped = outcome_dropped.load();
  s.outcome_write_failures = outcome_write_failures.load();
  s.interactions_started = interactions_started.load();
  s.interactions_evicted = interactions_evicted.load();
  s.interactions_evicted_by_reason = interactions_evicted_by_reason.snapshot();
  s.limits_applied = limits_applied.snapshot();
  s.interactions_resumed = interactions_resumed.load();
  s.prompts_not_raised_again = prompts_not_raised_again.load();
  s.record_lookup_failures = record_lookup_failures.load();
  s.timers_pending = timers_pending.load();
  s.active_interactions = active_interactions.load();
  s.inbox_depth = inbox_depth.load();
  s.delivery_depth = delivery_depth.load();
  s.outcome_depth = outcome_depth.load();
  s.store_reachable = store_reachable.load();
  s.event_to_prompt_latency = histogram_snapshot(event_to_prompt);
  s.store_lookup_latency = histogram_snapshot(store_lookup);
  return s;
}

}  // namespace rightmoment
