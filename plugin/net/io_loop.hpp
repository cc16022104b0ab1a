#pragma once
// One io_context and the threads that run it, for a server or a set of clients: started once,
// stopped in order. stop() releases the work guard and waits, on a condition and never in a sleep
// loop, until every thread has returned from run() (every connection closed and its handlers run);
// what is still running past the timeout is stopped hard, and its queued handlers are run out so
// that the objects they hold are freed. A handler that throws is logged and the loop goes on.
// Threads are named "<name>-N" (or "<name>" when there is one) before start() returns.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <spdlog/logger.h>

namespace rightmoment::net {

class IoLoop {
 public:
  IoLoop(std::string name, std::shared_ptr<spdlog::logger> log);
  ~IoLoop();
  IoLoop(const IoLoop&) = delete;
  IoLoop& operator=(const IoLoop&) = delete;

  boost::asio::io_context& context() { return ioc_; }
  // Starts `threads` threads (at least one). Once only.
  void start(unsigned threads);
  bool running() const { return !threads_.empty(); }
  // Lets the loop end once its work is done, waits up to `timeout` for that, then stops it hard.
  // True when it ended by itself. Safe to call twice and before start().
  bool stop(std::chrono::milliseconds timeout);
  // The threads' ids, for thread tables (valid between start and stop).
  std::vector<std::thread::id> thread_ids() const;

 private:
  void run_thread();

  std::string name_;
  std::shared_ptr<spdlog::logger> log_;
  boost::asio::io_context ioc_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable ended_;
  std::size_t running_ = 0;  // threads still inside run(), under mutex_
};

}  // namespace rightmoment::net
