// Rule files (JSON with comments, read through ConfigReader) compiled into an immutable RuleSet; see
// docs/rules.md.
#include <set>

#include "plugin/config/config_reader.hpp"
#include "plugin/core/jsonc_document.hpp"
#include "plugin/core/text_limits.hpp"
#include "plugin/rules/activation.hpp"
#include "plugin/rules/expression.hpp"
#include "plugin/rules/record_fields.hpp"
#include "plugin/rules/rule_set.hpp"

namespace rightmoment {

// How often each rule fired in one interaction, and which timer armings already fired: by the index of
// the rule in the set whose ids these are.
struct RuleLedger::State {
  std::shared_ptr<const std::vector<std::string>> ids;
  std::vector<int> fired;
  std::vector<std::set<std::string, std::less<>>> armings;  // once_per_arming rules: arming event ids that fired
};

RuleLedger::RuleLedger() : state_(std::make_unique<State>()) {}
RuleLedger::~RuleLedger() = default;
RuleLedger::RuleLedger(RuleLedger&&) noexcept = default;
RuleLedger& RuleLedger::operator=(RuleLedger&&) noexcept = default;

namespace {

using rules::Activation;
using rules::Expression;
using rules::RecordKind;
using rules::StaticType;
using rules::Value;

enum class Stage : std::uint8_t { History, Event, Timer };
enum class EvidenceFrom : std::uint8_t { Auto, Matches, Event, Customer, None };

using EventTypes = std::uint32_t;  // one bit per EventType
constexpr EventTypes bit(EventType t) { return EventTypes{1} << static_cast<unsigned>(t); }

// "Hello {{ first_name(customer) }}": literal text and expressions in turn.
struct Template {
  struct Part {
    std::string text;
    std::optional<Expression> expr;
  };
  std::vector<Part> parts;

  std::string render(Activation& a, const Value& matches, bool& failed) const {
    std::string out;
    for (const auto& p : parts) {
      if (!p.expr) {
        out += p.text;
        continue;
      }
      Value v = p.expr->evaluate(a, matches);
      if (v.is_error()) failed = true;
      out += rules::value_to_text(v);
    }
    return out;
  }
};

struct CompiledRule {
  std::string id;
  PromptKind kind = PromptKind::Opportunity;
  Stage stage = Stage::History;
  EventTypes on = 0;               // Event stage: which event types
  std::optional<Speaker> speaker;  // Event stage: only this speaker's utterances
  EventType armed_by = EventType::HoldStarted;
  EventTypes cancelled_by = 0;
  std::int64_t after_ms = 0;
  std::optional<Expression> select;
  std::optional<Expression> when;
  int priority = 50;
  Template title;
  Template body;
  EvidenceFrom evidence = EvidenceFrom::Auto;
  int max_per_interaction = 1;
  bool once_per_arming = false;
  bool partials = true;
};

// At most max characters. Text no longer than max in bytes is short enough: kept as it is, no copy.
std::string fit(std::string text, std::size_t max) {
  if (text.size() <= max) return text;
  return truncate_text(text, max);
}

class CompiledRuleSet final : public RuleSet {
 public:
  std::vector<CompiledRule> rules;
  std::shared_ptr<const std::vector<std::string>> ids;  // rules[i].id, shared with the ledgers
  const LanguageAnalyzer* analyzer = nullptr;
  std::vector<std::string> intents;  // analyzer->intent_names(): the indexes intent functions compiled to
  ExpressionErrorSink on_expression_error;

  std::vector<Firing> evaluate_history(const EvaluationContext& ctx, RuleLedger& ledger) const override {
    std::vector<Firing> out;
    Activation a(ctx, analyzer, intents);
    RuleLedger::State& st = state_of(ledger);
    for (std::size_t i = 0; i < rules.size(); ++i)
      if (rules[i].stage == Stage::History) try_fire(i, a, st, {}, out);
    return out;
  }

