#include "plugin/net/io_loop.hpp"

#include <pthread.h>

#include <exception>
#include <utility>

namespace rightmoment::net {

IoLoop::IoLoop(std::string name, std::shared_ptr<spdlog::logger> log) : name_(std::move(name)), log_(std::move(log)) {}

IoLoop::~IoLoop() { stop(std::chrono::milliseconds(0)); }

void IoLoop::start(unsigned threads) {
  if (!threads_.empty()) return;
  if (threads == 0) threads = 1;
  work_.emplace(ioc_.get_executor());
  {
    std::lock_guard lock(mutex_);
    running_ = threads;
  }
  for (unsigned i = 0; i < threads; ++i) {
    std::string thread_name = threads == 1 ? name_ : name_ + "-" + std::to_string(i);
    threads_.emplace_back([this] { run_thread(); });
    // Named by the starter, so that the name is there when start() returns (Linux keeps 15 characters).
    pthread_setname_np(threads_.back().native_handle(), thread_name.substr(0, 15).c_str());
  }
}

void IoLoop::run_thread() {
  for (;;) {
    try {
      ioc_.run();
      break;
    } catch (const std::exception& e) {
      // A handler threw: log it and keep serving rather than take the plugin down.
      log_->error("{}: unexpected error on an I/O thread: {}", name_, e.what());
    }
  }
  std::lock_guard lock(mutex_);
  if (--running_ == 0) ended_.notify_all();
}

bool IoLoop::stop(std::chrono::milliseconds timeout) {
  if (threads_.empty()) return true;
  work_.reset();
  bool by_itself;
  {
    std::unique_lock lock(mutex_);
    by_itself = ended_.wait_for(lock, timeout, [&] { return running_ == 0; });
  }
  if (!by_itself) {
    log_->warn("{}: connections still open after {} ms; stopping its loop", name_, timeout.count());
    ioc_.stop();
  }
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  if (!by_itself) {
    // Queued handlers hold their sessions, which hold their owners' state: run them out.
    ioc_.restart();
    ioc_.run_for(std::chrono::milliseconds(200));
  }
  return by_itself;
}

std::vector<std::thread::id> IoLoop::thread_ids() const {
  std::vector<std::thread::id> ids;
  for (const auto& t : threads_) ids.push_back(t.get_id());
  return ids;
}

}  // namespace rightmoment::net
