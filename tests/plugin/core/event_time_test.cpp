#include "plugin/core/event_time.hpp"

#include <gtest/gtest.h>

namespace rightmoment {
namespace {

TEST(EventTime, ParsesUtcAndOffsets) {
  auto z = parse_rfc3339("2026-11-22T10:00:00.000Z");
  ASSERT_TRUE(z);
  EXPECT_EQ(format_rfc3339(*z), "2026-11-22T10:00:00.000Z");
  auto plus = parse_rfc3339("2026-11-22T11:30:00+01:30");
  ASSERT_TRUE(plus);
  EXPECT_EQ(*plus, *z);
  auto frac = parse_rfc3339("2026-11-22T10:00:00.123456Z");
  ASSERT_TRUE(frac);
  EXPECT_EQ(*frac - *z, 123);
}

TEST(EventTime, RefusesTimesWithoutOffsetOrImpossibleDates) {
  EXPECT_FALSE(parse_rfc3339("2026-11-22T10:00:00"));
  EXPECT_FALSE(parse_rfc3339("2026-11-22T10:00:00.000"));
  EXPECT_FALSE(parse_rfc3339("2026-02-30T10:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-11-22T24:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-11-22T10:00:00Zjunk"));
  EXPECT_FALSE(parse_rfc3339(""));
  EXPECT_FALSE(parse_rfc3339("2026-11-22"));
}

TEST(EventTime, CivilDatesRoundTripAcrossLeapYears) {
  for (std::int64_t d = -1000; d < 30000; d += 7) {
    CivilDate c = civil_from_days(d);
    EXPECT_EQ(days_from_civil(c.year, c.month, c.day), d);
  }
  EXPECT_EQ(*parse_iso_date("1970-01-01"), 0);
  EXPECT_TRUE(parse_iso_date("2024-02-29"));
  EXPECT_FALSE(parse_iso_date("2025-02-29"));
  EXPECT_EQ(format_day_month(*parse_iso_date("2026-11-02"), false), "2 November");
}

}  // namespace
}  // namespace rightmoment