  std::vector<Firing> evaluate_event(const EvaluationContext& ctx, RuleLedger& ledger) const override {
    std::vector<Firing> out;
    if (!ctx.event) return out;
    const CanonicalEvent& ev = *ctx.event;
    Activation a(ctx, analyzer, intents);
    RuleLedger::State& st = state_of(ledger);
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const CompiledRule& r = rules[i];
      if (r.stage != Stage::Event || !(r.on & bit(ev.type))) continue;
      if (ev.type == EventType::Utterance) {
        if (r.speaker && *r.speaker != ev.speaker) continue;
        // A partial and its final must never fire the same rule twice: only once-only rules read partials.
        if (!ev.final && (!r.partials || r.max_per_interaction != 1)) continue;
      }
      try_fire(i, a, st, {}, out);
    }
    return out;
  }

  std::vector<TimerRequest> timers_armed_by(const CanonicalEvent& event) const override {
    std::vector<TimerRequest> out;
    for (std::size_t i = 0; i < rules.size(); ++i)
      if (rules[i].stage == Stage::Timer && rules[i].armed_by == event.type) out.push_back(TimerRequest{i, rules[i].after_ms});
    return out;
  }

  bool timer_cancelled_by(std::size_t rule_index, const CanonicalEvent& event) const override {
    return rule_index < rules.size() && (rules[rule_index].cancelled_by & bit(event.type));
  }

  std::optional<Firing> evaluate_timer(std::size_t rule_index, const EvaluationContext& ctx, RuleLedger& ledger) const override {
    if (rule_index >= rules.size() || rules[rule_index].stage != Stage::Timer) return std::nullopt;
    std::vector<Firing> out;
    Activation a(ctx, analyzer, intents);
    try_fire(rule_index, a, state_of(ledger), ctx.event ? std::string_view(ctx.event->event_id) : std::string_view(), out);
    if (out.empty()) return std::nullopt;
    return std::move(out.front());
  }

  std::size_t size() const override { return rules.size(); }
  std::vector<std::string> rule_ids() const override { return *ids; }

 private:
  // The ledger's counts, indexed for this set. An interaction keeps the set it started with, so a ledger
  // indexed for another set is rare; its counts are carried over by rule id.
  RuleLedger::State& state_of(RuleLedger& ledger) const {
    RuleLedger::State& st = ledger.state();
    if (st.ids == ids) return st;
    RuleLedger::State next{ids, std::vector<int>(rules.size(), 0), decltype(st.armings)(rules.size())};
    if (st.ids)
      for (std::size_t old = 0; old < st.ids->size(); ++old)
        for (std::size_t i = 0; i < rules.size(); ++i)
          if ((*st.ids)[old] == rules[i].id) {
            next.fired[i] = st.fired[old];
            next.armings[i] = std::move(st.armings[old]);
          }
    st = std::move(next);
    return st;
  }

  void expression_error(const CompiledRule& r) const {
    if (on_expression_error) on_expression_error(r.id);
  }

