#pragma once
// Everything a server or client set must close when it stops: open sessions, handshakes in progress.
// Each entry is a closer that posts the close to its session's own strand. Thread-safe; closers are
// called outside the lock.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace rightmoment::net {

class SessionRegistry {
 public:
  // Returns the id to remove it by; never 0.
  std::uint64_t add(std::function<void()> close);
  void remove(std::uint64_t id);
  // Calls every closer registered now (each once; they remove themselves as their sessions end).
  void close_all();
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, std::function<void()>> closers_;
};

}  // namespace rightmoment::net
