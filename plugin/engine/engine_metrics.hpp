#pragma once
// Counters and gauges of the engine, read by the status call and /metrics (through snapshot(): plain
// values, rendered as JSON and as Prometheus text by plugin/runtime). Written by the engine, store and
// delivery threads; read from any thread.
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "plugin/engine/latency_histogram.hpp"

namespace rightmoment {

class LabelledCounter {
 public:
  void add(const std::string& label, std::uint64_t n = 1) {
    std::lock_guard lock(mutex_);
    values_[label] += n;
  }
  // For labels that come from outside (an event's type): past max_labels distinct ones, new labels
  // are counted under `overflow`. False when that happened.
  bool add_bounded(const std::string& label, std::size_t max_labels, const std::string& overflow) {
    std::lock_guard lock(mutex_);
    auto it = values_.find(label);
    if (it != values_.end()) {
      ++it->second;
      return true;
    }
    bool room = values_.size() < max_labels;
    ++values_[room ? label : overflow];
    return room;
  }
  std::map<std::string, std::uint64_t> snapshot() const {
    std::lock_guard lock(mutex_);
    return values_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> values_;
};

// A LatencyHistogram at one moment: cumulative counts at each bucket's upper bound (Prometheus "le").
struct HistogramSnapshot {
  std::uint64_t count = 0;
  std::int64_t sum_us = 0;
  std::vector<std::pair<std::int64_t, std::uint64_t>> buckets;  // {le_us, cumulative count}
  std::int64_t p50_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
};

// EngineMetrics read once, as plain values: what the status JSON's "metrics" and /metrics show.
struct EngineMetricsSnapshot {
  using Counts = std::map<std::string, std::uint64_t>;
  std::uint64_t events_in = 0;
  Counts events_by_type, rejections_by_code, ignored_by_reason;
  std::uint64_t duplicate_events = 0, late_events = 0, inbox_full = 0;
  Counts prompts_by_rule, prompts_by_kind;
  std::uint64_t prompts_delivered = 0, prompts_dropped = 0, prompts_held_out = 0, prompts_capped = 0, handovers = 0;
  Counts feedback_by_action, expression_errors;
  std::uint64_t lookups = 0, lookup_failures = 0, lookup_budget_exceeded = 0;
  std::uint64_t outcome_written = 0, outcome_dropped = 0, outcome_write_failures = 0;
  std::uint64_t interactions_started = 0, interactions_evicted = 0;
  Counts interactions_evicted_by_reason, limits_applied;
  std::uint64_t interactions_resumed = 0, prompts_not_raised_again = 0, record_lookup_failures = 0;
  std::int64_t timers_pending = 0, active_interactions = 0;
  std::int64_t inbox_depth = 0, delivery_depth = 0, outcome_depth = 0;
  bool store_reachable = true;
  HistogramSnapshot event_to_prompt_latency, store_lookup_latency;
};

struct EngineMetrics {
  LabelledCounter events_by_type;       // "utterance", "unknown:queue.position", ...
  LabelledCounter rejections_by_code;   // from adapters and submit_event
  LabelledCounter ignored_by_reason;    // vendor messages understood and dropped, by reason
  LabelledCounter prompts_by_rule;      // new firings by rule id ("screen_pop" included)
  LabelledCounter prompts_by_kind;
  LabelledCounter feedback_by_action;
  LabelledCounter expression_errors;    // rule expressions that failed at run time, by rule id (it did not fire)
  std::atomic<std::uint64_t> events_in{0};
  std::atomic<std::uint64_t> duplicate_events{0};
  std::atomic<std::uint64_t> late_events{0};          // for an interaction that already ended
  std::atomic<std::uint64_t> inbox_full{0};
  std::atomic<std::uint64_t> prompts_delivered{0};
  std::atomic<std::uint64_t> prompts_dropped{0};      // delivery queue full
  std::atomic<std::uint64_t> prompts_held_out{0};
  std::atomic<std::uint64_t> prompts_capped{0};
  std::atomic<std::uint64_t> handovers{0};
  std::atomic<std::uint64_t> lookups{0};
  std::atomic<std::uint64_t> lookup_failures{0};
  std::atomic<std::uint64_t> lookup_budget_exceeded{0};
  std::atomic<std::uint64_t> outcome_written{0};
  std::atomic<std::uint64_t> outcome_dropped{0};
  std::atomic<std::uint64_t> outcome_write_failures{0};
  std::atomic<std::uint64_t> interactions_started{0};
  std::atomic<std::uint64_t> interactions_evicted{0};
  LabelledCounter interactions_evicted_by_reason;  // "limit" (engine.max_interactions), "idle" (the idle timeout)
  // Each time a bounded collection acted on its limit (docs/operations.md, "Bounds"): "seen_event_ids"
  // (an id left the window), "timers" (a re-arm kept the first deadline), "agents", "parked_events",
  // "pending_moments", "ended_interactions", "ended_prompts", "event_type_labels".
  LabelledCounter limits_applied;
  std::atomic<std::uint64_t> interactions_resumed{0};      // new to this process, known to the outcome record
  std::atomic<std::uint64_t> prompts_not_raised_again{0};  // raised for that agent before a restart
  std::atomic<std::uint64_t> record_lookup_failures{0};    // the record unreadable or too slow: resumed blind
  std::atomic<std::int64_t> timers_pending{0};
  std::atomic<std::int64_t> active_interactions{0};
  std::atomic<std::int64_t> inbox_depth{0};
  std::atomic<std::int64_t> delivery_depth{0};
  std::atomic<std::int64_t> outcome_depth{0};
  std::atomic<bool> store_reachable{true};
  LatencyHistogram event_to_prompt;  // from the event's arrival to the host callback's return
  LatencyHistogram store_lookup;     // resolve + load

  EngineMetricsSnapshot snapshot() const;
};

}  // namespace rightmoment
