#pragma once
// The rule catalogue, compiled once at load, evaluated many times. Rules are data (config/rules/);
// C++ supplies the facts, signals and primitive functions. A compiled RuleSet is immutable and
// shared (std::shared_ptr<const RuleSet>); a reload compiles a new one and swaps it in, and any
// error keeps the old one running.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plugin/core/canonical_event.hpp"
#include "plugin/core/diagnostic.hpp"
#include "plugin/core/history_types.hpp"
#include "plugin/core/prompt.hpp"
#include "plugin/language/language_analyzer.hpp"

namespace rightmoment {

// What rules may read about the interaction, at the time of evaluation.
struct InteractionFacts {
  std::string interaction_id;
  std::string channel;    // may be empty (unknown)
  std::string direction;
  std::string queue;
  EventTimeMs now = 0;    // event time of this evaluation ("age" is measured from here)
  const CustomerHistory* history = nullptr;  // null: unknown, ambiguous or unavailable caller
  bool history_unavailable = false;          // the store was down or too slow
  int agents_present = 0;
  int hold_count = 0;                          // holds started so far
  std::optional<EventTimeMs> hold_started_at;  // the hold in progress, if any
  std::optional<double> customer_sentiment;    // running average of the customer's utterances
  int customer_utterances = 0;
};

struct EvaluationContext {
  const InteractionFacts* interaction = nullptr;
  const CanonicalEvent* event = nullptr;      // the event being processed (null at the history stage)
  const UtteranceSignals* signals = nullptr;  // for utterances
};

struct Firing {
  std::string rule_id;
  PromptKind kind = PromptKind::Opportunity;
  int priority = 50;  // 0..100
  std::string title;  // <= 80 chars, filled
  std::string body;   // <= 400 chars, filled
  std::vector<Evidence> evidence;
};

// Per-interaction firing state (how often each rule fired, per-hold keys); owned by the interaction.
class RuleLedger {
 public:
  RuleLedger();
  ~RuleLedger();
  RuleLedger(RuleLedger&&) noexcept;
  RuleLedger& operator=(RuleLedger&&) noexcept;
  struct State;
  State& state() { return *state_; }

 private:
  std::unique_ptr<State> state_;
};

// A timer a rule asks for: armed by an event, fires after delay_ms of event time unless cancelled.
struct TimerRequest {
  std::size_t rule_index;
  std::int64_t delay_ms;
};

class RuleSet {
 public:
  virtual ~RuleSet() = default;

  // History rules: evaluated once, when the first agent joins (ctx.event is that event).
  virtual std::vector<Firing> evaluate_history(const EvaluationContext& ctx, RuleLedger& ledger) const = 0;
  // Live rules triggered by this event (utterances, holds, transfers, ...).
  virtual std::vector<Firing> evaluate_event(const EvaluationContext& ctx, RuleLedger& ledger) const = 0;

  // Timers this event arms (e.g. hold.started arms long-hold).
  virtual std::vector<TimerRequest> timers_armed_by(const CanonicalEvent& event) const = 0;
  // Whether this event cancels an armed timer of that rule (hold.ended, interaction.ended, ...).
  virtual bool timer_cancelled_by(std::size_t rule_index, const CanonicalEvent& event) const = 0;
  // The timer of rule_index fired; ctx.event is the event that armed it; ctx.interaction->now is the deadline.
  virtual std::optional<Firing> evaluate_timer(std::size_t rule_index, const EvaluationContext& ctx,
                                               RuleLedger& ledger) const = 0;

  virtual std::size_t size() const = 0;
  virtual std::vector<std::string> rule_ids() const = 0;
};

// Told the id of a rule whose expression failed at run time (the rule failed closed, the others went
// on); called on the evaluating thread. The plugin counts these as metrics.expression_errors.
using ExpressionErrorSink = std::function<void(const std::string& rule_id)>;

// Compiles every rule file; any error rejects the whole set (nullptr) with diagnostics naming file,
// line and rule. `analyzer` lists the intents rules may name.
std::shared_ptr<const RuleSet> compile_rule_files(const std::vector<std::string>& paths,
                                                  const LanguageAnalyzer& analyzer, Diagnostics& diags,
                                                  ExpressionErrorSink on_expression_error = {});

}  // namespace rightmoment
