#pragma once
// A multi-producer queue with a hard bound, for handing work between threads. push() never waits:
// when full it returns false and the caller applies its stated policy (backpressure, drop and
// count). pop() waits with a deadline, so the consumer can also run periodic work.
//
// Hand-offs are cheap: a push wakes a consumer only when one is asleep waiting (a consumer that is
// busy finds the item when it next looks), and pop_batch_until() takes everything queued, up to a
// limit, under one lock, so a consumer pays one wake-up and one lock for a burst.
#include <chrono>
#include <condition_variable>
#include <algorithm>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

#include "plugin/engine/handoff_counters.hpp"

namespace rightmoment {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t limit) : limit_(limit) {}

  bool try_push(T&& item) { return try_push_within(std::move(item), limit_).has_value(); }

  // Pushes only while fewer than `limit` items are queued or in the consumer's hand (a caller's own
  // lower limit, at most the queue's); returns that depth after the push, or nullopt when refused.
  std::optional<std::size_t> try_push_within(T&& item, std::size_t limit) { return push_within(std::move(item), limit, 1); }

  // The same, but wakes a consumer that is asleep only once `wake_at` items are queued: until then
  // the item waits for its next wake-up (another push, or the deadline it sleeps to). For items that
  // can wait that long and come too often to be worth a thread switch each; `wake_at` keeps them from
  // piling up (and taking the room of others) when they come fast.
  std::optional<std::size_t> try_push_quietly_within(T&& item, std::size_t limit, std::size_t wake_at) {
    return push_within(std::move(item), limit, wake_at);
  }

  // Waits until an item arrives, the deadline passes (nullopt) or the queue is closed and empty.
  std::optional<T> pop_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    wait_locked(lock, deadline);
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    handoffs_.count_batch(1);
    return item;
  }

  // Waits as pop_until() does, then moves up to `max` items, oldest first, onto the end of `out`.
  // The items taken still count against the limit until the next call (the consumer has handled
  // them by then), so a consumer that is stuck on its batch holds the bound. Returns the number of
  // items still queued after the take.
  std::size_t pop_batch_until(std::chrono::steady_clock::time_point deadline, std::deque<T>& out, std::size_t max) {
    std::unique_lock lock(mutex_);
    in_hand_ = 0;
    wait_locked(lock, deadline);
    if (items_.empty()) return 0;
    std::size_t n = std::min(max, items_.size());
    if (n == items_.size() && out.empty()) {
      out.swap(items_);  // the common case: the whole queue, without moving items one by one
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        out.push_back(std::move(items_.front()));
        items_.pop_front();
      }
    }
    in_hand_ = n;
    handoffs_.count_batch(n);
    return items_.size();
  }

  // Wakes the consumer without an item (e.g. to notice a state change).
  void poke() { cv_.notify_all(); }

  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    cv_.notify_all();
  }
  bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }
  std::size_t limit() const { return limit_; }
  const HandoffCounters& handoffs() const { return handoffs_; }

 private:
  void wait_locked(std::unique_lock<std::mutex>& lock, std::chrono::steady_clock::time_point deadline) {
    while (!closed_ && items_.empty()) {
      ++waiting_;
      auto status = cv_.wait_until(lock, deadline);
      --waiting_;
      if (status == std::cv_status::timeout) break;
    }
  }

  // Wakes a sleeping consumer when at least `wake_at` items are queued after the push.
  std::optional<std::size_t> push_within(T&& item, std::size_t limit, std::size_t wake_at) {
    bool wake = false;
    std::size_t depth = 0;
    {
      std::lock_guard lock(mutex_);
      std::size_t held = items_.size() + in_hand_;
      if (closed_ || held >= limit || held >= limit_) return std::nullopt;
      items_.push_back(std::move(item));
      depth = held + 1;
      wake = waiting_ > 0 && items_.size() >= wake_at;
    }
    if (wake) {
      handoffs_.count_wake();
      cv_.notify_one();
    }
    return depth;
  }

  const std::size_t limit_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<T> items_;
  std::size_t waiting_ = 0;  // consumers asleep in wait_locked()
  std::size_t in_hand_ = 0;  // taken by the last pop_batch_until() and still being handled
  bool closed_ = false;
  HandoffCounters handoffs_;
};

}  // namespace rightmoment
