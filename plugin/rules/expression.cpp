#include "plugin/rules/expression.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>

#include "plugin/core/text_limits.hpp"

namespace rightmoment::rules {

// ------------------------------------------------------------------ records and their fields

namespace {

struct FieldSpec {
  const char* name;
  Value (*get)(const void*);
};

template <typename T>
const T& as(const void* p) {
  return *static_cast<const T*>(p);
}
Value opt_s(const std::optional<std::string>& v) { return v ? Value::string(*v) : Value::null(); }
Value opt_i(const std::optional<int>& v) { return v ? Value::number(*v) : Value::null(); }
Value opt_l(const std::optional<std::int64_t>& v) { return v ? Value::number(static_cast<double>(*v)) : Value::null(); }
Value opt_d(const std::optional<double>& v) { return v ? Value::number(*v) : Value::null(); }

const std::vector<FieldSpec>& fields_of(RecordKind k) {
  static const std::vector<FieldSpec> customer{
      {"customer_id", [](const void* p) { return Value::string(as<CustomerRecord>(p).customer_id); }},
      {"name", [](const void* p) { return Value::string(as<CustomerRecord>(p).name); }},
      {"preferred_name", [](const void* p) { return opt_s(as<CustomerRecord>(p).preferred_name); }},
      {"tier", [](const void* p) { return opt_s(as<CustomerRecord>(p).tier); }},
      {"customer_since", [](const void* p) { return opt_s(as<CustomerRecord>(p).customer_since); }},
      {"birthday", [](const void* p) { return opt_s(as<CustomerRecord>(p).birthday); }},
      {"lifetime_value", [](const void* p) { return opt_d(as<CustomerRecord>(p).lifetime_value); }},
      {"consent_personalisation", [](const void* p) { return Value::boolean(as<CustomerRecord>(p).consent_personalisation); }},
  };
  static const std::vector<FieldSpec> contact{
      {"contact_id", [](const void* p) { return Value::string(as<ContactRecord>(p).contact_id); }},
      {"channel", [](const void* p) { return Value::string(as<ContactRecord>(p).channel); }},
      {"started_at", [](const void* p) { return Value::number(static_cast<double>(as<ContactRecord>(p).started_at)); }},
      {"reason", [](const void* p) { return opt_s(as<ContactRecord>(p).reason); }},
      {"resolved", [](const void* p) { return Value::boolean(as<ContactRecord>(p).resolved); }},
      {"csat", [](const void* p) { return opt_i(as<ContactRecord>(p).csat); }},
      {"nps", [](const void* p) { return opt_i(as<ContactRecord>(p).nps); }},
      {"summary", [](const void* p) { return opt_s(as<ContactRecord>(p).summary); }},
  };
  static const std::vector<FieldSpec> feedback{
      {"feedback_id", [](const void* p) { return Value::string(as<FeedbackRecord>(p).feedback_id); }},
      {"source", [](const void* p) { return Value::string(as<FeedbackRecord>(p).source); }},
      {"platform", [](const void* p) { return opt_s(as<FeedbackRecord>(p).platform); }},
      {"kind", [](const void* p) { return Value::string(as<FeedbackRecord>(p).kind); }},
      {"rating", [](const void* p) { return opt_i(as<FeedbackRecord>(p).rating); }},
      {"nps", [](const void* p) { return opt_i(as<FeedbackRecord>(p).nps); }},
      {"text", [](const void* p) { return opt_s(as<FeedbackRecord>(p).text); }},
      {"posted_at", [](const void* p) { return Value::number(static_cast<double>(as<FeedbackRecord>(p).posted_at)); }},
      {"reach", [](const void* p) { return opt_l(as<FeedbackRecord>(p).reach); }},
      {"responded_at", [](const void* p) { return opt_l(as<FeedbackRecord>(p).responded_at); }},
      {"responded", [](const void* p) { return Value::boolean(as<FeedbackRecord>(p).responded_at.has_value()); }},
      {"url", [](const void* p) { return opt_s(as<FeedbackRecord>(p).url); }},
  };
  static const std::vector<FieldSpec> case_fields{
      {"case_id", [](const void* p) { return Value::string(as<CaseRecord>(p).case_id); }},
      {"status", [](const void* p) { return Value::string(as<CaseRecord>(p).status); }},
      {"subject", [](const void* p) { return Value::string(as<CaseRecord>(p).subject); }},
      {"opened_at", [](const void* p) { return Value::number(static_cast<double>(as<CaseRecord>(p).opened_at)); }},
      // A date-only due date is due at the end of that UTC day.
      {"due_at", [](const void* p) {
         const auto& c = as<CaseRecord>(p);
         if (!c.due_at) return Value::null();
         return Value::number(static_cast<double>(c.due_is_date ? *c.due_at + kMsPerDay : *c.due_at));
       }},
  };
  static const std::vector<FieldSpec> event{
      {"event_id", [](const void* p) { return Value::string(as<CanonicalEvent>(p).event_id); }},
      {"type", [](const void* p) { return Value::string(std::string(event_type_name(as<CanonicalEvent>(p).type))); }},
      {"ts", [](const void* p) { return Value::number(static_cast<double>(as<CanonicalEvent>(p).ts)); }},
      {"speaker", [](const void* p) {
         return Value::string(as<CanonicalEvent>(p).speaker == Speaker::Agent ? "agent" : "customer");
       }},
      {"text", [](const void* p) { return Value::string(as<CanonicalEvent>(p).text); }},
      {"final", [](const void* p) { return Value::boolean(as<CanonicalEvent>(p).final); }},
      {"sentiment", [](const void* p) { return opt_d(as<CanonicalEvent>(p).sentiment); }},
      {"agent_id", [](const void* p) { return opt_s(as<CanonicalEvent>(p).agent_id); }},
      {"to_queue", [](const void* p) { return opt_s(as<CanonicalEvent>(p).to_queue); }},
      {"digits", [](const void* p) { return Value::string(as<CanonicalEvent>(p).digits); }},
  };
  static const std::vector<FieldSpec> interaction{
      {"interaction_id", [](const void* p) { return Value::string(as<InteractionFacts>(p).interaction_id); }},
      {"channel", [](const void* p) { return Value::string(as<InteractionFacts>(p).channel); }},
      {"direction", [](const void* p) { return Value::string(as<InteractionFacts>(p).direction); }},
      {"queue", [](const void* p) { return Value::string(as<InteractionFacts>(p).queue); }},
      {"agents_present", [](const void* p) { return Value::number(as<InteractionFacts>(p).agents_present); }},
      {"hold_count", [](const void* p) { return Value::number(as<InteractionFacts>(p).hold_count); }},
      {"hold_started_at", [](const void* p) { return opt_l(as<InteractionFacts>(p).hold_started_at); }},
      {"customer_sentiment", [](const void* p) { return opt_d(as<InteractionFacts>(p).customer_sentiment); }},
      {"customer_utterances", [](const void* p) { return Value::number(as<InteractionFacts>(p).customer_utterances); }},
      {"history_unavailable", [](const void* p) { return Value::boolean(as<InteractionFacts>(p).history_unavailable); }},
      {"identified", [](const void* p) { return Value::boolean(as<InteractionFacts>(p).history != nullptr); }},
  };
  static const std::vector<FieldSpec> none;
  switch (k) {
    case RecordKind::Customer: return customer;
    case RecordKind::Contact: return contact;
    case RecordKind::Feedback: return feedback;
    case RecordKind::Case: return case_fields;
    case RecordKind::Event: return event;
    case RecordKind::Interaction: return interaction;
    default: return none;
  }
}

int field_index(RecordKind k, std::string_view name) {
  const auto& f = fields_of(k);
  for (std::size_t i = 0; i < f.size(); ++i)
    if (name == f[i].name) return static_cast<int>(i);
  return -1;
}

std::string format_number(double d) {
  if (std::floor(d) == d && std::abs(d) < 1e15) return std::to_string(static_cast<long long>(d));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", d);
  return buf;
}

}  // namespace

std::string record_kind_name(RecordKind k) {
  switch (k) {
    case RecordKind::Customer: return "customer";
    case RecordKind::Contact: return "contact";
    case RecordKind::Feedback: return "feedback";
    case RecordKind::Case: return "case";
    case RecordKind::Event: return "event";
    case RecordKind::Interaction: return "interaction";
    default: return "value";
  }
}

std::string record_ref_id(const RecordRef& r) {
  switch (r.kind) {
    case RecordKind::Customer: return as<CustomerRecord>(r.ptr).customer_id;
    case RecordKind::Contact: return as<ContactRecord>(r.ptr).contact_id;
    case RecordKind::Feedback: return as<FeedbackRecord>(r.ptr).feedback_id;
    case RecordKind::Case: return as<CaseRecord>(r.ptr).case_id;
    case RecordKind::Event: return as<CanonicalEvent>(r.ptr).event_id;
    case RecordKind::Interaction: return as<InteractionFacts>(r.ptr).interaction_id;
    default: return "";
  }
}

std::string describe_record(const RecordRef& r) {
  switch (r.kind) {
    case RecordKind::Customer: {
      const auto& c = as<CustomerRecord>(r.ptr);
      std::string s = c.name;
      if (c.customer_since) s += ", customer since " + *c.customer_since;
      if (c.birthday && c.consent_personalisation) s += ", birthday " + *c.birthday;
      return s;
    }
    case RecordKind::Contact: {
      const auto& c = as<ContactRecord>(r.ptr);
      std::string s = c.channel + " contact on " + format_day_month(utc_day(c.started_at), false);
      if (c.reason) s += " about " + *c.reason;
      s += c.resolved ? ", resolved" : ", not resolved";
      if (c.nps) s += ", NPS " + std::to_string(*c.nps);
      if (c.summary) s += ": " + *c.summary;
      return s;
    }
    case RecordKind::Feedback: {
      const auto& f = as<FeedbackRecord>(r.ptr);
      std::string s = (f.platform ? *f.platform + " " : std::string()) + f.kind;
      if (f.rating) s += ", " + std::to_string(*f.rating) + (*f.rating == 1 ? " star" : " stars");
      if (f.nps) s += ", NPS " + std::to_string(*f.nps);
      s += ", " + format_day_month(utc_day(f.posted_at), true);
      if (f.reach) s += ", reach " + std::to_string(*f.reach);
      s += f.responded_at ? ", answered" : ", unanswered";
      if (f.text) s += ": " + *f.text;
      return s;
    }
    case RecordKind::Case: {
      const auto& c = as<CaseRecord>(r.ptr);
      std::string s = c.status + " case: " + c.subject;
      if (c.due_at) s += ", due " + format_day_month(utc_day(*c.due_at), true);
      return s;
    }
    case RecordKind::Event: {
      const auto& e = as<CanonicalEvent>(r.ptr);
      if (e.type == EventType::Utterance) return e.text;
      return std::string(event_type_name(e.type)) + " at " + format_rfc3339(e.ts).substr(11, 8);
    }
    default: return "";
  }
}

std::string value_to_text(const Value& v) {
  switch (v.type) {
    case Value::Type::Null: return "";
    case Value::Type::Bool: return v.b ? "yes" : "no";
    case Value::Type::Number: return format_number(v.n);
    case Value::Type::String: return v.s;
    case Value::Type::List: {
      std::string out;
      for (const auto& x : *v.list) out += (out.empty() ? "" : ", ") + value_to_text(x);
      return out;
    }
    case Value::Type::Record: return describe_record(v.record);
    case Value::Type::Error: return "";
  }
  return "";
}

// ------------------------------------------------------------------ syntax tree

enum class Op : std::uint8_t {
  Literal, Variable, Local, Field, Index, Call, Not, Negate, And, Or, Ternary,
  Eq, Ne, Lt, Le, Gt, Ge, In, Add, Sub, Mul, Div, Mod, List,
  Filter, Exists, All, Count, Map, Has,
};

enum class Var : std::uint8_t { Customer, Contacts, Feedback, Cases, Event, Interaction, Now, Matches, Match };

struct Node {
  Op op = Op::Literal;
  Value literal;
  Var var = Var::Now;
  int local = 0;         // Local: depth of the macro variable
  int field = -1;        // Field: index, or -1 when resolved at run time
  std::string name;      // field or function name
  RecordKind kind = RecordKind::None;  // static kind of this node's value (record, or element of a list)
  bool is_list = false;
  std::vector<std::shared_ptr<const Node>> kids;
};

using NodePtr = std::shared_ptr<Node>;

namespace {

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

const std::map<std::string, int>& function_arity() {
  // -1: variadic
  static const std::map<std::string, int> f{
      {"size", 1},         {"age_days", 1},       {"age_hours", 1},     {"days_until", 1},
      {"days_to_anniversary", 1}, {"anniversary_years", 1}, {"intent", 1}, {"intent_phrase", 1},
      {"intent_detail", 1}, {"negative_text", 1}, {"date", 1},          {"date_with_year", 1},
      {"first_name", 1},   {"plural", 2},         {"default", 2},       {"lower", 1},
      {"contains", 2},     {"time", 1},           {"abs", 1},           {"round", 1},
      {"words", 1},
  };
  return f;
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
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("column " + std::to_string(cur_.col) + ": " + what);
  }
  void advance() { cur_ = lex_.next(); }
  bool is(const char* p) const { return cur_.t == Tok::T::Punct && cur_.text == p; }
  bool is_word(const char* w) const { return cur_.t == Tok::T::Ident && cur_.text == w; }
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

