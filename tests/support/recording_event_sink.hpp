#pragma once
// An EventSink for transport tests: records what the transport hands the engine, can play "inbox
// full" for a number of calls, and lets a test wait for events with a generous deadline.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "plugin/core/event_sink.hpp"

namespace rightmoment::testing {

class RecordingEventSink : public EventSink {
 public:
  bool try_submit(CanonicalEvent&& event) override {
    std::lock_guard lock(mutex_);
    if (refuse_next_ > 0) {
      --refuse_next_;
      return false;  // inbox full: the transport must retry, not drop
    }
    events_.push_back(std::move(event));
    cv_.notify_all();
    return true;
  }
  void when_drained(std::function<void()> done) override {
    std::thread([done] { done(); }).detach();
  }
  void count_rejection(std::string_view, std::string_view code) override {
    std::lock_guard lock(mutex_);
    rejections_.emplace_back(code);
  }
  void count_ignored(std::string_view, std::string_view reason) override {
    std::lock_guard lock(mutex_);
    ignored_.emplace_back(reason);
  }
  std::vector<std::string> rejections() {
    std::lock_guard lock(mutex_);
    return rejections_;
  }
  std::vector<std::string> ignored() {
    std::lock_guard lock(mutex_);
    return ignored_;
  }
  bool wait_for(std::size_t n, int seconds = 20) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::seconds(seconds), [&] { return events_.size() >= n; });
  }
  std::vector<CanonicalEvent> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::size_t count() {
    std::lock_guard lock(mutex_);
    return events_.size();
  }
  void refuse(int n) {
    std::lock_guard lock(mutex_);
    refuse_next_ = n;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<CanonicalEvent> events_;
  std::vector<std::string> rejections_;
  std::vector<std::string> ignored_;
  int refuse_next_ = 0;
};

}  // namespace rightmoment::testing
