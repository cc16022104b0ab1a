#include "plugin/net/session_registry.hpp"

#include <utility>
#include <vector>

namespace rightmoment::net {

std::uint64_t SessionRegistry::add(std::function<void()> close) {
  std::lock_guard lock(mutex_);
  std::uint64_t id = next_id_++;
  closers_.emplace(id, std::move(close));
  return id;
}

void SessionRegistry::remove(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  closers_.erase(id);
}

void SessionRegistry::close_all() {
  std::vector<std::function<void()>> closers;
  {
    std::lock_guard lock(mutex_);
    closers.reserve(closers_.size());
    for (auto& [id, close] : closers_) closers.push_back(close);
  }
  for (auto& close : closers) close();
}

std::size_t SessionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return closers_.size();
}

}  // namespace rightmoment::net