  NodePtr make(Op op, std::vector<NodePtr> kids) {
    auto n = std::make_shared<Node>();
    n->op = op;
    for (auto& k : kids) n->kids.push_back(k);
    return n;
  }

  NodePtr expr(int min_prec) {
    NodePtr left = unary();
    while (true) {
      int p = precedence(cur_);
      if (p < 0 || p < min_prec) break;
      std::string op = cur_.text;
      advance();
      if (op == "?") {
        NodePtr then = expr(0);
        expect(":");
        NodePtr otherwise = expr(1);
        left = make(Op::Ternary, {left, then, otherwise});
        continue;
      }
      NodePtr right = expr(p + 1);
      static const std::map<std::string, Op> ops{{"||", Op::Or}, {"&&", Op::And}, {"==", Op::Eq}, {"!=", Op::Ne},
                                                 {"<", Op::Lt},  {"<=", Op::Le},  {">", Op::Gt},  {">=", Op::Ge},
                                                 {"in", Op::In}, {"+", Op::Add},  {"-", Op::Sub}, {"*", Op::Mul},
                                                 {"/", Op::Div}, {"%", Op::Mod}};
      left = make(ops.at(op), {left, right});
    }
    return left;
  }

  NodePtr unary() {
    if (is("!")) {
      advance();
      return make(Op::Not, {unary()});
    }
    if (is("-")) {
      advance();
      return make(Op::Negate, {unary()});
    }
    return postfix(primary());
  }

