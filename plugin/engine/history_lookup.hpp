#pragma once
// Store worker threads: resolve the caller and load their history, and read what the outcome record
// holds for an interaction the engine has not seen since it started, off the event path. The engine
// posts a job and gets the answer back through a callback (on a worker thread) that must not block.
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "plugin/engine/bounded_queue.hpp"
#include "plugin/engine/caller_view.hpp"
#include "plugin/engine/engine_metrics.hpp"
#include "plugin/engine/resume_point.hpp"
#include "plugin/history/history_store.hpp"

namespace rightmoment {

struct LookupAnswer {
  std::string interaction_id;
  std::optional<CallerView> caller;   // when the job asked for the caller
  std::optional<ResumePoint> resume;  // when the job asked for the outcome record
};

struct LookupJob {
  std::string interaction_id;
  std::optional<CustomerIdentifiers> identifiers;  // resolve the caller and load their history
  bool read_record = false;                        // what the outcome record holds for the interaction
  std::function<void(LookupAnswer answer)> done;
};

class HistoryLookup {
 public:
  HistoryLookup(std::shared_ptr<HistoryStore> store, std::string default_region, std::size_t workers,
                std::size_t queue_limit, EngineMetrics& metrics, std::shared_ptr<spdlog::logger> log);
  ~HistoryLookup();

  void start();
  // Joins the workers after the lookups in progress; queued ones are dropped (nobody waits for them).
  void stop();
  // false when the job queue is full: the caller treats the history as unavailable.
  bool submit(LookupJob job);

  // One lookup, synchronously (used by the workers and by tests).
  CallerView lookup(const CustomerIdentifiers& ids);
  // The outcome record of one interaction, synchronously; read_failed when the store did not answer.
  ResumePoint read_record(const std::string& interaction_id);

 private:
  void run();

  std::shared_ptr<HistoryStore> store_;
  std::string default_region_;
  std::size_t worker_count_;
  EngineMetrics& metrics_;
  std::shared_ptr<spdlog::logger> log_;
  BoundedQueue<LookupJob> queue_;
  std::vector<std::thread> workers_;
  std::atomic<bool> failing_{false};
  std::atomic<bool> stopping_{false};
};

}  // namespace rightmoment
