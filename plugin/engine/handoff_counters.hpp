#pragma once
// How often work crossed from one thread to another, counted where it crosses: the engine's inbox,
// the delivery queue and the outcome writer each keep one. Tests read them to check that a burst is
// taken in batches instead of one wake-up per item; benchmarks may print them. They are not part of
// the status JSON (engine_metrics.* owns that).
#include <atomic>
#include <cstdint>

namespace rightmoment {

struct HandoffCounters {
  // Notifications sent to a consumer that was asleep waiting for work (a producer that finds the
  // consumer awake, or already woken, sends none).
  std::atomic<std::uint64_t> wakes{0};
  // Times the consumer took what was queued under one lock (for the outcome writer: commits).
  std::atomic<std::uint64_t> batches{0};
  // Items taken in those batches.
  std::atomic<std::uint64_t> items{0};
  // Items the producer processed itself, with no hand-off at all (the engine's in-place events).
  std::atomic<std::uint64_t> in_place{0};

  void count_batch(std::uint64_t n) {
    batches.fetch_add(1, std::memory_order_relaxed);
    items.fetch_add(n, std::memory_order_relaxed);
  }
  void count_wake() { wakes.fetch_add(1, std::memory_order_relaxed); }
  void count_in_place() { in_place.fetch_add(1, std::memory_order_relaxed); }
};

}  // namespace rightmoment
