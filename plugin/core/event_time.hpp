#pragma once
// Event time: milliseconds since the Unix epoch, UTC. Every time-based rule runs on it,
// never on the wall clock, so that a replay gives the same prompts as the live call.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rightmoment {

using EventTimeMs = std::int64_t;

inline constexpr EventTimeMs kMsPerSecond = 1000;
inline constexpr EventTimeMs kMsPerDay = 86'400'000;

// RFC 3339 with a mandatory offset ("Z" or "+hh:mm"); fractions beyond milliseconds are truncated.
// Returns nullopt for anything else (no offset, impossible dates, trailing text).
std::optional<EventTimeMs> parse_rfc3339(std::string_view text);

// "2026-11-22T10:00:00.000Z"
std::string format_rfc3339(EventTimeMs t);

// A calendar date "YYYY-MM-DD" as days since 1970-01-01 (UTC).
std::optional<std::int64_t> parse_iso_date(std::string_view text);
// A date, or a full RFC 3339 time (truncated to its UTC date).
std::optional<std::int64_t> parse_date_or_time_days(std::string_view text);

// Days since the epoch of the UTC calendar date containing t.
std::int64_t utc_day(EventTimeMs t);

struct CivilDate {
  int year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};
CivilDate civil_from_days(std::int64_t days);
std::int64_t days_from_civil(int year, unsigned month, unsigned day);
bool is_leap_year(int year);

// "2 November" / "2 November 2025" for prompt text.
std::string format_day_month(std::int64_t days, bool with_year);

}  // namespace rightmoment
