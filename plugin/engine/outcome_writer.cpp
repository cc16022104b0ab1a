#include "plugin/engine/outcome_writer.hpp"

#include "plugin/core/thread_name.hpp"

namespace rightmoment {

OutcomeWriter::OutcomeWriter(std::shared_ptr<HistoryStore> store, std::size_t limit, EngineMetrics& metrics,
                             std::shared_ptr<spdlog::logger> log, std::chrono::milliseconds group_window)
    : store_(std::move(store)), limit_(limit), metrics_(metrics), log_(std::move(log)), group_window_(group_window) {}

OutcomeWriter::~OutcomeWriter() { stop(std::chrono::milliseconds(2000)); }

void OutcomeWriter::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
    out_of_time_ = false;
  }
  thread_ = std::thread([this] { run(); });
  name_thread(thread_, "rm-outcomes");
}

bool OutcomeWriter::stop(std::chrono::milliseconds flush_timeout) {
  if (!thread_.joinable()) {
    std::lock_guard lock(mutex_);
    return dropped_at_stop_ == 0;
  }
  bool flushed = flush(flush_timeout);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    out_of_time_ = !flushed;  // the batch in progress is finished; the rest is dropped and counted
  }
  work_cv_.notify_all();
  thread_.join();
  // Nobody may wait forever on a writer that has stopped.
  std::vector<std::pair<std::uint64_t, std::function<void()>>> left;
  {
    std::lock_guard lock(mutex_);
    left.swap(barriers_);
  }
  for (auto& [target, done] : left)
    if (done) done();
  std::lock_guard lock(mutex_);
  return dropped_at_stop_ == 0;
}

bool OutcomeWriter::append(OutcomeRecord record) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= limit_) {
      metrics_.outcome_dropped.fetch_add(1);
      return false;
    }
    queue_.push_back(std::move(record));
    ++appended_;
    metrics_.outcome_depth.store(static_cast<std::int64_t>(queue_.size()));
    // Only the record that finds the writer asleep wakes it (and a group that just became full); the
    // others are taken with it.
    wake = writer_waiting_ || queue_.size() == kBatchLimit;
    writer_waiting_ = false;
  }
  if (wake) {
    handoffs_.count_wake();
    work_cv_.notify_one();
  }
  return true;
}

void OutcomeWriter::barrier(std::function<void()> done) {
  {
    std::lock_guard lock(mutex_);
    if (thread_.joinable() && committed_ < appended_) {
      barriers_.emplace_back(appended_, std::move(done));
      work_cv_.notify_one();  // someone waits: the group is committed without its window
      return;
    }
  }
  if (done) done();
}

bool OutcomeWriter::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  std::uint64_t target = appended_;
  ++flushers_;
  work_cv_.notify_one();
  bool done = committed_cv_.wait_for(lock, timeout, [&] { return committed_ >= target || !thread_.joinable(); });
  --flushers_;
  return done;
}

bool OutcomeWriter::group_wanted_now() const { return stopping_ || flushers_ > 0 || !barriers_.empty(); }

void OutcomeWriter::release_barriers(std::unique_lock<std::mutex>& lock) {
  std::vector<std::function<void()>> ready;
  for (auto it = barriers_.begin(); it != barriers_.end();) {
    if (it->first <= committed_) {
      ready.push_back(std::move(it->second));
      it = barriers_.erase(it);
    } else {
      ++it;
    }
  }
  if (ready.empty()) return;
  lock.unlock();
  for (auto& done : ready)
    if (done) done();
  lock.lock();
}

void OutcomeWriter::drop_queue_at_stop() {
  committed_ += queue_.size();
  dropped_at_stop_ += queue_.size();
  metrics_.outcome_dropped.fetch_add(queue_.size());
  queue_.clear();
  committed_cv_.notify_all();
}

void OutcomeWriter::run() {
  std::unique_lock lock(mutex_);
  auto retry_delay = std::chrono::milliseconds(100);
  bool group_filled = false;  // the queued group has had its window
  while (true) {
    if (queue_.empty() && !stopping_) {
      writer_waiting_ = true;
      work_cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stopping_ || !queue_.empty(); });
      writer_waiting_ = false;
    }
    if (queue_.empty()) {
      release_barriers(lock);
      if (stopping_) break;
      continue;
    }
    if (stopping_ && out_of_time_) {
      log_->error("outcome record: {} records not written: stop ran out of time", queue_.size());
      drop_queue_at_stop();
      release_barriers(lock);
      break;
    }
    if (!group_filled && !failing_ && group_window_.count() > 0 && queue_.size() < kBatchLimit && !group_wanted_now()) {
      // Let the group fill; a full batch, a flush, a barrier or stop ends the wait early.
      work_cv_.wait_for(lock, group_window_, [&] { return group_wanted_now() || queue_.size() >= kBatchLimit; });
      group_filled = true;
      continue;  // look again from the top: stop may have run out of time meanwhile
    }
    group_filled = false;
    std::vector<OutcomeRecord> batch;
    std::size_t n = std::min<std::size_t>(queue_.size(), kBatchLimit);
    batch.reserve(n);
    for (std::size_t i = 0; i < n; ++i) batch.push_back(queue_[i]);
    lock.unlock();
    bool ok = true;
    try {
      // Contacts first: an upsert is idempotent, so a retry after a failed append writes no second one.
      std::vector<HistoryRecord> contacts;
      for (const OutcomeRecord& r : batch)
        if (auto* i = std::get_if<InteractionOutcome>(&r); i && i->contact) contacts.emplace_back(*i->contact);
      if (!contacts.empty()) store_->upsert(contacts);
      store_->append_outcomes(batch);
    } catch (const std::exception& e) {
      ok = false;
      metrics_.outcome_write_failures.fetch_add(1);
      if (!failing_) log_->error("outcome record: the store refused a write ({}); retrying", e.what());
    }
    lock.lock();
    if (ok) {
      if (failing_) log_->info("outcome record: the store is writable again");
      failing_ = false;
      retry_delay = std::chrono::milliseconds(100);
      for (std::size_t i = 0; i < n; ++i) queue_.pop_front();
      committed_ += n;
      handoffs_.count_batch(n);
      metrics_.outcome_written.fetch_add(n);
      metrics_.outcome_depth.store(static_cast<std::int64_t>(queue_.size()));
      committed_cv_.notify_all();
      release_barriers(lock);
    } else {
      failing_ = true;
      if (stopping_) {
        // Shutting down with the store down: what is left cannot be written; say so.
        log_->error("outcome record: {} records not written at shutdown", queue_.size());
        drop_queue_at_stop();
        release_barriers(lock);
        break;
      }
      work_cv_.wait_for(lock, retry_delay, [&] { return stopping_; });
      retry_delay = std::min(retry_delay * 2, std::chrono::milliseconds(5000));
    }
  }
}

}  // namespace rightmoment
