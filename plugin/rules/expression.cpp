#include "plugin/rules/expression.hpp"

#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <stdexcept>

#include "plugin/rules/functions.hpp"
#include "plugin/rules/record_fields.hpp"

namespace rightmoment::rules {

// ------------------------------------------------------------------ syntax tree

enum class Op : std::uint8_t {
  Literal, Variable, Local, Field, Index, Call, Not, Negate, And, Or, Ternary,
  Eq, Ne, Lt, Le, Gt, Ge, In, Add, Sub, Mul, Div, Mod, List,
  Filter, Exists, All, Count, Map, Has,
};

enum class Var : std::uint8_t { Customer, Contacts, Feedback, Cases, Event, Interaction, Now, Matches, Match };

// Everything a name meant is resolved here when compiled; nothing below is looked up by name again.
struct Node {
  Op op = Op::Literal;
  StaticType type;                                   // what the compiler knows of this node's value
  Value literal;                                     // Literal
  Var var = Var::Now;                                // Variable
  Fn fn = Fn::Size;                                  // Call
  std::size_t slot = 0;                              // Local, macros: the macro variable's depth; Call: an intent's index
  std::array<std::int8_t, kRecordKinds> field_at{};  // Field: its index in each record kind, -1 where it has none
  std::string name;                                  // Field: its name, for the run-time error message
  std::vector<std::unique_ptr<const Node>> kids;
};

namespace {

using NodePtr = std::unique_ptr<Node>;
using K = StaticType::Kind;

// ------------------------------------------------------------------ lexer

struct Tok {
  enum class T { End, Number, String, Ident, Punct } t = T::End;
  std::string text;
  double number = 0;
  std::size_t col = 0;
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}
  Tok next() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
    Tok t;
    t.col = i_ + 1;
    if (i_ >= s_.size()) return t;
    char c = s_[i_];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      std::size_t b = i_;
      while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' || s_[i_] == '_')) ++i_;
      std::string digits;
      for (std::size_t k = b; k < i_; ++k)
        if (s_[k] != '_') digits += s_[k];
      t.t = Tok::T::Number;
      t.number = std::strtod(digits.c_str(), nullptr);
      t.text = digits;
      return t;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t b = i_;
      while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_')) ++i_;
      t.t = Tok::T::Ident;
      t.text = std::string(s_.substr(b, i_ - b));
      return t;
    }
    if (c == '\'' || c == '"') {
      char quote = c;
      ++i_;
      std::string text;
      while (i_ < s_.size() && s_[i_] != quote) {
        if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
        text += s_[i_++];
      }
      if (i_ >= s_.size()) throw std::runtime_error("column " + std::to_string(t.col) + ": unterminated string");
      ++i_;
      t.t = Tok::T::String;
      t.text = std::move(text);
      return t;
    }
    static const char* two[] = {"&&", "||", "==", "!=", "<=", ">="};
    for (const char* op : two) {
      if (s_.substr(i_, 2) == op) {
        i_ += 2;
        t.t = Tok::T::Punct;
        t.text = op;
        return t;
      }
    }
    if (std::string_view("()[],.!<>+-*/%?:").find(c) != std::string_view::npos) {
      ++i_;
      t.t = Tok::T::Punct;
      t.text = std::string(1, c);
      return t;
    }
    throw std::runtime_error("column " + std::to_string(t.col) + ": unexpected character '" + std::string(1, c) + "'");
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

// ------------------------------------------------------------------ parser and checker

StaticType type_of(K k, RecordKind r = RecordKind::None) { return StaticType::of(k, r); }

// The type both branches of a ?: (or both arguments of default()) share; null joins anything.
StaticType join(StaticType a, StaticType b) {
  if (a.kind == b.kind) return a.record == b.record ? a : type_of(a.kind);
  if (a.is(K::Null)) return b;
  if (b.is(K::Null)) return a;
  return type_of(K::Dyn);
}

bool may_be(StaticType t, K k) { return t.unknown() || t.is(k); }

// The element of a list of this type, as a macro variable or an index sees it.
StaticType element_of(StaticType list) {
  return list.is(K::List) && list.record != RecordKind::None ? type_of(K::Record, list.record) : type_of(K::Dyn);
}

class Parser {
 public:
  Parser(std::string_view text, RecordKind matches_kind, const std::vector<std::string>& intents)
      : lex_(text), matches_kind_(matches_kind), intents_(intents) {
    advance();
  }