  NodePtr primary() {
    Tok t = cur_;
    if (t.t == Tok::T::Number) {
      advance();
      auto n = make(Op::Literal, {});
      n->literal = Value::number(t.number);
      return n;
    }
    if (t.t == Tok::T::String) {
      advance();
      auto n = make(Op::Literal, {});
      n->literal = Value::string(t.text);
      return n;
    }
    if (is("(")) {
      advance();
      NodePtr inner = expr(0);
      expect(")");
      return inner;
    }
    if (is("[")) {
      advance();
      std::vector<NodePtr> items;
      while (!is("]")) {
        items.push_back(expr(0));
        if (!is("]")) expect(",");
      }
      advance();
      auto n = make(Op::List, items);
      n->is_list = true;
      return n;
    }
    if (t.t != Tok::T::Ident) fail("expected a value");
    advance();
    if (t.text == "true" || t.text == "false") {
      auto n = make(Op::Literal, {});
      n->literal = Value::boolean(t.text == "true");
      return n;
    }
    if (t.text == "null") return make(Op::Literal, {});
    if (is("(")) return call(t.text, {});
    // A macro variable shadows the globals.
    for (std::size_t k = locals_.size(); k-- > 0;) {
      if (locals_[k].first == t.text) {
        auto n = make(Op::Local, {});
        n->local = static_cast<int>(k);
        n->kind = locals_[k].second;
        return n;
      }
    }
    static const std::map<std::string, std::pair<Var, std::pair<RecordKind, bool>>> vars{
        {"customer", {Var::Customer, {RecordKind::Customer, false}}},
        {"contacts", {Var::Contacts, {RecordKind::Contact, true}}},
        {"feedback", {Var::Feedback, {RecordKind::Feedback, true}}},
        {"cases", {Var::Cases, {RecordKind::Case, true}}},
        {"event", {Var::Event, {RecordKind::Event, false}}},
        {"interaction", {Var::Interaction, {RecordKind::Interaction, false}}},
        {"now", {Var::Now, {RecordKind::None, false}}},
        {"matches", {Var::Matches, {RecordKind::None, true}}},
        {"match", {Var::Match, {RecordKind::None, false}}},
    };
    auto it = vars.find(t.text);
    if (it == vars.end())
      fail("unknown name '" + t.text + "' (known: customer, contacts, feedback, cases, event, interaction, now, matches, match)");
    auto n = make(Op::Variable, {});
    n->var = it->second.first;
    n->kind = it->second.second.first;
    n->is_list = it->second.second.second;
    if (n->var == Var::Matches || n->var == Var::Match) n->kind = matches_kind_;
    return n;
  }

