// Rule files (JSON with comments) compiled into an immutable RuleSet; see docs/rules.md.
#include <atomic>
#include <map>
#include <set>
#include <unordered_map>

#include "plugin/core/jsonc_document.hpp"
#include "plugin/core/text_limits.hpp"
#include "plugin/rules/expression.hpp"
#include "plugin/rules/rule_set.hpp"

namespace rightmoment {

// How often each rule fired in one interaction, and which timer armings already fired.
struct RuleLedger::State {
  std::unordered_map<std::string, int> fired;
  std::set<std::pair<std::string, std::string>> fired_for;  // (rule id, arming event id)
};

RuleLedger::RuleLedger() : state_(std::make_unique<State>()) {}
RuleLedger::~RuleLedger() = default;
RuleLedger::RuleLedger(RuleLedger&&) noexcept = default;
RuleLedger& RuleLedger::operator=(RuleLedger&&) noexcept = default;

namespace {

using rules::Activation;
using rules::Expression;
using rules::RecordKind;
using rules::Value;

enum class Stage { History, Event, Timer };

// "Hello {{ first_name(customer) }}": literal text and expressions in turn.
struct Template {
  struct Part {
    std::string text;
    std::optional<Expression> expr;
  };
  std::vector<Part> parts;

  std::string render(const Activation& a, bool& failed) const {
    std::string out;
    for (const auto& p : parts) {
      if (!p.expr) {
        out += p.text;
        continue;
      }
      Value v = p.expr->evaluate(a);
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
  std::set<EventType> on;               // Event stage: which event types
  std::optional<std::string> speaker;   // Event stage: only this speaker's utterances
  EventType armed_by = EventType::HoldStarted;
  std::set<EventType> cancelled_by;
  std::int64_t after_ms = 0;
  std::optional<Expression> select;
  std::optional<Expression> when;
  int priority = 50;
  Template title;
  Template body;
  std::string evidence = "auto";  // auto | matches | event | customer | none
  int max_per_interaction = 1;
  bool once_per_arming = false;
  bool partials = true;
  std::string file;
  int line = 0;
};

class CompiledRuleSet final : public RuleSet {
 public:
  std::vector<CompiledRule> rules;
  const LanguageAnalyzer* analyzer = nullptr;
  std::shared_ptr<const LanguageAnalyzer> analyzer_keepalive;
  mutable std::atomic<std::uint64_t> expression_errors{0};

  std::vector<Firing> evaluate_history(const EvaluationContext& ctx, RuleLedger& ledger) const override {
    std::vector<Firing> out;
    for (const auto& r : rules)
      if (r.stage == Stage::History) try_fire(r, ctx, ledger, "", out);
    return out;
  }

  std::vector<Firing> evaluate_event(const EvaluationContext& ctx, RuleLedger& ledger) const override {
    std::vector<Firing> out;
    if (!ctx.event) return out;
    for (const auto& r : rules) {
      if (r.stage != Stage::Event || !r.on.count(ctx.event->type)) continue;
      if (ctx.event->type == EventType::Utterance) {
        if (r.speaker && *r.speaker != (ctx.event->speaker == Speaker::Agent ? "agent" : "customer")) continue;
        // A partial and its final must never fire the same rule twice: only once-only rules read partials.
        if (!ctx.event->final && (!r.partials || r.max_per_interaction != 1)) continue;
      }
      try_fire(r, ctx, ledger, "", out);
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
    return rule_index < rules.size() && rules[rule_index].cancelled_by.count(event.type) > 0;
  }

  std::optional<Firing> evaluate_timer(std::size_t rule_index, const EvaluationContext& ctx, RuleLedger& ledger) const override {
    if (rule_index >= rules.size() || rules[rule_index].stage != Stage::Timer) return std::nullopt;
    std::vector<Firing> out;
    try_fire(rules[rule_index], ctx, ledger, ctx.event ? ctx.event->event_id : "", out);
    if (out.empty()) return std::nullopt;
    return std::move(out.front());
  }

  std::size_t size() const override { return rules.size(); }
  std::vector<std::string> rule_ids() const override {
    std::vector<std::string> ids;
    for (const auto& r : rules) ids.push_back(r.id);
    return ids;
  }

 private:
  void try_fire(const CompiledRule& r, const EvaluationContext& ctx, RuleLedger& ledger, const std::string& arming,
                std::vector<Firing>& out) const {
    RuleLedger::State& st = ledger.state();
    auto fired = st.fired.find(r.id);
    int count = fired == st.fired.end() ? 0 : fired->second;
    if (count >= r.max_per_interaction) return;
    if (r.once_per_arming && st.fired_for.count({r.id, arming})) return;

    Activation a{&ctx, analyzer, Value::null()};
    if (r.select) {
      a.matches = r.select->evaluate(a);
      if (a.matches.is_error()) {
        ++expression_errors;
        return;
      }
    }
    bool fire;
    if (r.when) {
      Value w = r.when->evaluate(a);
      if (w.is_error()) {
        ++expression_errors;  // fails closed
        return;
      }
      fire = w.truthy();
    } else {
      fire = a.matches.type == Value::Type::List && !a.matches.list->empty();
    }
    if (!fire) return;

    Firing firing;
    firing.rule_id = r.id;
    firing.kind = r.kind;
    firing.priority = r.priority;
    bool failed = false;
    firing.title = truncate_text(r.title.render(a, failed), 80);
    firing.body = truncate_text(r.body.render(a, failed), 400);
    if (failed) {
      // A placeholder that cannot be filled would show the agent a broken sentence: fail closed.
      ++expression_errors;
      return;
    }
    std::string evidence = r.evidence;
    if (evidence == "auto") evidence = r.select ? "matches" : (ctx.event ? "event" : "customer");
    if (evidence == "matches" && a.matches.type == Value::Type::List) {
      for (const auto& m : *a.matches.list) {
        if (m.type != Value::Type::Record) continue;
        firing.evidence.push_back(Evidence{rules::record_kind_name(m.record.kind), rules::record_ref_id(m.record),
                                           truncate_text(rules::describe_record(m.record), 400)});
        if (firing.evidence.size() >= 5) break;
      }
    } else if (evidence == "event" && ctx.event) {
      std::string text = rules::describe_record(rules::RecordRef{RecordKind::Event, ctx.event});
      if (ctx.signals) {
        for (const auto& hit : ctx.signals->intents)
          if (!hit.phrase.empty() && ctx.event->type == EventType::Utterance) text += " [" + hit.intent + ": \"" + hit.phrase + "\"]";
      }
      if (ctx.event->sentiment) text += " [platform sentiment " + rules::value_to_text(Value::number(*ctx.event->sentiment)) + "]";
      firing.evidence.push_back(Evidence{ctx.event->type == EventType::Utterance ? "utterance" : "event",
                                         ctx.event->event_id, truncate_text(text, 400)});
    } else if (evidence == "customer" && ctx.interaction->history) {
      const auto& c = ctx.interaction->history->customer;
      firing.evidence.push_back(Evidence{"customer", c.customer_id,
                                         rules::describe_record(rules::RecordRef{RecordKind::Customer, &c})});
    }
    st.fired[r.id] = count + 1;
    if (r.once_per_arming) st.fired_for.insert({r.id, arming});
    out.push_back(std::move(firing));
  }
};

std::optional<EventType> event_type_of(const std::string& name) {
  EventType t = event_type_from_name(name);
  if (t == EventType::Unknown) return std::nullopt;
  return t;
}

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

void compile_file(const JsoncDocument& doc, const std::vector<std::string>& intents, CompiledRuleSet& set,
                  std::set<std::string>& ids, Diagnostics& diags) {
  const auto& root = doc.root();
  if (!root.is_object() || !root.contains("rules") || !root["rules"].is_array()) {
    diags.push_back(doc.error("", "a rule file is an object with a \"rules\" list"));
    return;
  }
  static const std::set<std::string> known{"id", "kind", "enabled", "description", "stage", "on", "speaker", "timer",
                                           "select", "when", "priority", "title", "body", "evidence",
                                           "max_per_interaction", "once_per_arming", "partials"};
  const auto& list = root["rules"];
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string at = "/rules/" + std::to_string(i);
    const auto& j = list[i];
    std::size_t before = diags.size();
    auto err = [&](const std::string& key, const std::string& msg) {
      std::string rule = j.is_object() && j.contains("id") && j["id"].is_string() ? j["id"].get<std::string>() : "?";
      diags.push_back(doc.error(at + (key.empty() ? "" : "/" + key), "rule '" + rule + "': " + msg));
    };
    if (!j.is_object()) {
      err("", "must be an object");
      continue;
    }
    for (const auto& [k, v] : j.items())
      if (!known.count(k)) err(k, "unknown key");
    CompiledRule r;
    r.file = doc.file();
    r.line = doc.line_of(at);
    auto str = [&](const char* key, std::string def) -> std::string {
      if (!j.contains(key)) return def;
      if (!j[key].is_string()) {
        err(key, "must be a string");
        return def;
      }
      return j[key].get<std::string>();
    };
    r.id = str("id", "");
    if (r.id.empty()) err("id", "is required");
    if (!r.id.empty() && !ids.insert(r.id).second) err("id", "the id '" + r.id + "' is used twice");
    if (j.contains("enabled") && !j["enabled"].is_boolean()) err("enabled", "must be true or false");
    bool enabled = j.value("enabled", true);
    std::string kind = str("kind", "opportunity");
    if (kind == "opportunity") r.kind = PromptKind::Opportunity;
    else if (kind == "guardrail") r.kind = PromptKind::Guardrail;
    else err("kind", "must be opportunity or guardrail");
    std::string stage = str("stage", "history");
    if (stage == "history") r.stage = Stage::History;
    else if (stage == "event") r.stage = Stage::Event;
    else if (stage == "timer") r.stage = Stage::Timer;
    else err("stage", "must be history, event or timer");
    if (r.stage == Stage::Event) {
      if (!j.contains("on") || !j["on"].is_array() || j["on"].empty()) err("on", "an event rule lists the event types it reads, e.g. [\"utterance\"]");
      else
        for (const auto& t : j["on"]) {
          auto et = t.is_string() ? event_type_of(t.get<std::string>()) : std::nullopt;
          if (!et) err("on", "unknown event type " + t.dump());
          else r.on.insert(*et);
        }
      if (j.contains("speaker")) {
        std::string s = str("speaker", "");
        if (s != "customer" && s != "agent") err("speaker", "must be customer or agent");
        else r.speaker = s;
      }
    }
    if (r.stage == Stage::Timer) {
      if (!j.contains("timer") || !j["timer"].is_object()) {
        err("timer", "a timer rule needs {\"armed_by\", \"cancelled_by\", \"after_seconds\"}");
      } else {
        const auto& t = j["timer"];
        auto armed = t.contains("armed_by") && t["armed_by"].is_string() ? event_type_of(t["armed_by"].get<std::string>()) : std::nullopt;
        if (!armed) err("timer", "armed_by must be an event type");
        else r.armed_by = *armed;
        if (t.contains("cancelled_by") && t["cancelled_by"].is_array())
          for (const auto& c : t["cancelled_by"]) {
            auto et = c.is_string() ? event_type_of(c.get<std::string>()) : std::nullopt;
            if (!et) err("timer", "unknown event type in cancelled_by: " + c.dump());
            else r.cancelled_by.insert(*et);
          }
        if (!t.contains("after_seconds") || !t["after_seconds"].is_number() || t["after_seconds"].get<double>() <= 0)
          err("timer", "after_seconds must be a positive number");
        else r.after_ms = static_cast<std::int64_t>(t["after_seconds"].get<double>() * 1000.0);
      }
    }
    std::string error;
    RecordKind matches_kind = RecordKind::None;
    if (j.contains("select")) {
      r.select = Expression::compile(str("select", ""), RecordKind::None, intents, error);
      if (!r.select) err("select", error);
      else matches_kind = r.select->list_kind();
    }
    if (j.contains("when")) {
      r.when = Expression::compile(str("when", ""), matches_kind, intents, error);
      if (!r.when) err("when", error);
    } else if (!j.contains("select")) {
      err("when", "a rule needs a condition (when) or a selection (select)");
    }
    if (j.contains("priority")) {
      if (!j["priority"].is_number_integer() || j["priority"].get<int>() < 0 || j["priority"].get<int>() > 100)
        err("priority", "must be a whole number from 0 to 100");
      else r.priority = j["priority"].get<int>();
    }
    auto tmpl = compile_template(str("title", r.id), matches_kind, intents, error);
    if (!tmpl) err("title", error);
    else r.title = std::move(*tmpl);
    tmpl = compile_template(str("body", ""), matches_kind, intents, error);
    if (!tmpl) err("body", error);
    else r.body = std::move(*tmpl);
    r.evidence = str("evidence", "auto");
    if (r.evidence != "auto" && r.evidence != "matches" && r.evidence != "event" && r.evidence != "customer" && r.evidence != "none")
      err("evidence", "must be auto, matches, event, customer or none");
    if (j.contains("max_per_interaction")) {
      if (!j["max_per_interaction"].is_number_integer() || j["max_per_interaction"].get<int>() < 1)
        err("max_per_interaction", "must be a whole number of at least 1");
      else r.max_per_interaction = j["max_per_interaction"].get<int>();
    }
    if (j.contains("once_per_arming")) r.once_per_arming = j["once_per_arming"].is_boolean() && j["once_per_arming"].get<bool>();
    if (j.contains("partials")) r.partials = j["partials"].is_boolean() && j["partials"].get<bool>();
    if (diags.size() == before && enabled) set.rules.push_back(std::move(r));
  }
}

}  // namespace

std::shared_ptr<const RuleSet> compile_rule_files(const std::vector<std::string>& paths, const LanguageAnalyzer& analyzer,
                                                  Diagnostics& diags) {
  auto set = std::make_shared<CompiledRuleSet>();
  set->analyzer = &analyzer;
  std::vector<std::string> intents = analyzer.intent_names();
  std::set<std::string> ids;
  std::size_t before = diags.size();
  if (paths.empty()) diags.push_back(Diagnostic{"", 0, "/rules/files", "no rule file is configured"});
  for (const auto& path : paths) {
    auto doc = JsoncDocument::load(path, diags);
    if (doc) compile_file(*doc, intents, *set, ids, diags);
  }
  if (diags.size() != before) return nullptr;
  return set;
}

}  // namespace rightmoment
