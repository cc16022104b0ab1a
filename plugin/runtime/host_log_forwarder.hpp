#pragma once
// Hands log lines to the host's log callback from a thread of its own. A log line may be written
// anywhere in the plugin, with any internal lock held; plugin.h promises the host that its callback
// never runs with one held, and lets it call back into the plugin from there. Queueing the line and
// calling the host from this thread, which holds nothing, keeps that promise for every log statement
// at once. The queue is bounded: when the host's callback falls behind, new lines are dropped and
// counted (lines_dropped), and the event path never waits for the host.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include <spdlog/common.h>

#include "plugin/engine/bounded_queue.hpp"

namespace rightmoment {

using HostLogFn = std::function<void(spdlog::level::level_enum, std::string_view)>;

class HostLogForwarder {
 public:
  HostLogForwarder(HostLogFn fn, std::size_t limit);
  ~HostLogForwarder();  // delivers what is queued, then joins
  HostLogForwarder(const HostLogForwarder&) = delete;
  HostLogForwarder& operator=(const HostLogForwarder&) = delete;

  // Any thread, never blocks. After close() lines are dropped.
  void post(spdlog::level::level_enum level, std::string line);
  // Waits until every line posted before it has been handed to the host, up to the deadline.
  // Not from the forwarder's own thread (it would wait for itself): returns false there at once.
  bool flush(std::chrono::steady_clock::time_point deadline);
  // Delivers what is queued, then joins. Idempotent.
  void close();

  std::uint64_t lines_dropped() const { return dropped_.load(); }

 private:
  struct Line {
    spdlog::level::level_enum level;
    std::string text;
  };
  void run();

  HostLogFn fn_;
  BoundedQueue<Line> queue_;
  std::atomic<std::uint64_t> posted_{0};
  std::mutex done_mutex_;
  std::condition_variable done_cv_;
  std::uint64_t done_ = 0;  // lines handed to the host (or lost to a throwing callback)
  bool finished_ = false;   // the thread has left
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace rightmoment
