#include "plugin/engine/prompt_delivery.hpp"

namespace rightmoment {
namespace {
// Barriers are few and must never be refused, so the queue keeps room for them above the limit.
constexpr std::size_t kBarrierReserve = 1024;
}  // namespace

PromptDelivery::PromptDelivery(std::size_t limit, EngineMetrics& metrics)
    : metrics_(metrics), limit_(limit), queue_(limit + kBarrierReserve) {}

PromptDelivery::~PromptDelivery() { stop(); }

void PromptDelivery::add_listener(PromptListener listener) { listeners_.push_back(std::move(listener)); }

void PromptDelivery::add_ended_listener(InteractionEndedListener listener) {
  ended_listeners_.push_back(std::move(listener));
}

void PromptDelivery::interaction_ended(std::string interaction_id) {
  if (ended_listeners_.empty()) return;
  queue_.try_push(Item(Ended{std::move(interaction_id)}));  // full or closed (stopping): the cards stay until answered
}

void PromptDelivery::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

bool PromptDelivery::stop(std::chrono::steady_clock::time_point deadline) {
  if (deadline != std::chrono::steady_clock::time_point::max())
    stop_deadline_ns_.store(std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count());
  queue_.close();
  if (thread_.joinable()) thread_.join();
  return dropped_at_stop_.load() == 0;
}

bool PromptDelivery::deliver(DeliveredPrompt prompt) {
  if (queue_.size() >= limit_ || !queue_.try_push(Item(std::move(prompt)))) {
    metrics_.prompts_dropped.fetch_add(1);
    return false;
  }
  metrics_.delivery_depth.store(static_cast<std::int64_t>(queue_.size()));
  return true;
}

void PromptDelivery::barrier(std::function<void()> done) {
  if (!queue_.try_push(Item(Barrier{done}))) done();  // closed (stopping) or absurdly full: don't hang the waiter
}

void PromptDelivery::run() {
  while (true) {
    auto item = queue_.pop_until(std::chrono::steady_clock::now() + std::chrono::seconds(1));
    if (!item) {
      if (queue_.closed() && queue_.size() == 0) break;
      continue;
    }
    metrics_.delivery_depth.store(static_cast<std::int64_t>(queue_.size()));
    if (auto* prompt = std::get_if<DeliveredPrompt>(&*item)) {
      auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch());
      if (queue_.closed() && now_ns.count() >= stop_deadline_ns_.load()) {
        // Stopping, and out of time: the prompt is in the outcome record, not on screen.
        metrics_.prompts_dropped.fetch_add(1);
        dropped_at_stop_.fetch_add(1);
        continue;
      }
      for (const auto& listener : listeners_) {
        try {
          listener(*prompt);
        } catch (...) {
          // A listener's failure must not stop delivery to the others.
        }
      }
      metrics_.prompts_delivered.fetch_add(1);
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                      prompt->event_arrived)
                    .count();
      metrics_.event_to_prompt.record_us(us);
    } else if (auto* barrier = std::get_if<Barrier>(&*item)) {
      if (barrier->done) barrier->done();
    } else if (auto* ended = std::get_if<Ended>(&*item)) {
      for (const auto& listener : ended_listeners_) {
        try {
          listener(ended->interaction_id);
        } catch (...) {
        }
      }
    }
  }
}

}  // namespace rightmoment
