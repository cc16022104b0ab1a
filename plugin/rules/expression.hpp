#pragma once
// The rule expression language: a small, CEL-like language compiled once and evaluated many times.
//   literals   1  2.5  'text'  "text"  true  false  null  [1, 2]
//   access     customer.tier  f.rating  matches[0]  has(f.rating)
//   operators  ! - * / % + - < <= > >= == != in && || ?:
//   macros     list.filter(x, cond)  list.exists(x, cond)  list.all(x, cond)  list.count(x, cond)
//              list.map(x, expr)  list.size()
//   functions  size age_days age_hours days_until days_to_anniversary anniversary_years intent
//              intent_phrase negative_text date first_name plural default lower contains
// Names and fields are checked at compile time; an error at run time (a type mismatch) is an error
// value that fails the rule closed and is counted.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "plugin/core/history_types.hpp"
#include "plugin/rules/rule_set.hpp"

namespace rightmoment::rules {

enum class RecordKind : std::uint8_t { None, Customer, Contact, Feedback, Case, Event, Interaction };

struct Value;
using ValueList = std::vector<Value>;

struct RecordRef {
  RecordKind kind = RecordKind::None;
  const void* ptr = nullptr;
};

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

// What an expression is evaluated against.
struct Activation {
  const EvaluationContext* ctx = nullptr;
  const LanguageAnalyzer* analyzer = nullptr;
  Value matches;  // the rule's selection, when it has one
};

struct Node;

// A compiled expression.
class Expression {
 public:
  // Compiles text; on error returns nullopt and sets error ("column 12: unknown function 'agee_days'").
  // `matches_kind` is the record kind of the rule's selection (for `matches`/`match`).
  static std::optional<Expression> compile(std::string_view text, RecordKind matches_kind,
                                           const std::vector<std::string>& intents, std::string& error);
  Value evaluate(const Activation& a) const;
  // The element kind when this expression is a list of records (for a selection).
  RecordKind list_kind() const;

 private:
  std::shared_ptr<const Node> root_;
};

// Text for humans.
std::string value_to_text(const Value& v);
// Short description of a record for evidence ("Trustpilot review, 2 stars, 2 November: Billed twice...").
std::string describe_record(const RecordRef& r);
std::string record_ref_id(const RecordRef& r);
std::string record_kind_name(RecordKind k);

}  // namespace rightmoment::rules
