#pragma once
// The rule expression language: a small, CEL-like language compiled once and evaluated many times.
//   literals   1  2.5  'text'  "text"  true  false  null  [1, 2]
//   access     customer.tier  f.rating  matches[0]  has(f.rating)
//   operators  ! - * / % + - < <= > >= == != in && || ?:
//   macros     list.filter(x, cond)  list.exists(x, cond)  list.all(x, cond)  list.count(x, cond)
//              list.map(x, expr)  list.size()
//   functions  see functions.hpp
// Compiling resolves every name (variables, fields, functions, macros, intents) to an enum or an index
// and checks arity and the kinds of values where they are known, so evaluation looks nothing up by
// name. An error at run time (a value only evaluation could see) is an error value that fails the rule
// closed.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/rules/activation.hpp"
#include "plugin/rules/value.hpp"

namespace rightmoment::rules {

struct Node;

// A compiled expression.
class Expression {
 public:
  // Compiles text; on error returns nullopt and sets error ("column 12: unknown function 'agee_days'").
  // `matches_kind` is the record kind of the rule's selection (for `matches`/`match`); `intents` the
  // analyzer's intent_names(), whose indexes intent functions compile to.
  static std::optional<Expression> compile(std::string_view text, RecordKind matches_kind,
                                           const std::vector<std::string>& intents, std::string& error);
  // `matches`: the rule's selection, null when it has none.
  Value evaluate(Activation& a, const Value& matches) const;
  // What the compiler knows of the result.
  StaticType type() const;

 private:
  std::shared_ptr<const Node> root_;
};

}  // namespace rightmoment::rules
