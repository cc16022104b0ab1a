#pragma once
// Writes the outcome record to the history store on its own thread, in batches, so the engine never
// waits for a disk. Bounded: when the store is down long enough for the queue to fill, new records
// are dropped, counted and logged (never unbounded memory). flush() waits until everything queued
// before it is committed, so stop() and drain points lose nothing that was accepted. An ended call's
// contact (InteractionOutcome::contact) goes into the customer's history in the same batch.
//
// Group commit: the writer sleeps until a record arrives (only that first record wakes it), then lets
// the group fill for a few milliseconds, or until it is a full batch, or until someone waits for it
// (flush, barrier, stop), and commits it in one go. At a contact centre's rate that is a handful of
// records per commit instead of one transaction (and one fsync) per record.
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
#include "plugin/engine/handoff_counters.hpp"
#include "plugin/history/history_store.hpp"

namespace rightmoment {

class OutcomeWriter {
 public:
  // How long a group may wait for more records before it is committed. Wall time on the writer's
  // own thread: it paces disk writes and decides nothing about events (those use event time). Each
  // commit is an fsync: at 5 ms the writer cost twice what it does at 50 (docs/performance.md), and
  // whoever needs the record durable sooner (a drain, flush, barrier or stop) ends the wait at once.
  static constexpr std::chrono::milliseconds kDefaultGroupWindow{50};
  static constexpr std::size_t kBatchLimit = 512;

  OutcomeWriter(std::shared_ptr<HistoryStore> store, std::size_t limit, EngineMetrics& metrics,
                std::shared_ptr<spdlog::logger> log, std::chrono::milliseconds group_window = kDefaultGroupWindow);
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

  // Wake-ups of the writer and its commits (batches) (tests, benchmarks).
  const HandoffCounters& handoffs() const { return handoffs_; }

 private:
  void run();
  // With mutex_ held: someone waits for what is queued, so the group is committed without waiting.
  bool group_wanted_now() const;
  void drop_queue_at_stop();  // with mutex_ held
  void release_barriers(std::unique_lock<std::mutex>& lock);

  std::shared_ptr<HistoryStore> store_;
  std::size_t limit_;
  EngineMetrics& metrics_;
  std::shared_ptr<spdlog::logger> log_;
  std::chrono::milliseconds group_window_;
  std::mutex mutex_;
  std::condition_variable work_cv_;       // the writer waits here for records, flushes and stop
  std::condition_variable committed_cv_;  // flush() waits here for commits
  std::deque<OutcomeRecord> queue_;
  std::uint64_t appended_ = 0;   // records accepted so far
  std::uint64_t committed_ = 0;  // records committed (or given up) so far
  std::size_t flushers_ = 0;     // callers waiting in flush()
  bool writer_waiting_ = false;  // the writer is asleep until a record arrives
  bool stopping_ = false;
  bool out_of_time_ = false;  // stop's flush timed out: what is still queued is dropped
  std::size_t dropped_at_stop_ = 0;
  std::vector<std::pair<std::uint64_t, std::function<void()>>> barriers_;
  bool failing_ = false;
  HandoffCounters handoffs_;
  std::thread thread_;
};

}  // namespace rightmoment
