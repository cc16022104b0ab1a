#include "plugin/engine/event_clock.hpp"

#include <gtest/gtest.h>

namespace rightmoment {
namespace {

TEST(EventClock, FollowsTheLatestEventTimeAndNeverGoesBack) {
  EventClock clock(1000);
  EXPECT_EQ(clock.on_event(10'000, 0), 10'000);
  EXPECT_EQ(clock.on_event(5'000, 1), 10'000);
  EXPECT_EQ(clock.on_event(12'000, 2), 12'000);
}

TEST(EventClock, MovesOnWithTheWallClockOnlyAfterAQuietGrace) {
  EventClock clock(1000);
  clock.on_event(100'000, 50);
  EXPECT_EQ(clock.on_wall_tick(500), 100'000);     // 450 ms quiet: a replay at full speed is not overtaken
  EXPECT_EQ(clock.on_wall_tick(1'050), 101'000);   // quiet for 1 s: wall time counts from the last event
  EXPECT_EQ(clock.on_wall_tick(61'050), 161'000);  // a hold on a quiet system still reaches 60 s
  EXPECT_EQ(clock.on_event(150'000, 61'060), 161'000);
}

}  // namespace
}  // namespace rightmoment
