#pragma once
// The plugin's clock (rules.md "Timers"): the latest event time seen from any interaction; while no
// event at all arrives it moves on with the wall clock from there, so a hold still fires on a quiet
// system. The wall clock only counts after `idle_grace_ms` without events, so that a replay sent at
// full speed is never overtaken by wall time and gives the same prompts on any machine.
#include <algorithm>
#include <cstdint>

#include "plugin/core/event_time.hpp"

namespace rightmoment {

class EventClock {
 public:
  explicit EventClock(std::int64_t idle_grace_ms = 1000) : idle_grace_ms_(idle_grace_ms) {}

  // An event with time ts arrived at wall time wall_ms. Returns the clock after it.
  EventTimeMs on_event(EventTimeMs ts, std::int64_t wall_ms) {
    if (!started_ || ts >= latest_event_ts_) latest_event_ts_ = ts;
    wall_at_latest_ = wall_ms;
    started_ = true;
    now_ = std::max(now_, ts);
    return now_;
  }

  // The wall clock moved on (a periodic tick). Returns the clock after it.
  EventTimeMs on_wall_tick(std::int64_t wall_ms) {
    if (!started_) return now_;
    std::int64_t quiet = wall_ms - wall_at_latest_;
    if (quiet >= idle_grace_ms_) now_ = std::max(now_, latest_event_ts_ + quiet);
    return now_;
  }

  EventTimeMs now() const { return now_; }
  bool started() const { return started_; }

 private:
  std::int64_t idle_grace_ms_;
  bool started_ = false;
  EventTimeMs latest_event_ts_ = 0;
  std::int64_t wall_at_latest_ = 0;
  EventTimeMs now_ = 0;
};

}  // namespace rightmoment
