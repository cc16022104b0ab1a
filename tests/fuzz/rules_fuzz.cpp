// Any bytes as a rule file, compiled against the real lexicons: a rule set or diagnostics, never a
// crash. When it compiles, one history and one utterance evaluation must not crash either.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "plugin/language/language_analyzer.hpp"
#include "plugin/rules/rule_set.hpp"

namespace {
const rightmoment::LanguageAnalyzer& analyzer() {
  static std::unique_ptr<rightmoment::LanguageAnalyzer> a = [] {
    rightmoment::Diagnostics diags;
    return rightmoment::load_language_analyzer(RIGHTMOMENT_SOURCE_DIR "/config/lexicons", diags);
  }();
  return *a;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/rightmoment_rules_fuzz_" + std::to_string(::getpid()) + ".jsonc";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  rightmoment::Diagnostics diags;
  auto rules = rightmoment::compile_rule_files({path}, analyzer(), diags);
  if (rules) {
    rightmoment::CustomerHistory history;
    history.customer.customer_id = "cu-1";
    history.customer.name = "Dana Reyes";
    rightmoment::InteractionFacts facts;
    facts.interaction_id = "c-1";
    facts.now = 1'763'800'000'000;
    facts.history = &history;
    rightmoment::CanonicalEvent ev;
    ev.event_id = "e1";
    ev.type = rightmoment::EventType::Utterance;
    ev.interaction_id = "c-1";
    ev.ts = facts.now;
    ev.text = "this is the third time I'm calling";
    auto signals = analyzer().analyze(ev.text, ev.speaker);
    rightmoment::RuleLedger ledger;
    rightmoment::EvaluationContext ctx{&facts, &ev, &signals};
    rules->evaluate_history(ctx, ledger);
    rules->evaluate_event(ctx, ledger);
  }
  return 0;
}
