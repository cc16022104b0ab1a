#pragma once
// The functions rule expressions may call. A call is resolved when its rule is compiled: its name
// becomes an Fn, and the number and kinds of its arguments are checked; evaluation only switches on
// the Fn.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "plugin/rules/value.hpp"

namespace rightmoment::rules {

class Activation;

enum class Fn : std::uint8_t {
  Size, AgeDays, AgeHours, DaysUntil, DaysToAnniversary, AnniversaryYears, Intent, IntentPhrase, IntentDetail,
  NegativeText, Date, DateWithYear, Time, FirstName, Plural, Default, Lower, Contains, Words, Abs, Round,
};

// The kinds of value an argument may be, as bits of StaticType::Kind. Null and Dyn always pass:
// evaluation checks those.
using KindSet = std::uint8_t;
constexpr KindSet kind_bit(StaticType::Kind k) { return static_cast<KindSet>(1u << static_cast<unsigned>(k)); }

struct ArgSpec {
  KindSet accepts = 0;
  const char* what = "";                 // for errors: "a time", "text"
  RecordKind record = RecordKind::None;  // a record argument must be of this kind
};

struct FunctionSpec {
  std::string_view name;
  Fn fn;
  std::size_t arity;
  std::array<ArgSpec, 2> args;
  StaticType::Kind result;    // Dyn: the type its arguments share (default)
  bool names_intent = false;  // its argument is an intent's name in quotes, compiled to the intent's index
};

// Compile time: the function of that name, or null; and every name, for the error that says so.
const FunctionSpec* find_function(std::string_view name);
std::string function_names();

// Run time. args: the evaluated arguments (none for the intent functions, which get `intent`).
Value call_function(Fn fn, const Value* args, std::size_t intent, Activation& a);

}  // namespace rightmoment::rules