  NodePtr call(const std::string& name, std::vector<NodePtr> receiver) {
    expect("(");
    std::vector<NodePtr> args = std::move(receiver);
    while (!is(")")) {
      args.push_back(expr(0));
      if (!is(")")) expect(",");
    }
    advance();
    if (name == "has") {
      if (args.size() != 1 || args[0]->op != Op::Field) fail("has() takes one field, e.g. has(f.rating)");
      auto n = make(Op::Has, args);
      return n;
    }
    auto f = function_arity().find(name);
    if (f == function_arity().end()) fail("unknown function '" + name + "'");
    if (f->second >= 0 && static_cast<int>(args.size()) != f->second)
      fail(name + "() takes " + std::to_string(f->second) + " argument(s), not " + std::to_string(args.size()));
    if ((name == "intent" || name == "intent_phrase" || name == "intent_detail") && args[0]->op == Op::Literal &&
        args[0]->literal.type == Value::Type::String &&
        std::find(intents_.begin(), intents_.end(), args[0]->literal.s) == intents_.end()) {
      std::string known;
      for (const auto& i : intents_) known += (known.empty() ? "" : ", ") + i;
      fail("unknown intent '" + args[0]->literal.s + "' (the lexicons define: " + known + ")");
    }
    auto n = make(Op::Call, args);
    n->name = name;
    return n;
  }

