#pragma once
// The delivery thread: hands prompts to the host callback (and any other prompt listener, such as
// the agent pop-up) one at a time, in order, never on an I/O or engine thread. It sleeps only when
// nothing is queued, and one wake-up takes everything queued by then (one pass of callbacks). A
// slow host delays later prompts but never the event path: the queue is bounded, and when it is
// full the newest prompt is dropped, counted and logged (the outcome record still has it).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "plugin/core/delivered_prompt.hpp"
#include "plugin/engine/bounded_queue.hpp"
#include "plugin/engine/engine_metrics.hpp"
#include "plugin/engine/handoff_counters.hpp"

namespace rightmoment {

class PromptDelivery {
 public:
  PromptDelivery(std::size_t limit, EngineMetrics& metrics);
  ~PromptDelivery();
  PromptDelivery(const PromptDelivery&) = delete;
  PromptDelivery& operator=(const PromptDelivery&) = delete;

  // Listeners are added before start(); each is called for every prompt, in order.
  void add_listener(PromptListener listener);
  void add_ended_listener(InteractionEndedListener listener);
  void add_live_listener(LiveListener listener);
  bool has_live_listeners() const { return !live_listeners_.empty(); }
  void start();
  // Delivers what is queued until the deadline, drops (and counts) the prompts still queued after
  // it, then joins the thread once the callback in progress returns. False when prompts were dropped.
  bool stop(std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());

  // Queues a prompt; false when the queue is full (the prompt is dropped and counted).
  bool deliver(DeliveredPrompt prompt);
  // Queues an interaction-ended notice behind that interaction's prompts (never refused for room).
  void interaction_ended(std::string interaction_id);
  // Queues a live-view update in order with the prompts, without waking the delivery thread: it goes
  // with the next prompt or notice, within 100 ms, or when 64 updates are queued. Dropped when the
  // queue is half full, so that prompts keep their room (the next update of that interaction carries
  // its state again).
  void live_update(LiveUpdate update);
  // Calls done() on the delivery thread after every prompt queued before it has been delivered.
  void barrier(std::function<void()> done);

  // Wake-ups and batches of the delivery thread (tests, benchmarks).
  const HandoffCounters& handoffs() const { return queue_.handoffs(); }

 private:
  struct Barrier {
    std::function<void()> done;
  };
  struct Ended {
    std::string interaction_id;
  };
  using Item = std::variant<DeliveredPrompt, Barrier, Ended, LiveUpdate>;
  void run();
  void hand_over(Item& item);

  EngineMetrics& metrics_;
  std::size_t limit_;
  std::vector<PromptListener> listeners_;
  std::vector<InteractionEndedListener> ended_listeners_;
  std::vector<LiveListener> live_listeners_;
  BoundedQueue<Item> queue_;
  std::atomic<std::int64_t> stop_deadline_ns_{INT64_MAX};  // steady clock; past it, queued prompts are dropped
  std::atomic<std::uint64_t> dropped_at_stop_{0};
  std::thread thread_;
};

}  // namespace rightmoment