  NodePtr parse() {
    NodePtr n = expr(0);
    if (cur_.t != Tok::T::End) fail("unexpected '" + cur_.text + "'");
    return n;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { fail_at(cur_.col, what); }
  [[noreturn]] static void fail_at(std::size_t col, const std::string& what) {
    throw std::runtime_error("column " + std::to_string(col) + ": " + what);
  }
  static void check(bool ok, std::size_t col, const std::string& what) {
    if (!ok) fail_at(col, what);
  }
  void advance() { cur_ = lex_.next(); }
  bool is(const char* p) const { return cur_.t == Tok::T::Punct && cur_.text == p; }
  void expect(const char* p) {
    if (!is(p)) fail(std::string("expected '") + p + "'");
    advance();
  }

  static int precedence(const Tok& t) {
    if (t.t == Tok::T::Ident && t.text == "in") return 5;
    if (t.t != Tok::T::Punct) return -1;
    const std::string& s = t.text;
    if (s == "?") return 1;
    if (s == "||") return 2;
    if (s == "&&") return 3;
    if (s == "==" || s == "!=") return 4;
    if (s == "<" || s == "<=" || s == ">" || s == ">=") return 5;
    if (s == "+" || s == "-") return 6;
    if (s == "*" || s == "/" || s == "%") return 7;
    return -1;
  }

  template <typename... Kids>
  static NodePtr make(Op op, StaticType type, Kids... kids) {
    auto n = std::make_unique<Node>();
    n->op = op;
    n->type = type;
    (n->kids.push_back(std::move(kids)), ...);
    return n;
  }

  NodePtr expr(int min_prec) {
    NodePtr left = unary();
    while (true) {
      int p = precedence(cur_);
      if (p < 0 || p < min_prec) break;
      Tok op = cur_;
      advance();
      if (op.text == "?") {
        NodePtr then = expr(0);
        expect(":");
        NodePtr otherwise = expr(1);
        check(may_be(left->type, K::Bool), op.col, "the condition before '?' must be true or false, not " + describe_type(left->type));
        StaticType t = join(then->type, otherwise->type);
        left = make(Op::Ternary, t, std::move(left), std::move(then), std::move(otherwise));
        continue;
      }
      left = binary(op, std::move(left), expr(p + 1));
    }
    return left;
  }

  static NodePtr binary(const Tok& op, NodePtr a, NodePtr b) {
    static const std::map<std::string, Op> ops{{"||", Op::Or}, {"&&", Op::And}, {"==", Op::Eq}, {"!=", Op::Ne},
                                               {"<", Op::Lt},  {"<=", Op::Le},  {">", Op::Gt},  {">=", Op::Ge},
                                               {"in", Op::In}, {"+", Op::Add},  {"-", Op::Sub}, {"*", Op::Mul},
                                               {"/", Op::Div}, {"%", Op::Mod}};
    const Op o = ops.at(op.text);
    const StaticType ta = a->type, tb = b->type;
    const std::string sign = "'" + op.text + "'";
    StaticType t = type_of(K::Bool);
    switch (o) {
      case Op::And:
      case Op::Or:
        for (StaticType x : {ta, tb}) check(may_be(x, K::Bool), op.col, sign + " needs true or false on both sides, not " + describe_type(x));
        break;
      case Op::Eq:
      case Op::Ne: break;
      case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge: {
        for (StaticType x : {ta, tb})
          check(may_be(x, K::Number) || x.is(K::String), op.col, sign + " orders numbers or text, not " + describe_type(x));
        check(ta.unknown() || tb.unknown() || ta.kind == tb.kind, op.col,
              sign + " cannot order " + describe_type(ta) + " and " + describe_type(tb));
        break;
      }
      case Op::In:
        check(may_be(tb, K::List) || (tb.is(K::String) && may_be(ta, K::String)), op.col,
              "'in' needs a list on its right (or text on both sides), not " + describe_type(tb));
        break;
      case Op::Add:
        if (ta.is(K::List) && tb.is(K::List)) t = type_of(K::List, ta.record == tb.record ? ta.record : RecordKind::None);
        else if (ta.is(K::String) || tb.is(K::String)) t = type_of(K::String);
        else if (ta.is(K::Number) && tb.is(K::Number)) t = type_of(K::Number);
        else if (ta.unknown() || tb.unknown()) t = type_of(K::Dyn);
        else fail_at(op.col, "'+' adds numbers and joins text or lists, not " + describe_type(ta) + " and " + describe_type(tb));
        break;
      default:  // - * / %
        for (StaticType x : {ta, tb}) check(may_be(x, K::Number), op.col, sign + " needs numbers, not " + describe_type(x));
        t = type_of(K::Number);
        break;
    }
    return make(o, t, std::move(a), std::move(b));
  }

  NodePtr unary() {
    if (is("!") || is("-")) {
      bool negate = is("-");
      std::size_t col = cur_.col;
      advance();
      NodePtr x = unary();
      K want = negate ? K::Number : K::Bool;
      check(may_be(x->type, want), col,
            std::string(negate ? "'-' needs a number" : "'!' needs true or false") + ", not " + describe_type(x->type));
      return make(negate ? Op::Negate : Op::Not, type_of(want), std::move(x));
    }
    return postfix(primary());
  }

  NodePtr literal(Value v, K k) {
    auto n = make(Op::Literal, type_of(k));
    n->literal = std::move(v);
    return n;
  }

  NodePtr primary() {
    Tok t = cur_;
    if (t.t == Tok::T::Number) {
      advance();
      return literal(Value::number(t.number), K::Number);
    }
    if (t.t == Tok::T::String) {
      advance();
      return literal(Value::string(t.text), K::String);
    }
    if (is("(")) {
      advance();
      NodePtr inner = expr(0);
      expect(")");
      return inner;
    }
    if (is("[")) {
      advance();
      auto n = make(Op::List, type_of(K::List));
      bool records = true;
      std::optional<RecordKind> kind;
      while (!is("]")) {
        NodePtr item = expr(0);
        records = records && item->type.is(K::Record) && (!kind || *kind == item->type.record);
        kind = item->type.record;
        n->kids.push_back(std::move(item));
        if (!is("]")) expect(",");
      }
      advance();
      if (records && kind) n->type.record = *kind;
      return n;
    }
    if (t.t != Tok::T::Ident) fail("expected a value");
    advance();
    if (t.text == "true" || t.text == "false") return literal(Value::boolean(t.text == "true"), K::Bool);
    if (t.text == "null") return literal(Value::null(), K::Null);
    if (is("(")) return call(t.text, t.col, {});
    // A macro variable shadows the globals.
    for (std::size_t k = locals_.size(); k-- > 0;) {
      if (locals_[k].first == t.text) {
        auto n = make(Op::Local, locals_[k].second);
        n->slot = k;
        return n;
      }
    }
    static const std::map<std::string, std::pair<Var, StaticType>> vars{
        {"customer", {Var::Customer, type_of(K::Record, RecordKind::Customer)}},
        {"contacts", {Var::Contacts, type_of(K::List, RecordKind::Contact)}},
        {"feedback", {Var::Feedback, type_of(K::List, RecordKind::Feedback)}},
        {"cases", {Var::Cases, type_of(K::List, RecordKind::Case)}},
        {"event", {Var::Event, type_of(K::Record, RecordKind::Event)}},
        {"interaction", {Var::Interaction, type_of(K::Record, RecordKind::Interaction)}},
        {"now", {Var::Now, type_of(K::Number)}},
        {"matches", {Var::Matches, type_of(K::Dyn)}},
        {"match", {Var::Match, type_of(K::Dyn)}},
    };
    auto it = vars.find(t.text);
    if (it == vars.end())
      fail_at(t.col, "unknown name '" + t.text + "' (known: customer, contacts, feedback, cases, event, interaction, now, matches, match)");
    StaticType type = it->second.second;
    if (it->second.first == Var::Matches) type = type_of(K::List, matches_kind_);
    if (it->second.first == Var::Match) type = element_of(type_of(K::List, matches_kind_));
    auto n = make(Op::Variable, type);
    n->var = it->second.first;
    return n;
  }

  NodePtr call(const std::string& name, std::size_t col, std::vector<NodePtr> args) {
    expect("(");
    while (!is(")")) {
      args.push_back(expr(0));
      if (!is(")")) expect(",");
    }
    advance();
    if (name == "has") {
      check(args.size() == 1 && args[0]->op == Op::Field, col, "has() takes one field, e.g. has(f.rating)");
      return make(Op::Has, type_of(K::Bool), std::move(args[0]));
    }
    const FunctionSpec* f = find_function(name);
    if (!f) fail_at(col, "unknown function '" + name + "' (functions: " + function_names() + ", has)");
    check(args.size() == f->arity, col,
          name + "() takes " + std::to_string(f->arity) + (f->arity == 1 ? " argument" : " arguments") + ", got " +
              std::to_string(args.size()));
    if (f->names_intent) {
      const Node& a = *args[0];
      check(a.op == Op::Literal && a.literal.type == Value::Type::String, col,
            name + "() takes the name of an intent in quotes, e.g. " + name + "('frustration')");
      std::size_t index = 0;
      while (index < intents_.size() && intents_[index] != a.literal.s) ++index;
      if (index == intents_.size()) {
        std::string known;
        for (const auto& i : intents_) known += (known.empty() ? "" : ", ") + i;
        fail_at(col, "unknown intent '" + a.literal.s + "' (the lexicons define: " + known + ")");
      }
      auto n = make(Op::Call, type_of(f->result));
      n->fn = f->fn;
      n->slot = index;
      return n;
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
      const ArgSpec& spec = f->args[i];
      StaticType t = args[i]->type;
      bool ok = t.unknown() || ((spec.accepts & kind_bit(t.kind)) &&
                                !(t.is(K::Record) && spec.record != RecordKind::None && t.record != RecordKind::None &&
                                  t.record != spec.record));
      if (!ok)
        fail_at(col, (f->arity == 1 ? name + "() takes " : "argument " + std::to_string(i + 1) + " of " + name + "() must be ") +
                         spec.what + ", not " + describe_type(t));
    }
    StaticType result = f->result == K::Dyn ? join(args[0]->type, args[1]->type) : type_of(f->result);
    auto n = make(Op::Call, result);
    n->fn = f->fn;
    for (auto& a : args) n->kids.push_back(std::move(a));
    return n;
  }

  NodePtr macro(Op op, const std::string& name, std::size_t col, NodePtr list) {
    advance();  // (
    if (cur_.t != Tok::T::Ident) fail(name + "() needs a variable name first, e.g. " + name + "(x, ...)");
    std::string var = cur_.text;
    advance();
    expect(",");
    check(may_be(list->type, K::List), col, name + "() needs a list, not " + describe_type(list->type));
    locals_.emplace_back(var, element_of(list->type));
    NodePtr body = expr(0);
    locals_.pop_back();
    expect(")");
    StaticType t = type_of(K::Bool);
    if (op == Op::Filter) t = type_of(K::List, list->type.is(K::List) ? list->type.record : RecordKind::None);
    else if (op == Op::Count) t = type_of(K::Number);
    else if (op == Op::Map) t = type_of(K::List, body->type.is(K::Record) ? body->type.record : RecordKind::None);
    if (op != Op::Map)
      check(may_be(body->type, K::Bool), col,
            "the condition of " + name + "() must be true or false, not " + describe_type(body->type));
    auto n = make(op, t, std::move(list), std::move(body));
    n->slot = locals_.size();
    return n;
  }

  NodePtr field(const std::string& name, std::size_t col, NodePtr record) {
    StaticType t = record->type;
    auto n = make(Op::Field, type_of(K::Null));
    n->name = name;
    bool somewhere = false;
    std::optional<StaticType> joined;
    for (std::size_t k = 0; k < kRecordKinds; ++k) {
      int i = field_index(static_cast<RecordKind>(k), name);
      n->field_at[k] = static_cast<std::int8_t>(i);
      if (i < 0) continue;
      somewhere = true;
      StaticType ft = type_of(fields_of(static_cast<RecordKind>(k))[static_cast<std::size_t>(i)].type);
      if (t.is(K::Record) && t.record == static_cast<RecordKind>(k)) n->type = ft;
      joined = joined ? join(*joined, ft) : ft;
    }
    if (t.is(K::Record) && t.record != RecordKind::None) {
      if (n->field_at[static_cast<std::size_t>(t.record)] < 0) {
        std::string known;
        for (const auto& f : fields_of(t.record)) known += (known.empty() ? "" : ", ") + std::string(f.name);
        fail_at(col, record_kind_name(t.record) + " has no field '" + name + "' (fields: " + known + ")");
      }
    } else if (t.is(K::Record) || t.is(K::Dyn)) {
      check(somewhere, col, "no record has a field '" + name + "'");
      n->type = *joined;
    } else {
      check(t.is(K::Null), col, "'." + name + "' reads a field of a record, not of " + describe_type(t));
    }
    n->kids.push_back(std::move(record));
    return n;
  }

  NodePtr postfix(NodePtr left) {
    while (true) {
      if (is(".")) {
        advance();
        if (cur_.t != Tok::T::Ident) fail("expected a field or method name after '.'");
        std::string name = cur_.text;
        std::size_t col = cur_.col;
        advance();
        if (is("(")) {
          static const std::map<std::string, Op> macros{
              {"filter", Op::Filter}, {"exists", Op::Exists}, {"all", Op::All}, {"count", Op::Count}, {"map", Op::Map}};
          auto m = macros.find(name);
          left = m != macros.end() ? macro(m->second, name, col, std::move(left)) : call(name, col, vec(std::move(left)));
          continue;
        }
        left = field(name, col, std::move(left));
        continue;
      }
      if (is("[")) {
        std::size_t col = cur_.col;
        advance();
        NodePtr index = expr(0);
        expect("]");
        check(may_be(left->type, K::List), col, "'[...]' reads an element of a list, not of " + describe_type(left->type));
        check(may_be(index->type, K::Number), col, "a list's index is a number, not " + describe_type(index->type));
        StaticType t = element_of(left->type);
        left = make(Op::Index, t, std::move(left), std::move(index));
        continue;
      }
      return left;
    }
  }

  static std::vector<NodePtr> vec(NodePtr n) {
    std::vector<NodePtr> v;
    v.push_back(std::move(n));
    return v;
  }

  Lexer lex_;
  Tok cur_;
  RecordKind matches_kind_;
  const std::vector<std::string>& intents_;
  std::vector<std::pair<std::string, StaticType>> locals_;
};

// ------------------------------------------------------------------ evaluation

struct Frame {
  Activation& a;
  const Value& matches;
  std::vector<Value> locals;
};

Value eval(const Node& n, Frame& f);

Value compare(Op op, const Value& a, const Value& b) {
  if (a.is_error()) return a;
  if (b.is_error()) return b;
  if (op == Op::Eq) return Value::boolean(values_equal(a, b));
  if (op == Op::Ne) return Value::boolean(!values_equal(a, b));
  // Ordering with a missing value is false: "rating <= 2" does not hold for a review without rating.
  if (a.is_null() || b.is_null()) return Value::boolean(false);
  int c;
  if (a.type == Value::Type::Number && b.type == Value::Type::Number) c = a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
  else if (a.type == Value::Type::String && b.type == Value::Type::String) c = a.s.compare(b.s);
  else return Value::error("cannot order these values");
  switch (op) {
    case Op::Lt: return Value::boolean(c < 0);
    case Op::Le: return Value::boolean(c <= 0);
    case Op::Gt: return Value::boolean(c > 0);
    default: return Value::boolean(c >= 0);
  }
}

Value variable(Var v, Frame& f) {
  const EvaluationContext& ctx = f.a.context();
  switch (v) {
    case Var::Customer:
      return ctx.interaction->history ? Value::of_record(RecordKind::Customer, &ctx.interaction->history->customer)
                                      : Value::null();
    case Var::Contacts: return f.a.history_list(RecordKind::Contact);
    case Var::Feedback: return f.a.history_list(RecordKind::Feedback);
    case Var::Cases: return f.a.history_list(RecordKind::Case);
    case Var::Event: return ctx.event ? Value::of_record(RecordKind::Event, ctx.event) : Value::null();
    case Var::Interaction: return Value::of_record(RecordKind::Interaction, ctx.interaction);
    case Var::Now: return Value::number(static_cast<double>(ctx.interaction->now));
    case Var::Matches: return f.matches.is_null() ? Value::empty_list() : f.matches;
    case Var::Match:
      if (f.matches.type == Value::Type::List && !f.matches.list->empty()) return f.matches.list->front();
      return Value::null();
  }
  return Value::null();
}

Value eval(const Node& n, Frame& f) {
  switch (n.op) {
    case Op::Literal: return n.literal;
    case Op::Variable: return variable(n.var, f);
    case Op::Local: return f.locals[n.slot];
    case Op::Field: {
      Value obj = eval(*n.kids[0], f);
      if (obj.is_error() || obj.is_null()) return obj;
      if (obj.type != Value::Type::Record) return Value::error("'." + n.name + "' on something that is not a record");
      int idx = n.field_at[static_cast<std::size_t>(obj.record.kind)];
      if (idx < 0) return Value::null();  // a mixed list: this record kind has no such field
      return fields_of(obj.record.kind)[static_cast<std::size_t>(idx)].get(obj.record.ptr);
    }
    case Op::Has: {
      Value v = eval(*n.kids[0], f);
      if (v.is_error()) return v;
      return Value::boolean(!v.is_null());
    }
    case Op::Index: {
      Value list = eval(*n.kids[0], f), index = eval(*n.kids[1], f);
      if (list.is_error()) return list;
      if (index.is_error()) return index;
      if (list.type != Value::Type::List || index.type != Value::Type::Number) return Value::error("bad index");
      auto i = static_cast<long long>(index.n);
      if (i < 0 || static_cast<std::size_t>(i) >= list.list->size()) return Value::null();
      return (*list.list)[static_cast<std::size_t>(i)];
    }
    case Op::Call: {
      Value args[2];
      for (std::size_t i = 0; i < n.kids.size(); ++i) {
        args[i] = eval(*n.kids[i], f);
        if (args[i].is_error()) return args[i];
      }
      return call_function(n.fn, args, n.slot, f.a);
    }
    case Op::Not: {
      Value v = eval(*n.kids[0], f);
      if (v.type != Value::Type::Bool) return v.is_error() ? v : Value::error("! needs true or false");
      return Value::boolean(!v.b);
    }
    case Op::Negate: {
      Value v = eval(*n.kids[0], f);
      if (v.type != Value::Type::Number) return v.is_error() ? v : Value::error("- needs a number");
      return Value::number(-v.n);
    }
    case Op::And:
    case Op::Or: {
      // As in CEL: false && error is false, true || error is true, whichever side the error is on.
      bool want = n.op == Op::Or;
      Value a = eval(*n.kids[0], f);
      if (a.type == Value::Type::Bool && a.b == want) return a;
      Value b = eval(*n.kids[1], f);
      if (b.type == Value::Type::Bool && b.b == want) return b;
      if (a.is_error()) return a;
      if (b.is_error()) return b;
      if (a.type != Value::Type::Bool || b.type != Value::Type::Bool)
        return a.is_null() || b.is_null() ? Value::boolean(!want) : Value::error("&& and || need true or false");
      return Value::boolean(!want);
    }
    case Op::Ternary: {
      Value c = eval(*n.kids[0], f);
      if (c.is_error()) return c;
      return eval(*n.kids[c.truthy() ? 1 : 2], f);
    }
    case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge:
      return compare(n.op, eval(*n.kids[0], f), eval(*n.kids[1], f));
    case Op::In: {
      Value item = eval(*n.kids[0], f), list = eval(*n.kids[1], f);
      if (item.is_error()) return item;
      if (list.is_error()) return list;
      if (list.type == Value::Type::String && item.type == Value::Type::String)
        return Value::boolean(list.s.find(item.s) != std::string::npos);
      if (list.type != Value::Type::List) return Value::error("'in' needs a list");
      for (const auto& x : *list.list)
        if (values_equal(x, item)) return Value::boolean(true);
      return Value::boolean(false);
    }
    case Op::Add: case Op::Sub: case Op::Mul: case Op::Div: case Op::Mod: {
      Value a = eval(*n.kids[0], f), b = eval(*n.kids[1], f);
      if (a.is_error()) return a;
      if (b.is_error()) return b;
      if (n.op == Op::Add && a.type == Value::Type::List && b.type == Value::Type::List) {
        ValueList both(*a.list);
        both.insert(both.end(), b.list->begin(), b.list->end());
        return Value::of_list(std::move(both));
      }
      if (n.op == Op::Add && (a.type == Value::Type::String || b.type == Value::Type::String))
        return Value::string(value_to_text(a) + value_to_text(b));
      if (a.type != Value::Type::Number || b.type != Value::Type::Number) return Value::error("arithmetic needs numbers");
      switch (n.op) {
        case Op::Add: return Value::number(a.n + b.n);
        case Op::Sub: return Value::number(a.n - b.n);
        case Op::Mul: return Value::number(a.n * b.n);
        case Op::Div: return b.n == 0 ? Value::error("division by zero") : Value::number(a.n / b.n);
        default: return b.n == 0 ? Value::error("division by zero") : Value::number(std::fmod(a.n, b.n));
      }
    }
    case Op::List: {
      ValueList out;
      out.reserve(n.kids.size());
      for (const auto& k : n.kids) {
        out.push_back(eval(*k, f));
        if (out.back().is_error()) return out.back();
      }
      return Value::of_list(std::move(out));
    }
    case Op::Filter: case Op::Exists: case Op::All: case Op::Count: case Op::Map: {
      Value list = eval(*n.kids[0], f);
      if (list.is_error()) return list;
      if (list.is_null()) list = Value::empty_list();
      if (list.type != Value::Type::List) return Value::error("a macro needs a list");
      ValueList out;
      std::size_t count = 0;
      f.locals.resize(n.slot + 1);
      for (const auto& item : *list.list) {
        f.locals[n.slot] = item;
        Value v = eval(*n.kids[1], f);
        if (v.is_error()) return v;
        if (n.op == Op::Map) {
          out.push_back(std::move(v));
          continue;
        }
        bool yes = v.truthy();
        if (n.op == Op::Exists && yes) return Value::boolean(true);
        if (n.op == Op::All && !yes) return Value::boolean(false);
        if (yes) {
          ++count;
          if (n.op == Op::Filter) out.push_back(item);
        }
      }
      switch (n.op) {
        case Op::Exists: return Value::boolean(false);
        case Op::All: return Value::boolean(true);
        case Op::Count: return Value::number(static_cast<double>(count));
        default: return Value::of_list(std::move(out));
      }
    }
  }
  return Value::error("bad expression");
}

}  // namespace

std::optional<Expression> Expression::compile(std::string_view text, RecordKind matches_kind,
                                              const std::vector<std::string>& intents, std::string& error) {
  try {
    Parser p(text, matches_kind, intents);
    Expression e;
    e.root_ = p.parse();
    return e;
  } catch (const std::exception& ex) {
    error = ex.what();
    return std::nullopt;
  }
}

Value Expression::evaluate(Activation& a, const Value& matches) const {
  Frame f{a, matches, {}};
  try {
    return eval(*root_, f);
  } catch (const std::exception& e) {
    return Value::error(e.what());
  }
}

StaticType Expression::type() const { return root_ ? root_->type : StaticType{}; }

}  // namespace rightmoment::rules
