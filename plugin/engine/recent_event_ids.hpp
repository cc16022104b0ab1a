#pragma once
// The event ids an interaction has seen lately, to drop a resend after a reconnect: a window of the
// last `capacity` ids, the oldest forgotten first. An id is kept as a 64-bit hash (8 bytes, not a
// string): a false "seen" needs two ids of one window to collide, about 1 in 10^16 per event. The
// window is small, so a linear scan beats a hash set in time and memory; it grows with the call up
// to its capacity.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace rightmoment {

class RecentEventIds {
 public:
  explicit RecentEventIds(std::size_t capacity = 1024) : capacity_(capacity ? capacity : 1) {}

  enum class Outcome { New, Seen, NewAndForgotOne };
  // Remembers the id; Seen when it is in the window already.
  Outcome insert(std::string_view id) {
    std::uint64_t h = std::hash<std::string_view>{}(id);
    for (std::uint64_t x : ring_)
      if (x == h) return Outcome::Seen;
    if (ring_.size() < capacity_) {
      ring_.push_back(h);
      return Outcome::New;
    }
    ring_[next_] = h;  // overwrites the oldest
    next_ = (next_ + 1) % capacity_;
    return Outcome::NewAndForgotOne;
  }
  std::size_t size() const { return ring_.size(); }

 private:
  std::size_t capacity_;
  std::vector<std::uint64_t> ring_;
  std::size_t next_ = 0;  // once full: the oldest entry
};

}  // namespace rightmoment