  NodePtr postfix(NodePtr left) {
    while (true) {
      if (is(".")) {
        advance();
        if (cur_.t != Tok::T::Ident) fail("expected a field or method name after '.'");
        std::string name = cur_.text;
        advance();
        if (is("(")) {
          static const std::map<std::string, Op> macros{
              {"filter", Op::Filter}, {"exists", Op::Exists}, {"all", Op::All}, {"count", Op::Count}, {"map", Op::Map}};
          auto m = macros.find(name);
          if (m != macros.end()) {
            advance();
            if (cur_.t != Tok::T::Ident) fail(name + "() needs a variable name first, e.g. " + name + "(x, ...)");
            std::string var = cur_.text;
            advance();
            expect(",");
            locals_.emplace_back(var, left->kind);
            NodePtr body = expr(0);
            locals_.pop_back();
            expect(")");
            auto n = make(m->second, {left, body});
            n->local = static_cast<int>(locals_.size());
            n->kind = m->second == Op::Filter ? left->kind : RecordKind::None;
            n->is_list = m->second == Op::Filter || m->second == Op::Map;
            continue_with(n);
            left = n;
            continue;
          }
          left = call(name, {left});
          continue;
        }
        auto n = make(Op::Field, {left});
        n->name = name;
        if (left->kind != RecordKind::None && !left->is_list) {
          n->field = field_index(left->kind, name);
          if (n->field < 0) {
            std::string known;
            for (const auto& f : fields_of(left->kind)) known += (known.empty() ? "" : ", ") + std::string(f.name);
            fail(record_kind_name(left->kind) + " has no field '" + name + "' (fields: " + known + ")");
          }
        }
        left = n;
        continue;
      }
      if (is("[")) {
        advance();
        NodePtr index = expr(0);
        expect("]");
        auto n = make(Op::Index, {left, index});
        n->kind = left->is_list ? left->kind : RecordKind::None;
        left = n;
        continue;
      }
      return left;
    }
  }
  void continue_with(const NodePtr&) {}

