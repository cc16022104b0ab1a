#include "plugin/runtime/host_log_forwarder.hpp"

#include "plugin/core/thread_name.hpp"

namespace rightmoment {
namespace {
thread_local bool t_on_forwarder = false;
}

HostLogForwarder::HostLogForwarder(HostLogFn fn, std::size_t limit) : fn_(std::move(fn)), queue_(limit) {
  thread_ = std::thread([this] { run(); });
  name_thread(thread_, "rm-hostlog");
}

HostLogForwarder::~HostLogForwarder() { close(); }

void HostLogForwarder::post(spdlog::level::level_enum level, std::string line) {
  if (!queue_.try_push(Line{level, std::move(line)})) {
    dropped_.fetch_add(1);
    return;
  }
  posted_.fetch_add(1);
}

bool HostLogForwarder::flush(std::chrono::steady_clock::time_point deadline) {
  if (t_on_forwarder) return false;
  std::uint64_t target = posted_.load();
  std::unique_lock lock(done_mutex_);
  return done_cv_.wait_until(lock, deadline, [&] { return done_ >= target || finished_; }) && done_ >= target;
}

void HostLogForwarder::close() {
  queue_.close();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void HostLogForwarder::run() {
  t_on_forwarder = true;
  while (true) {
    auto line = queue_.pop_until(std::chrono::steady_clock::now() + std::chrono::seconds(1));
    if (!line) {
      if (queue_.closed()) break;
      continue;
    }
    try {
      fn_(line->level, line->text);
    } catch (...) {
      // The host's callback must not throw into us; if it does, the line is lost, nothing else.
    }
    {
      std::lock_guard lock(done_mutex_);
      ++done_;
    }
    done_cv_.notify_all();
  }
  {
    std::lock_guard lock(done_mutex_);
    finished_ = true;
  }
  done_cv_.notify_all();
}

}  // namespace rightmoment
