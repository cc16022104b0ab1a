#pragma once
// The values rule expressions compute with, and what the compiler knows of them before evaluation.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rightmoment::rules {

enum class RecordKind : std::uint8_t { None, Customer, Contact, Feedback, Case, Event, Interaction };
inline constexpr std::size_t kRecordKinds = 7;

struct RecordRef {
  RecordKind kind = RecordKind::None;
  const void* ptr = nullptr;
};

struct Value;
using ValueList = std::vector<Value>;

struct Value {
  enum class Type : std::uint8_t { Null, Bool, Number, String, List, Record, Error };
  Type type = Type::Null;
  bool b = false;
  double n = 0;
  std::string s;  // String, or the message of an Error
  std::shared_ptr<const ValueList> list;
  RecordRef record;

  static Value null() { return {}; }
  static Value boolean(bool v) {
    Value x;
    x.type = Type::Bool;
    x.b = v;
    return x;
  }
  static Value number(double v) {
    Value x;
    x.type = Type::Number;
    x.n = v;
    return x;
  }
  static Value string(std::string v) {
    Value x;
    x.type = Type::String;
    x.s = std::move(v);
    return x;
  }
  static Value of_list(ValueList v) {
    Value x;
    x.type = Type::List;
    x.list = std::make_shared<const ValueList>(std::move(v));
    return x;
  }
  static Value empty_list() {
    static const auto empty = std::make_shared<const ValueList>();
    Value x;
    x.type = Type::List;
    x.list = empty;
    return x;
  }
  static Value of_record(RecordKind kind, const void* p) {
    Value x;
    x.type = Type::Record;
    x.record = RecordRef{kind, p};
    return x;
  }
  static Value error(std::string message) {
    Value x;
    x.type = Type::Error;
    x.s = std::move(message);
    return x;
  }
  bool is_error() const { return type == Type::Error; }
  bool is_null() const { return type == Type::Null; }
  bool truthy() const { return type == Type::Bool && b; }
};

// What the compiler knows of a value: its type, or Dyn when only evaluation can tell. A field that may
// be missing has its type all the same (null is allowed wherever a value is).
struct StaticType {
  enum class Kind : std::uint8_t { Dyn, Null, Bool, Number, String, List, Record };
  Kind kind = Kind::Dyn;
  RecordKind record = RecordKind::None;  // Record: which; List: its elements' (None: unknown or not records)

  static StaticType of(Kind k, RecordKind r = RecordKind::None) { return StaticType{k, r}; }
  bool is(Kind k) const { return kind == k; }
  // Dyn and null pass every check made before evaluation; evaluation checks them.
  bool unknown() const { return kind == Kind::Dyn || kind == Kind::Null; }
};

// Equal as rules see it: the same type and value; records are the same record.
bool values_equal(const Value& a, const Value& b);

// "a number", "a list", "a feedback record", ... (for error messages).
std::string describe_type(StaticType t);

}  // namespace rightmoment::rules