  Lexer lex_;
  Tok cur_;
  RecordKind matches_kind_;
  const std::vector<std::string>& intents_;
  std::vector<std::pair<std::string, RecordKind>> locals_;
};

// ------------------------------------------------------------------ evaluation

struct Frame {
  const Activation& a;
  std::vector<Value> locals;
};

Value eval(const Node& n, Frame& f);

Value history_list(const Frame& f, Var v) {
  const CustomerHistory* h = f.a.ctx->interaction->history;
  ValueList out;
  if (!h) return Value::of_list({});
  switch (v) {
    case Var::Contacts:
      for (const auto& c : h->contacts) out.push_back(Value::of_record(RecordKind::Contact, &c));
      break;
    case Var::Feedback:
      for (const auto& x : h->feedback) out.push_back(Value::of_record(RecordKind::Feedback, &x));
      break;
    case Var::Cases:
      for (const auto& x : h->cases) out.push_back(Value::of_record(RecordKind::Case, &x));
      break;
    default: break;
  }
  return Value::of_list(std::move(out));
}

bool equal(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case Value::Type::Null: return true;
    case Value::Type::Bool: return a.b == b.b;
    case Value::Type::Number: return a.n == b.n;
    case Value::Type::String: return a.s == b.s;
    case Value::Type::Record: return a.record.ptr == b.record.ptr;
    case Value::Type::List: {
      if (a.list->size() != b.list->size()) return false;
      for (std::size_t i = 0; i < a.list->size(); ++i)
        if (!equal((*a.list)[i], (*b.list)[i])) return false;
      return true;
    }
    default: return false;
  }
}

// Days from the date of `now` to the nearest anniversary of a "YYYY-MM-DD" or "MM-DD" date (negative:
// it was this many days ago). 29 February falls on 28 February in other years.
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

