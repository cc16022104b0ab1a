#pragma once
// Writes the outcome record to the history store on its own thread, in batches, so the engine never
// waits for a disk. Bounded: when the store is down long enough for the queue to fill, new records
// are dropped, counted and logged (never unbounded memory). flush() waits until everything queued
// before it is committed, so stop() and drain points lose nothing that was accepted.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "plugin/engine/engine_metrics.hpp"
#include "plugin/history/history_store.hpp"

namespace rightmoment {

class OutcomeWriter {
 public:
  OutcomeWriter(std::shared_ptr<HistoryStore> store, std::size_t limit, EngineMetrics& metrics,
                std::shared_ptr<spdlog::logger> log);
  ~OutcomeWriter();

  void start();
  // Flushes for up to flush_timeout, then joins (what is still queued is written if the store takes it,
  // else dropped and counted). True when every record accepted was committed.
  bool stop(std::chrono::milliseconds flush_timeout);

  // Never blocks; false when full (dropped and counted).
  bool append(OutcomeRecord record);
  // Waits until every record appended before the call is committed (or the timeout passes).
  bool flush(std::chrono::milliseconds timeout);
  // Never blocks: calls done() (on the writer thread) once every record appended before the call is
  // committed, or when the writer stops.
  void barrier(std::function<void()> done);

 private:
  void run();
  void drop_queue_at_stop();  // with mutex_ held
  void release_barriers(std::unique_lock<std::mutex>& lock);

  std::shared_ptr<HistoryStore> store_;
  std::size_t limit_;
  EngineMetrics& metrics_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<OutcomeRecord> queue_;
  std::uint64_t appended_ = 0;   // records accepted so far
  std::uint64_t committed_ = 0;  // records committed (or given up) so far
  bool stopping_ = false;
  bool out_of_time_ = false;  // stop's flush timed out: what is still queued is dropped
  std::size_t dropped_at_stop_ = 0;
  std::vector<std::pair<std::uint64_t, std::function<void()>>> barriers_;
  bool failing_ = false;
  std::thread thread_;
};

}  // namespace rightmoment
