#pragma once
// Language signals on one utterance: intents (frustration, churn intent, life events, public-feedback
// threats, agent legal threats, agent blame) and a sentiment estimate. Two layers read each utterance:
// phrase patterns (config/lexicons/, compiled once at load into a multi-pattern matcher) and a learned
// classifier (config/models/, fastText), behind the same speaker and scope rules (docs/language.md).
// The analyzer is immutable after load and safe to call from any thread.
#include <cstddef>
#include <map>
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

// What each layer said about one intent on one utterance, before the decision (calibration and eval).
struct IntentEvidence {
  std::string intent;
  bool pattern = false;  // a pattern found it, within its scope (negation, hypotheticals, other senses)
  double score = -1;     // the learned layer's probability for it, on the best clause or the whole turn;
                         // -1 without a learned layer
  // An exclude pattern of the intent (another sense of the words) overlaps the learned layer's best
  // clause, or a blocker of the intent (a bereavement for a life event) is in the utterance: the
  // learned layer does not fire on its own.
  bool excluded = false;
  std::size_t clause_begin = 0, clause_end = 0;  // the learned layer's best clause, in normalised tokens
  IntentHit hit;         // what is reported if it fires: the detail and the words that carried it
};

// When an intent fires: on a pattern that the learned layer does not contradict (score >= with_pattern),
// or on the learned layer alone (score >= alone) where no exclude or blocker of the lexicons speaks
// against it. Calibrated on the dev split (docs/language.md).
struct IntentThreshold {
  double alone = 0.5;
  double with_pattern = 0.0;
};
bool intent_fires(const IntentEvidence& evidence, const IntentThreshold& threshold);

class LanguageAnalyzer {
 public:
  virtual ~LanguageAnalyzer() = default;
  // Runs every detector that applies to this speaker.
  virtual UtteranceSignals analyze(std::string_view text, Speaker speaker) const = 0;
  // The intent names this analyzer can report (rules are checked against it at load).
  virtual std::vector<std::string> intent_names() const = 0;
  // Each layer's view of every intent this speaker can show (empty when not supported).
  virtual std::vector<IntentEvidence> evidence(std::string_view /*text*/, Speaker /*speaker*/) const { return {}; }
  // The thresholds analyze() applies, by intent.
  virtual std::map<std::string, IntentThreshold> thresholds() const { return {}; }
  // Whether a learned layer (docs/language.md) reads beside the patterns.
  virtual bool has_learned_layer() const { return false; }
};

struct LanguageOptions {
  std::string lexicon_dir;  // the lexicon files (config/lexicons)
  // The learned layer: a folder with language.jsonc and the models it names (config/models); empty =
  // patterns only.
  std::string model_dir;
  // Per intent, the learned layer's threshold on its own, instead of the calibrated one of language.jsonc.
  std::map<std::string, double> thresholds;
};

// A partial transcript (a recogniser's words so far, not yet final): the intents its next words can no
// longer undo. An intent counts when a pattern finds it both on the words so far and on them without
// the last kUnsettledWords words (and the learned layer does not veto it), so "i want to cancel" does
// not fire before "the appointment" could follow, but fires as soon as two more words have kept it
// ("i want to cancel my contract"). What the learned layer finds on its own waits for the final. The
// engine fires a moment on the first partial that shows it and never again on the final (docs/language.md).
constexpr std::size_t kUnsettledWords = 2;
UtteranceSignals analyze_partial(const LanguageAnalyzer& analyzer, std::string_view text, Speaker speaker);

// Loads the lexicon files (JSON with comments) under directory `lexicon_dir`, and the learned layer
// when options name one; on any error returns nullptr and appends diagnostics naming file, line and key.
std::unique_ptr<LanguageAnalyzer> load_language_analyzer(const LanguageOptions& options, Diagnostics& diags);
// Patterns only.
std::unique_ptr<LanguageAnalyzer> load_language_analyzer(const std::string& lexicon_dir, Diagnostics& diags);

}  // namespace rightmoment