  void try_fire(std::size_t index, Activation& a, RuleLedger::State& st, std::string_view arming,
                std::vector<Firing>& out) const {
    const CompiledRule& r = rules[index];
    if (st.fired[index] >= r.max_per_interaction) return;
    if (r.once_per_arming && st.armings[index].count(arming)) return;

    Value matches;
    if (r.select) {
      matches = r.select->evaluate(a, Value::null());
      if (matches.is_error()) return expression_error(r);  // fails closed
    }
    bool fire;
    if (r.when) {
      Value w = r.when->evaluate(a, matches);
      if (w.is_error()) return expression_error(r);
      fire = w.truthy();
    } else {
      fire = matches.type == Value::Type::List && !matches.list->empty();
    }
    if (!fire) return;

    Firing firing;
    firing.rule_id = r.id;
    firing.kind = r.kind;
    firing.priority = r.priority;
    bool failed = false;
    firing.title = fit(r.title.render(a, matches, failed), 80);
    firing.body = fit(r.body.render(a, matches, failed), 400);
    // A placeholder that cannot be filled would show the agent a broken sentence: fail closed.
    if (failed) return expression_error(r);
    const EvaluationContext& ctx = a.context();
    EvidenceFrom evidence = r.evidence;
    if (evidence == EvidenceFrom::Auto) evidence = r.select ? EvidenceFrom::Matches : ctx.event ? EvidenceFrom::Event : EvidenceFrom::Customer;
    if (evidence == EvidenceFrom::Matches && matches.type == Value::Type::List) {
      for (const auto& m : *matches.list) {
        if (m.type != Value::Type::Record) continue;
        firing.evidence.push_back(Evidence{rules::record_kind_name(m.record.kind), rules::record_ref_id(m.record),
                                           fit(rules::describe_record(m.record), 400)});
        if (firing.evidence.size() >= 5) break;
      }
    } else if (evidence == EvidenceFrom::Event && ctx.event) {
      std::string text = rules::describe_record(rules::RecordRef{RecordKind::Event, ctx.event});
      if (ctx.signals && ctx.event->type == EventType::Utterance) {
        for (const auto& hit : ctx.signals->intents)
          if (!hit.phrase.empty()) text += " [" + hit.intent + ": \"" + hit.phrase + "\"]";
      }
      if (ctx.event->sentiment) text += " [platform sentiment " + rules::format_number(*ctx.event->sentiment) + "]";
      firing.evidence.push_back(Evidence{ctx.event->type == EventType::Utterance ? "utterance" : "event",
                                         ctx.event->event_id, fit(std::move(text), 400)});
    } else if (evidence == EvidenceFrom::Customer && ctx.interaction->history) {
      const auto& c = ctx.interaction->history->customer;
      firing.evidence.push_back(Evidence{"customer", c.customer_id,
                                         rules::describe_record(rules::RecordRef{RecordKind::Customer, &c})});
    }
    ++st.fired[index];
    if (r.once_per_arming) st.armings[index].emplace(arming);
    out.push_back(std::move(firing));
  }
};

// ------------------------------------------------------------------ reading and compiling rule files

std::optional<Template> compile_template(const std::string& text, RecordKind matches_kind,
                                         const std::vector<std::string>& intents, std::string& error) {
  Template t;
  std::size_t i = 0;
  while (i < text.size()) {
    auto open = text.find("{{", i);
    if (open == std::string::npos) {
      t.parts.push_back({text.substr(i), std::nullopt});
      break;
    }
    if (open > i) t.parts.push_back({text.substr(i, open - i), std::nullopt});
    auto close = text.find("}}", open + 2);
    if (close == std::string::npos) {
      error = "a '{{' without its '}}'";
      return std::nullopt;
    }
    std::string inner = text.substr(open + 2, close - open - 2);
    auto e = Expression::compile(inner, matches_kind, intents, error);
    if (!e) {
      error = "in {{" + inner + "}}: " + error;
      return std::nullopt;
    }
    t.parts.push_back({"", std::move(e)});
    i = close + 2;
  }
  for (const auto& p : t.parts)
    if (!p.expr && (p.text.find('{') != std::string::npos || p.text.find('}') != std::string::npos)) {
      error = "a lone '{' or '}' would read as an unfilled placeholder";
      return std::nullopt;
    }
  return t;
}

// Reads the event type names at pointer (a list) into bits; unknown names are errors.
EventTypes read_event_types(ConfigReader& r, const std::string& pointer) {
  std::vector<std::string> names;
  EventTypes types = 0;
  if (!r.read_string_list(pointer, names)) return types;
  for (std::size_t k = 0; k < names.size(); ++k) {
    EventType t = event_type_from_name(names[k]);
    if (t == EventType::Unknown) r.error(pointer + "/" + std::to_string(k), "unknown event type '" + names[k] + "'");
    else types |= bit(t);
  }
  return types;
}

// Compiles the expression at pointer, if present, into out; `want` names what its value must be.
void read_expression(ConfigReader& r, const std::string& pointer, RecordKind matches_kind,
                     const std::vector<std::string>& intents, StaticType::Kind want, std::optional<Expression>& out) {
  std::string text;
  if (!r.at(pointer) || !r.read_string(pointer, text)) return;
  std::string error;
  out = Expression::compile(text, matches_kind, intents, error);
  if (!out) return r.error(pointer, error);
  StaticType t = out->type();
  if (!t.unknown() && !t.is(want))
    r.error(pointer, std::string(want == StaticType::Kind::List ? "must give a list, e.g. feedback.filter(f, ...)"
                                                                : "must give true or false") +
                         ", not " + rules::describe_type(t));
}

void read_template(ConfigReader& r, const std::string& pointer, std::string text, RecordKind matches_kind,
                   const std::vector<std::string>& intents, Template& out) {
  if (!r.read_string(pointer, text)) return;
  std::string error;
  auto t = compile_template(text, matches_kind, intents, error);
  if (!t) return r.error(pointer, error);
  out = std::move(*t);
}

// One rule at pointer ("/rules/3"); `enabled` is set from the rule. Errors go to the reader.
CompiledRule read_rule(ConfigReader& r, const std::string& at, const std::vector<std::string>& intents, bool& enabled) {
  CompiledRule rule;
  r.check_object(at, {"id", "kind", "enabled", "description", "stage", "on", "speaker", "timer", "select", "when",
                      "priority", "title", "body", "evidence", "max_per_interaction", "once_per_arming", "partials"});
  if (r.read_string(at + "/id", rule.id, true) && rule.id.empty()) r.error(at + "/id", "must not be empty");
  r.read_bool(at + "/enabled", enabled);
  std::string description;
  r.read_string(at + "/description", description);
  std::string kind = "opportunity";
  r.read_enum(at + "/kind", kind, {"opportunity", "guardrail"});
  rule.kind = kind == "guardrail" ? PromptKind::Guardrail : PromptKind::Opportunity;
  std::string stage = "history";
  r.read_enum(at + "/stage", stage, {"history", "event", "timer"});
  rule.stage = stage == "event" ? Stage::Event : stage == "timer" ? Stage::Timer : Stage::History;

  for (const char* key : {"on", "speaker"})
    if (rule.stage != Stage::Event && r.at(at + "/" + key)) r.error(at + "/" + key, "applies to event rules only (\"stage\": \"event\")");
  if (rule.stage != Stage::Timer && r.at(at + "/timer")) r.error(at + "/timer", "applies to timer rules only (\"stage\": \"timer\")");
  if (rule.stage == Stage::Event) {
    rule.on = read_event_types(r, at + "/on");
    if (!r.at(at + "/on") || (r.at(at + "/on")->is_array() && r.at(at + "/on")->empty()))
      r.error(at + "/on", "an event rule lists the event types it reads, e.g. [\"utterance\"]");
    std::string speaker;
    if (r.at(at + "/speaker") && r.read_enum(at + "/speaker", speaker, {"customer", "agent"}))
      rule.speaker = speaker == "agent" ? Speaker::Agent : Speaker::Customer;
  }
  if (rule.stage == Stage::Timer) {
    const std::string timer = at + "/timer";
    if (!r.at(timer)) r.error(timer, "a timer rule needs {\"armed_by\", \"cancelled_by\", \"after_seconds\"}");
    else if (r.check_object(timer, {"armed_by", "cancelled_by", "after_seconds"})) {
      std::string armed;
      if (r.read_string(timer + "/armed_by", armed, true)) {
        rule.armed_by = event_type_from_name(armed);
        if (rule.armed_by == EventType::Unknown) r.error(timer + "/armed_by", "unknown event type '" + armed + "'");
      }
      rule.cancelled_by = read_event_types(r, timer + "/cancelled_by");
      double seconds = 0;
      if (!r.at(timer + "/after_seconds")) r.error(timer + "/after_seconds", "is required");
      else if (r.read_number(timer + "/after_seconds", seconds, 0.001, 7 * 86'400.0))
        rule.after_ms = static_cast<std::int64_t>(seconds * 1000.0);
    }
  }

  read_expression(r, at + "/select", RecordKind::None, intents, StaticType::Kind::List, rule.select);
  RecordKind matches_kind = rule.select && rule.select->type().is(StaticType::Kind::List) ? rule.select->type().record
                                                                                          : RecordKind::None;
  read_expression(r, at + "/when", matches_kind, intents, StaticType::Kind::Bool, rule.when);
  if (!r.at(at + "/when") && !r.at(at + "/select"))
    r.error(at + "/when", "a rule needs a condition (when) or a selection (select)");

  std::int64_t priority = rule.priority;
  r.read_int(at + "/priority", priority, 0, 100);
  rule.priority = static_cast<int>(priority);
  read_template(r, at + "/title", rule.id, matches_kind, intents, rule.title);
  read_template(r, at + "/body", "", matches_kind, intents, rule.body);
  std::string evidence = "auto";
  r.read_enum(at + "/evidence", evidence, {"auto", "matches", "event", "customer", "none"});
  rule.evidence = evidence == "matches"    ? EvidenceFrom::Matches
                  : evidence == "event"    ? EvidenceFrom::Event
                  : evidence == "customer" ? EvidenceFrom::Customer
                  : evidence == "none"     ? EvidenceFrom::None
                                           : EvidenceFrom::Auto;
  std::int64_t max = rule.max_per_interaction;
  r.read_int(at + "/max_per_interaction", max, 1, 1'000'000);
  rule.max_per_interaction = static_cast<int>(max);
  r.read_bool(at + "/once_per_arming", rule.once_per_arming);
  r.read_bool(at + "/partials", rule.partials);
  return rule;
}

void compile_file(const JsoncDocument& doc, CompiledRuleSet& set, std::set<std::string>& ids, Diagnostics& diags) {
  ConfigReader r(doc, diags);
  const nlohmann::json* list = r.at("/rules");
  if (!doc.root().is_object() || !list || !list->is_array()) {
    r.error("", "a rule file is an object with a \"rules\" list");
    return;
  }
  r.check_object("", {"rules"});
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string at = "/rules/" + std::to_string(i);
    const nlohmann::json& j = (*list)[i];
    const std::size_t before = diags.size();
    bool enabled = true;
    CompiledRule rule;
    if (!j.is_object()) r.error(at, "must be an object");
    else rule = read_rule(r, at, set.intents, enabled);
    if (!rule.id.empty() && !ids.insert(rule.id).second) r.error(at + "/id", "the id '" + rule.id + "' is used twice");
    // Every diagnostic of a rule names it.
    const std::string name = "rule " + (rule.id.empty() ? std::string("?") : rule.id) + ": ";
    for (std::size_t k = before; k < diags.size(); ++k) diags[k].message = name + diags[k].message;
    if (diags.size() == before && enabled) set.rules.push_back(std::move(rule));
  }
}

}  // namespace

std::shared_ptr<const RuleSet> compile_rule_files(const std::vector<std::string>& paths, const LanguageAnalyzer& analyzer,
                                                  Diagnostics& diags, ExpressionErrorSink on_expression_error) {
  auto set = std::make_shared<CompiledRuleSet>();
  set->analyzer = &analyzer;
  set->intents = analyzer.intent_names();
  set->on_expression_error = std::move(on_expression_error);
  std::set<std::string> ids;
  std::size_t before = diags.size();
  if (paths.empty()) diags.push_back(Diagnostic{"", 0, "/rules/files", "no rule file is configured"});
  for (const auto& path : paths) {
    auto doc = JsoncDocument::load(path, diags);
    if (doc) compile_file(*doc, *set, ids, diags);
  }
  if (diags.size() != before) return nullptr;
  std::vector<std::string> rule_ids;
  for (const auto& r : set->rules) rule_ids.push_back(r.id);
  set->ids = std::make_shared<const std::vector<std::string>>(std::move(rule_ids));
  return set;
}

}  // namespace rightmoment