Value call_function(const Node& n, Frame& f) {
  const std::string& name = n.name;
  std::vector<Value> args;
  args.reserve(n.kids.size());
  for (const auto& k : n.kids) {
    args.push_back(eval(*k, f));
    if (args.back().is_error()) return args.back();
  }
  EventTimeMs now = f.a.ctx->interaction->now;
  auto need_number = [&](std::size_t i) { return args[i].type == Value::Type::Number; };
  if (name == "size") {
    if (args[0].type == Value::Type::List) return Value::number(static_cast<double>(args[0].list->size()));
    if (args[0].type == Value::Type::String) return Value::number(static_cast<double>(utf8_length(args[0].s)));
    if (args[0].is_null()) return Value::number(0);
    return Value::error("size() of a " + std::to_string(static_cast<int>(args[0].type)));
  }
  if (name == "age_days" || name == "age_hours" || name == "days_until") {
    if (args[0].is_null()) return Value::null();
    if (!need_number(0)) return Value::error(name + "() needs a time");
    double ms = name == "days_until" ? args[0].n - static_cast<double>(now) : static_cast<double>(now) - args[0].n;
    return Value::number(ms / (name == "age_hours" ? 3'600'000.0 : 86'400'000.0));
  }
  if (name == "days_to_anniversary" || name == "anniversary_years") {
    if (args[0].is_null()) return Value::null();
    if (args[0].type != Value::Type::String) return Value::error(name + "() needs a date");
    auto a = nearest_anniversary(args[0].s, now);
    if (!a) return Value::error(name + "(): '" + args[0].s + "' is not a date");
    return Value::number(name == "days_to_anniversary" ? static_cast<double>(a->first) : a->second);
  }
  if (name == "intent" || name == "intent_phrase" || name == "intent_detail") {
    const UtteranceSignals* s = f.a.ctx->signals;
    const IntentHit* hit = s && args[0].type == Value::Type::String ? s->find(args[0].s) : nullptr;
    if (name == "intent") return Value::boolean(hit != nullptr);
    if (!hit) return Value::null();
    return Value::string(name == "intent_phrase" ? hit->phrase : hit->detail);
  }
  if (name == "negative_text") {
    if (args[0].is_null() || !f.a.analyzer) return Value::boolean(false);
    if (args[0].type != Value::Type::String) return Value::error("negative_text() needs text");
    return Value::boolean(f.a.analyzer->analyze(args[0].s, Speaker::Customer).sentiment <= -0.25);
  }
  if (name == "date" || name == "date_with_year") {
    if (args[0].is_null()) return Value::null();
    if (!need_number(0)) return Value::error("date() needs a time");
    return Value::string(format_day_month(utc_day(static_cast<EventTimeMs>(args[0].n)), name == "date_with_year"));
  }
  if (name == "time") {
    if (!need_number(0)) return Value::error("time() needs a time");
    return Value::string(format_rfc3339(static_cast<EventTimeMs>(args[0].n)).substr(11, 5));
  }
  if (name == "first_name") {
    if (args[0].type != Value::Type::Record || args[0].record.kind != RecordKind::Customer) return Value::null();
    const auto& c = as<CustomerRecord>(args[0].record.ptr);
    if (c.preferred_name && !c.preferred_name->empty()) return Value::string(*c.preferred_name);
    return Value::string(c.name.substr(0, c.name.find(' ')));
  }
  if (name == "plural") {
    if (!need_number(0) || args[1].type != Value::Type::String) return Value::error("plural(n, 'word')");
    return Value::string(format_number(args[0].n) + " " + args[1].s + (args[0].n == 1 ? "" : "s"));
  }
  if (name == "default") return args[0].is_null() || (args[0].type == Value::Type::String && args[0].s.empty()) ? args[1] : args[0];
  if (name == "lower") {
    if (args[0].type != Value::Type::String) return args[0];
    std::string s = args[0].s;
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return Value::string(s);
  }
  if (name == "contains") {
    if (args[0].type == Value::Type::String && args[1].type == Value::Type::String)
      return Value::boolean(args[0].s.find(args[1].s) != std::string::npos);
    if (args[0].type == Value::Type::List) {
      for (const auto& x : *args[0].list)
        if (equal(x, args[1])) return Value::boolean(true);
      return Value::boolean(false);
    }
    return Value::boolean(false);
  }
  if (name == "words") {
    if (args[0].type != Value::Type::String) return args[0];
    std::string s = args[0].s;
    std::replace(s.begin(), s.end(), '_', ' ');
    return Value::string(s);
  }
  if (name == "abs" || name == "round") {
    if (!need_number(0)) return Value::error(name + "() needs a number");
    return Value::number(name == "abs" ? std::abs(args[0].n) : std::round(args[0].n));
  }
  return Value::error("unknown function " + name);
}

