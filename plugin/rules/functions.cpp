#include "plugin/rules/functions.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <utility>

#include "plugin/core/event_time.hpp"
#include "plugin/core/text_limits.hpp"
#include "plugin/rules/activation.hpp"
#include "plugin/rules/record_fields.hpp"

namespace rightmoment::rules {

namespace {

using K = StaticType::Kind;
constexpr KindSet kAny = 0xFF;
constexpr ArgSpec kTime{kind_bit(K::Number), "a time"};
constexpr ArgSpec kDate{kind_bit(K::String), "a date"};
constexpr ArgSpec kText{kind_bit(K::String), "text"};
constexpr ArgSpec kNumber{kind_bit(K::Number), "a number"};
constexpr ArgSpec kAnything{kAny, "a value"};

constexpr FunctionSpec kFunctions[] = {
    {"size", Fn::Size, 1, {ArgSpec{kind_bit(K::List) | kind_bit(K::String), "a list or text"}}, K::Number},
    {"age_days", Fn::AgeDays, 1, {kTime}, K::Number},
    {"age_hours", Fn::AgeHours, 1, {kTime}, K::Number},
    {"days_until", Fn::DaysUntil, 1, {kTime}, K::Number},
    {"days_to_anniversary", Fn::DaysToAnniversary, 1, {kDate}, K::Number},
    {"anniversary_years", Fn::AnniversaryYears, 1, {kDate}, K::Number},
    {"intent", Fn::Intent, 1, {kText}, K::Bool, true},
    {"intent_phrase", Fn::IntentPhrase, 1, {kText}, K::String, true},
    {"intent_detail", Fn::IntentDetail, 1, {kText}, K::String, true},
    {"negative_text", Fn::NegativeText, 1, {kText}, K::Bool},
    {"date", Fn::Date, 1, {kTime}, K::String},
    {"date_with_year", Fn::DateWithYear, 1, {kTime}, K::String},
    {"time", Fn::Time, 1, {kTime}, K::String},
    {"first_name", Fn::FirstName, 1, {ArgSpec{kind_bit(K::Record), "the customer", RecordKind::Customer}}, K::String},
    {"plural", Fn::Plural, 2, {kNumber, ArgSpec{kind_bit(K::String), "a word"}}, K::String},
    {"default", Fn::Default, 2, {kAnything, kAnything}, K::Dyn},
    {"lower", Fn::Lower, 1, {kText}, K::String},
    {"contains", Fn::Contains, 2, {ArgSpec{kind_bit(K::String) | kind_bit(K::List), "text or a list"}, kAnything}, K::Bool},
    {"words", Fn::Words, 1, {kText}, K::String},
    {"abs", Fn::Abs, 1, {kNumber}, K::Number},
    {"round", Fn::Round, 1, {kNumber}, K::Number},
};

std::string_view name_of(Fn fn) {
  for (const auto& f : kFunctions)
    if (f.fn == fn) return f.name;
  return "?";
}

Value needs(Fn fn, const char* what) { return Value::error(std::string(name_of(fn)) + "() needs " + what); }

// Days from the date of `now` to the nearest anniversary of a "YYYY-MM-DD" or "MM-DD" date (negative:
// it was this many days ago), and the whole years at it. 29 February falls on 28 February in other years.
std::optional<std::pair<std::int64_t, int>> nearest_anniversary(const std::string& date, EventTimeMs now) {
  unsigned month = 0, day = 0;
  int since_year = 0;
  if (date.size() == 10) {
    auto d = parse_iso_date(date);
    if (!d) return std::nullopt;
    CivilDate c = civil_from_days(*d);
    month = c.month;
    day = c.day;
    since_year = c.year;
  } else if (date.size() == 5 && date[2] == '-') {
    month = static_cast<unsigned>(std::atoi(date.substr(0, 2).c_str()));
    day = static_cast<unsigned>(std::atoi(date.substr(3, 2).c_str()));
    if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  } else {
    return std::nullopt;
  }
  std::int64_t today = utc_day(now);
  int year = civil_from_days(today).year;
  std::optional<std::pair<std::int64_t, int>> best;
  for (int y = year - 1; y <= year + 1; ++y) {
    unsigned d = day;
    if (month == 2 && day == 29 && !is_leap_year(y)) d = 28;
    std::int64_t at = days_from_civil(y, month, d) - today;
    if (!best || std::llabs(at) < std::llabs(best->first)) best = std::make_pair(at, since_year ? y - since_year : 0);
  }
  return best;
}

}  // namespace

const FunctionSpec* find_function(std::string_view name) {
  for (const auto& f : kFunctions)
    if (f.name == name) return &f;
  return nullptr;
}

std::string function_names() {
  std::string out;
  for (const auto& f : kFunctions) out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out;
}

Value call_function(Fn fn, const Value* args, std::size_t intent, Activation& a) {
  const EventTimeMs now = a.context().interaction->now;
  const Value& x = args[0];
  switch (fn) {
    case Fn::Size:
      if (x.type == Value::Type::List) return Value::number(static_cast<double>(x.list->size()));
      if (x.type == Value::Type::String) return Value::number(static_cast<double>(utf8_length(x.s)));
      if (x.is_null()) return Value::number(0);
      return needs(fn, "a list or text");
    case Fn::AgeDays:
    case Fn::AgeHours:
    case Fn::DaysUntil: {
      if (x.is_null()) return Value::null();
      if (x.type != Value::Type::Number) return needs(fn, "a time");
      double ms = fn == Fn::DaysUntil ? x.n - static_cast<double>(now) : static_cast<double>(now) - x.n;
      return Value::number(ms / (fn == Fn::AgeHours ? 3'600'000.0 : 86'400'000.0));
    }
    case Fn::DaysToAnniversary:
    case Fn::AnniversaryYears: {
      if (x.is_null()) return Value::null();
      if (x.type != Value::Type::String) return needs(fn, "a date");
      auto at = nearest_anniversary(x.s, now);
      if (!at) return Value::error(std::string(name_of(fn)) + "(): '" + x.s + "' is not a date");
      return Value::number(fn == Fn::DaysToAnniversary ? static_cast<double>(at->first) : at->second);
    }
    case Fn::Intent:
    case Fn::IntentPhrase:
    case Fn::IntentDetail: {
      const IntentHit* hit = a.intent(intent);
      if (fn == Fn::Intent) return Value::boolean(hit != nullptr);
      if (!hit) return Value::null();
      return Value::string(fn == Fn::IntentPhrase ? hit->phrase : hit->detail);
    }
    case Fn::NegativeText:
      if (x.is_null() || !a.analyzer()) return Value::boolean(false);
      if (x.type != Value::Type::String) return needs(fn, "text");
      return Value::boolean(a.analyzer()->analyze(x.s, Speaker::Customer).sentiment <= -0.25);
    case Fn::Date:
    case Fn::DateWithYear:
      if (x.is_null()) return Value::null();
      if (x.type != Value::Type::Number) return needs(fn, "a time");
      return Value::string(format_day_month(utc_day(static_cast<EventTimeMs>(x.n)), fn == Fn::DateWithYear));
    case Fn::Time:
      if (x.type != Value::Type::Number) return needs(fn, "a time");
      return Value::string(format_rfc3339(static_cast<EventTimeMs>(x.n)).substr(11, 5));
    case Fn::FirstName: {
      if (x.type != Value::Type::Record || x.record.kind != RecordKind::Customer) return Value::null();
      const auto& c = *static_cast<const CustomerRecord*>(x.record.ptr);
      if (c.preferred_name && !c.preferred_name->empty()) return Value::string(*c.preferred_name);
      return Value::string(c.name.substr(0, c.name.find(' ')));
    }
    case Fn::Plural:
      if (x.type != Value::Type::Number || args[1].type != Value::Type::String) return needs(fn, "a number and a word");
      return Value::string(format_number(x.n) + " " + args[1].s + (x.n == 1 ? "" : "s"));
    case Fn::Default: return x.is_null() || (x.type == Value::Type::String && x.s.empty()) ? args[1] : x;
    case Fn::Lower: {
      if (x.type != Value::Type::String) return x;
      std::string s = x.s;
      std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
      return Value::string(std::move(s));
    }
    case Fn::Contains:
      if (x.type == Value::Type::String && args[1].type == Value::Type::String)
        return Value::boolean(x.s.find(args[1].s) != std::string::npos);
      if (x.type == Value::Type::List)
        return Value::boolean(std::any_of(x.list->begin(), x.list->end(), [&](const Value& v) { return values_equal(v, args[1]); }));
      return Value::boolean(false);
    case Fn::Words: {
      if (x.type != Value::Type::String) return x;
      std::string s = x.s;
      std::replace(s.begin(), s.end(), '_', ' ');
      return Value::string(std::move(s));
    }
    case Fn::Abs:
    case Fn::Round:
      if (x.type != Value::Type::Number) return needs(fn, "a number");
      return Value::number(fn == Fn::Abs ? std::abs(x.n) : std::round(x.n));
  }
  return Value::error("unknown function");
}

}  // namespace rightmoment::rules
