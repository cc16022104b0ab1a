// Rule evaluation for one event: the compiled default catalogue's live rules against an utterance
// whose detector signals are already known (the detectors' own cost is utterance_bench's), with a
// fresh ledger each time so no rule is skipped as already fired.
#include <benchmark/benchmark.h>

#include "plugin/language/language_analyzer.hpp"
#include "plugin/rules/rule_set.hpp"

namespace {

using namespace rightmoment;

struct Prepared {
  std::unique_ptr<LanguageAnalyzer> analyzer;
  std::shared_ptr<const RuleSet> rules;
  std::vector<CanonicalEvent> events;
  std::vector<UtteranceSignals> signals;
  CustomerHistory history;
  InteractionFacts facts;
  Prepared() {
    Diagnostics d;
    analyzer = load_language_analyzer(RIGHTMOMENT_SOURCE_DIR "/config/lexicons", d);
    rules = compile_rule_files({RIGHTMOMENT_SOURCE_DIR "/config/rules/default.rules.jsonc"}, *analyzer, d);
    history.customer.customer_id = "cu-1";
    history.customer.name = "Dana Reyes";
    facts.interaction_id = "c-1";
    facts.channel = "voice";
    facts.direction = "inbound";
    facts.now = 1'763'658'000'000;
    facts.history = &history;
    facts.agents_present = 1;
    const std::pair<Speaker, const char*> lines[] = {
        {Speaker::Customer, "Hi, I am calling about the charge on my last bill."},                     // fires nothing
        {Speaker::Customer, "I'm seriously looking at other broadband companies at this point."},      // churn-intent
        {Speaker::Agent, "Well, the engineer did call; you should have kept your phone on."},          // blame guardrail
        {Speaker::Agent, "Let me check what happened with that visit."},                               // fires nothing
    };
    for (const auto& [speaker, text] : lines) {
      CanonicalEvent ev;
      ev.event_id = "e" + std::to_string(events.size());
      ev.type = EventType::Utterance;
      ev.interaction_id = "c-1";
      ev.ts = facts.now;
      ev.speaker = speaker;
      ev.text = text;
      signals.push_back(analyzer->analyze(ev.text, ev.speaker));
      events.push_back(std::move(ev));
    }
  }
};
const Prepared& prepared() {
  static Prepared p;
  return p;
}

void BM_RuleEvaluationOneEvent(benchmark::State& state) {
  const auto& p = prepared();
  const std::size_t i = static_cast<std::size_t>(state.range(0));
  std::size_t fired = 0;
  for (auto _ : state) {
    RuleLedger ledger;
    EvaluationContext ctx{&p.facts, &p.events[i], &p.signals[i]};
    auto firings = p.rules->evaluate_event(ctx, ledger);
    fired += firings.size();
    benchmark::DoNotOptimize(firings);
  }
  state.counters["firings"] = static_cast<double>(fired) / static_cast<double>(state.iterations());
}
// 0: a customer line that fires nothing, 1: churn intent fires, 2: an agent's blame fires, 3: agent, nothing.
BENCHMARK(BM_RuleEvaluationOneEvent)->DenseRange(0, 3);

}  // namespace

BENCHMARK_MAIN();
