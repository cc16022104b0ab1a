#pragma once
// Counters and gauges of the engine, read by the status call and /metrics. Written by the engine,
// store and delivery threads; read from any thread.
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "plugin/engine/latency_histogram.hpp"

namespace rightmoment {

class LabelledCounter {
 public:
  void add(const std::string& label, std::uint64_t n = 1) {
    std::lock_guard lock(mutex_);
    values_[label] += n;
  }
  std::map<std::string, std::uint64_t> snapshot() const {
    std::lock_guard lock(mutex_);
    return values_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> values_;
};

struct EngineMetrics {
  LabelledCounter events_by_type;       // "utterance", "unknown:queue.position", ...
  LabelledCounter rejections_by_code;   // from adapters and submit_event
  LabelledCounter ignored_by_reason;    // vendor messages understood and dropped, by reason
  LabelledCounter prompts_by_rule;      // new firings by rule id ("screen_pop" included)
  LabelledCounter prompts_by_kind;
  LabelledCounter feedback_by_action;
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
  std::atomic<std::int64_t> active_interactions{0};
  std::atomic<std::int64_t> inbox_depth{0};
  std::atomic<std::int64_t> delivery_depth{0};
  std::atomic<std::int64_t> outcome_depth{0};
  std::atomic<bool> store_reachable{true};
  LatencyHistogram event_to_prompt;  // from the event's arrival to the host callback's return
  LatencyHistogram store_lookup;     // resolve + load

  nlohmann::json to_json() const;
};

}  // namespace rightmoment
