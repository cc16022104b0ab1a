#pragma once
// Language signals on one utterance: intents (frustration, churn intent, life events, public-feedback
// threats, agent legal threats, agent blame) and a sentiment estimate. Phrase lists and lexicons are
// data in config/lexicons/, compiled once at load into a multi-pattern matcher; the analyzer is
// immutable after load and safe to call from any thread.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/core/canonical_event.hpp"
#include "plugin/core/diagnostic.hpp"

namespace rightmoment {

struct IntentHit {
  std::string intent;   // "frustration", "churn_intent", "life_event", "public_feedback_threat",
                        // "legal_threat", "blame"
  std::string detail;   // e.g. the life event's type: "birthday", "new_baby", "wedding", ...; may be empty
  std::string phrase;   // the words that matched, as they appear in the utterance
};

struct UtteranceSignals {
  std::vector<IntentHit> intents;
  double sentiment = 0.0;  // the plugin's own estimate in [-1, 1]; 0 = neutral / no evidence

  bool has(std::string_view intent) const;
  const IntentHit* find(std::string_view intent) const;
};

class LanguageAnalyzer {
 public:
  virtual ~LanguageAnalyzer() = default;
  // Runs every detector that applies to this speaker.
  virtual UtteranceSignals analyze(std::string_view text, Speaker speaker) const = 0;
  // The intent names this analyzer can report (rules are checked against it at load).
  virtual std::vector<std::string> intent_names() const = 0;
};

// Loads the lexicon files (JSON with comments) under directory `lexicon_dir`; on any error returns
// nullptr and appends diagnostics naming file, line and key.
std::unique_ptr<LanguageAnalyzer> load_language_analyzer(const std::string& lexicon_dir, Diagnostics& diags);

}  // namespace rightmoment
