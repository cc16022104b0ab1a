// Time per utterance through every detector (patterns and the learned layer) and the compiled default
// catalogue (target: < 20 us).
#include <benchmark/benchmark.h>

#include <stdexcept>

#include "plugin/language/language_analyzer.hpp"
#include "plugin/rules/rule_set.hpp"

namespace {

using namespace rightmoment;

struct Loaded {
  std::unique_ptr<LanguageAnalyzer> analyzer;
  std::shared_ptr<const RuleSet> rules;
  Loaded() {
    Diagnostics d;
    // Patterns and the learned layer, as the example configuration loads them.
    analyzer = load_language_analyzer(
        LanguageOptions{RIGHTMOMENT_SOURCE_DIR "/config/lexicons", RIGHTMOMENT_SOURCE_DIR "/config/models", {}}, d);
    if (!analyzer) throw std::runtime_error(join_diagnostics(d));
    rules = compile_rule_files({RIGHTMOMENT_SOURCE_DIR "/config/rules/default.rules.jsonc"}, *analyzer, d);
  }
};
const Loaded& loaded() {
  static Loaded l;
  return l;
}

const char* kUtterances[] = {
    "Hi, this is the third time I'm calling about the same charge on my bill.",
    "It's a forty dollar fee for a router I sent back in October, and nobody has called me back since.",
    "Honestly I'm seriously considering moving to another provider if this goes on.",
    "Perfect. It's my birthday on Sunday, so that's a nice early present.",
    "Okay, thanks, that all sounds good to me, I appreciate your help today.",
    "Before we go on, that post you wrote about us is defamatory and our legal team has seen it.",
};

void BM_AnalyzeUtterance(benchmark::State& state) {
  const auto& l = loaded();
  std::size_t i = 0;
  for (auto _ : state) {
    auto s = l.analyzer->analyze(kUtterances[i++ % 6], Speaker::Customer);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_AnalyzeUtterance);

void BM_UtteranceThroughDetectorsAndRules(benchmark::State& state) {
  const auto& l = loaded();
  CustomerHistory h;
  h.customer.customer_id = "cu-1";
  h.customer.name = "Dana Reyes";
  InteractionFacts facts;
  facts.interaction_id = "c-1";
  facts.now = 1'763'658'000'000;
  facts.history = &h;
  CanonicalEvent ev;
  ev.event_id = "e3";
  ev.type = EventType::Utterance;
  ev.interaction_id = "c-1";
  ev.ts = facts.now;
  std::size_t i = 0;
  for (auto _ : state) {
    ev.text = kUtterances[i % 6];
    ev.speaker = i % 2 ? Speaker::Agent : Speaker::Customer;
    ++i;
    auto signals = l.analyzer->analyze(ev.text, ev.speaker);
    RuleLedger ledger;  // a fresh interaction each time: every rule is evaluated, none is skipped as fired
    EvaluationContext ctx{&facts, &ev, &signals};
    auto firings = l.rules->evaluate_event(ctx, ledger);
    benchmark::DoNotOptimize(firings);
  }
}
BENCHMARK(BM_UtteranceThroughDetectorsAndRules);

}  // namespace

BENCHMARK_MAIN();
