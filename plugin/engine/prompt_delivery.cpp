#include "plugin/engine/prompt_delivery.hpp"

#include <algorithm>
#include <deque>

#include "plugin/core/thread_name.hpp"

namespace rightmoment {
namespace {
// Barriers are few and must never be refused, so the queue keeps room for them above the limit.
constexpr std::size_t kBarrierReserve = 1024;
// Items taken per pass: enough that a burst costs one wake-up, few enough that the depth gauge and a
// stop's deadline are looked at often.
constexpr std::size_t kBatchLimit = 256;
// Live-view updates do not wake the delivery thread (one came with nearly every event, and waking it
// for each cost more than the update); they go with the next prompt, or at most this late, or once
// this many are queued (at a flood's rate they would otherwise fill the queue in 100 ms and crowd out
// the prompts).
constexpr auto kLiveUpdateDelay = std::chrono::milliseconds(100);
constexpr std::size_t kLiveUpdatesPerWake = 64;
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

void PromptDelivery::add_live_listener(LiveListener listener) { live_listeners_.push_back(std::move(listener)); }

void PromptDelivery::live_update(LiveUpdate update) {
  if (live_listeners_.empty()) return;
  // Within half the room: updates never take the last of it from prompts.
  queue_.try_push_quietly_within(Item(std::move(update)), std::max<std::size_t>(1, limit_ / 2), kLiveUpdatesPerWake);
}

void PromptDelivery::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
  name_thread(thread_, "rm-delivery");
}

bool PromptDelivery::stop(std::chrono::steady_clock::time_point deadline) {
  if (deadline != std::chrono::steady_clock::time_point::max())
    stop_deadline_ns_.store(std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count());
  queue_.close();
  if (thread_.joinable()) thread_.join();
  return dropped_at_stop_.load() == 0;
}

bool PromptDelivery::deliver(DeliveredPrompt prompt) {
  auto depth = queue_.try_push_within(Item(std::move(prompt)), limit_);  // one lock: the check, the push, the depth
  if (!depth) {
    metrics_.prompts_dropped.fetch_add(1);
    return false;
  }
  metrics_.delivery_depth.store(static_cast<std::int64_t>(*depth));
  return true;
}

void PromptDelivery::barrier(std::function<void()> done) {
  if (!queue_.try_push(Item(Barrier{done}))) done();  // closed (stopping) or absurdly full: don't hang the waiter
}

void PromptDelivery::run() {
  // One wake-up takes everything queued; the callbacks run with no lock held (plugin.h: the host may
  // call back into the plugin from its callback), so producers go on queueing meanwhile.
  std::deque<Item> batch;
  while (true) {
    auto wait = live_listeners_.empty() ? std::chrono::milliseconds(1000) : kLiveUpdateDelay;
    std::size_t left = queue_.pop_batch_until(std::chrono::steady_clock::now() + wait, batch, kBatchLimit);
    if (batch.empty()) {
      if (queue_.closed() && queue_.size() == 0) break;
      continue;
    }
    metrics_.delivery_depth.store(static_cast<std::int64_t>(left + batch.size()));
    for (Item& item : batch) hand_over(item);
    batch.clear();
  }
}

void PromptDelivery::hand_over(Item& item) {
  if (auto* prompt = std::get_if<DeliveredPrompt>(&item)) {
    auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch());
    if (queue_.closed() && now_ns.count() >= stop_deadline_ns_.load()) {
      // Stopping, and out of time: the prompt is in the outcome record, not on screen.
      metrics_.prompts_dropped.fetch_add(1);
      dropped_at_stop_.fetch_add(1);
      return;
    }
    for (const auto& listener : listeners_) {
      try {
        listener(*prompt);
      } catch (...) {
        // A listener's failure must not stop delivery to the others.
      }
    }
    metrics_.prompts_delivered.fetch_add(1);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - prompt->event_arrived)
                  .count();
    metrics_.event_to_prompt.record_us(us);
  } else if (auto* barrier = std::get_if<Barrier>(&item)) {
    if (barrier->done) barrier->done();
  } else if (auto* live = std::get_if<LiveUpdate>(&item)) {
    for (const auto& listener : live_listeners_) {
      try {
        listener(*live);
      } catch (...) {
      }
    }
  } else if (auto* ended = std::get_if<Ended>(&item)) {
    for (const auto& listener : ended_listeners_) {
      try {
        listener(ended->interaction_id);
      } catch (...) {
      }
    }
  }
}

}  // namespace rightmoment