Value compare(Op op, const Value& a, const Value& b) {
  if (a.is_error()) return a;
  if (b.is_error()) return b;
  if (op == Op::Eq) return Value::boolean(equal(a, b));
  if (op == Op::Ne) return Value::boolean(!equal(a, b));
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

Value eval(const Node& n, Frame& f) {
  switch (n.op) {
    case Op::Literal: return n.literal;
    case Op::Variable: {
      const EvaluationContext& ctx = *f.a.ctx;
      switch (n.var) {
        case Var::Customer:
          return ctx.interaction->history ? Value::of_record(RecordKind::Customer, &ctx.interaction->history->customer)
                                          : Value::null();
        case Var::Contacts:
        case Var::Feedback:
        case Var::Cases: return history_list(f, n.var);
        case Var::Event: return ctx.event ? Value::of_record(RecordKind::Event, ctx.event) : Value::null();
        case Var::Interaction: return Value::of_record(RecordKind::Interaction, ctx.interaction);
        case Var::Now: return Value::number(static_cast<double>(ctx.interaction->now));
        case Var::Matches: return f.a.matches.is_null() ? Value::of_list({}) : f.a.matches;
        case Var::Match:
          if (f.a.matches.type == Value::Type::List && !f.a.matches.list->empty()) return f.a.matches.list->front();
          return Value::null();
      }
      return Value::null();
    }
    case Op::Local: return f.locals[static_cast<std::size_t>(n.local)];
    case Op::Field: {
      Value obj = eval(*n.kids[0], f);
      if (obj.is_error() || obj.is_null()) return obj;
      if (obj.type != Value::Type::Record) return Value::error("'." + n.name + "' on something that is not a record");
      int idx = n.field >= 0 ? n.field : field_index(obj.record.kind, n.name);
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
    case Op::Call: return call_function(n, f);
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
        if (equal(x, item)) return Value::boolean(true);
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
      for (const auto& k : n.kids) {
        out.push_back(eval(*k, f));
        if (out.back().is_error()) return out.back();
      }
      return Value::of_list(std::move(out));
    }
    case Op::Filter: case Op::Exists: case Op::All: case Op::Count: case Op::Map: {
      Value list = eval(*n.kids[0], f);
      if (list.is_error()) return list;
      if (list.is_null()) list = Value::of_list({});
      if (list.type != Value::Type::List) return Value::error("a macro needs a list");
      ValueList out;
      std::size_t count = 0;
      f.locals.resize(static_cast<std::size_t>(n.local) + 1);
      for (const auto& item : *list.list) {
        f.locals[static_cast<std::size_t>(n.local)] = item;
        Value v = eval(*n.kids[1], f);
        if (n.op == Op::Map) {
          if (v.is_error()) return v;
          out.push_back(std::move(v));
          continue;
        }
        if (v.is_error()) return v;
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

Value Expression::evaluate(const Activation& a) const {
  Frame f{a, {}};
  try {
    return eval(*root_, f);
  } catch (const std::exception& e) {
    return Value::error(e.what());
  }
}

RecordKind Expression::list_kind() const { return root_ && root_->is_list ? root_->kind : RecordKind::None; }

}  // namespace rightmoment::rules
