#include "plugin/engine/history_lookup.hpp"

#include <chrono>

#include "plugin/core/thread_name.hpp"

namespace rightmoment {

HistoryLookup::HistoryLookup(std::shared_ptr<HistoryStore> store, std::string default_region, std::size_t workers,
                             std::size_t queue_limit, EngineMetrics& metrics, std::shared_ptr<spdlog::logger> log)
    : store_(std::move(store)),
      default_region_(std::move(default_region)),
      worker_count_(workers == 0 ? 1 : workers),
      metrics_(metrics),
      log_(std::move(log)),
      queue_(queue_limit) {}

HistoryLookup::~HistoryLookup() { stop(); }

void HistoryLookup::start() {
  if (!workers_.empty()) return;
  stopping_ = false;
  for (std::size_t i = 0; i < worker_count_; ++i) {
    workers_.emplace_back([this] { run(); });
    name_thread(workers_.back(), "rm-lookup-" + std::to_string(i));
  }
}

void HistoryLookup::stop() {
  stopping_ = true;
  queue_.close();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
}

bool HistoryLookup::submit(LookupJob job) { return queue_.try_push(std::move(job)); }

CallerView HistoryLookup::lookup(const CustomerIdentifiers& ids) {
  CallerView view;
  auto started = std::chrono::steady_clock::now();
  metrics_.lookups.fetch_add(1);
  try {
    view.resolution = resolve_caller(*store_, ids, default_region_);
    if (view.resolution.customer_id) {
      view.history = store_->load_customer(*view.resolution.customer_id, HistoryLoadLimits{});
      if (!view.history) {  // deleted between the two reads: treat as unknown
        view.resolution = CallerResolution{};
      }
    }
    if (failing_.exchange(false)) log_->info("history store: answering again");
    metrics_.store_reachable.store(true);
  } catch (const std::exception& e) {
    view = CallerView{};
    view.unavailable = true;
    view.unavailable_reason = e.what();
    metrics_.lookup_failures.fetch_add(1);
    metrics_.store_reachable.store(false);
    if (!failing_.exchange(true)) log_->error("history store: lookup failed ({}); screen pops say history unavailable", e.what());
  }
  metrics_.store_lookup.record_us(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count());
  return view;
}

ResumePoint HistoryLookup::read_record(const std::string& interaction_id) {
  try {
    return resume_point_from(store_->read_recorded_interaction(interaction_id));
  } catch (const std::exception& e) {
    metrics_.record_lookup_failures.fetch_add(1);
    // The lookup of the same moment logs the outage; this one only says what it means for the call.
    log_->debug("[interaction_id={}] outcome record unreadable ({}); the interaction starts afresh", interaction_id, e.what());
    ResumePoint r;
    r.read_failed = true;
    return r;
  }
}

void HistoryLookup::run() {
  while (true) {
    auto job = queue_.pop_until(std::chrono::steady_clock::now() + std::chrono::seconds(1));
    if (!job) {
      if (queue_.closed()) break;
      continue;
    }
    if (stopping_) continue;
    LookupAnswer answer;
    if (job->read_record) answer.resume = read_record(job->interaction_id);
    if (job->identifiers) answer.caller = lookup(*job->identifiers);
    answer.interaction_id = std::move(job->interaction_id);
    if (job->done) job->done(std::move(answer));
  }
}

}  // namespace rightmoment
