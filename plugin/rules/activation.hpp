#pragma once
// What the expressions of one evaluation read: one event (or timer, or the history stage) and every
// rule it concerns. As in CEL-cpp's activation, the facts that must be derived (the history's lists,
// the utterance's intents by index) are derived on first use and at most once per evaluation, and not
// at all when no rule reads them. Short-lived and used by one thread.
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "plugin/rules/rule_set.hpp"
#include "plugin/rules/value.hpp"

namespace rightmoment::rules {

class Activation {
 public:
  // intent_names: the analyzer's intent_names(), the index space intent functions were compiled to.
  Activation(const EvaluationContext& ctx, const LanguageAnalyzer* analyzer, const std::vector<std::string>& intent_names)
      : ctx_(ctx), analyzer_(analyzer), intent_names_(intent_names) {}

  const EvaluationContext& context() const { return ctx_; }
  const LanguageAnalyzer* analyzer() const { return analyzer_; }

  // The caller's contacts, feedback or cases as a list of records, newest first (empty when unknown).
  const Value& history_list(RecordKind kind);
  // The utterance's hit of the intent at this index, or null.
  const IntentHit* intent(std::size_t index);

 private:
  const EvaluationContext& ctx_;
  const LanguageAnalyzer* analyzer_;
  const std::vector<std::string>& intent_names_;
  std::array<std::optional<Value>, 3> lists_;              // contacts, feedback, cases
  std::optional<std::vector<const IntentHit*>> hits_;      // by intent index
};

}  // namespace rightmoment::rules
