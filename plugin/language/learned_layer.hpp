#pragma once
// The learned layer's files (docs/language.md, "The learned layer"): a folder holding language.jsonc,
// written by `rightmoment-language train`, which names one fastText classifier per speaker and the
// per-intent thresholds calibrated on the dev split:
//   {"models": {"customer": "customer.ftz", "agent": "agent.ftz"},
//    "thresholds": {"frustration": {"alone": 0.62, "with_pattern": 0.08}, ...},
//    "trained": {...}}   // what it was trained on and with which settings, for the record
#include <map>
#include <memory>
#include <string>

#include "plugin/core/diagnostic.hpp"
#include "plugin/language/intent_classifier.hpp"
#include "plugin/language/language_analyzer.hpp"

namespace rightmoment {

struct LearnedLayer {
  std::unique_ptr<IntentClassifier> customer;
  std::unique_ptr<IntentClassifier> agent;
  std::map<std::string, IntentThreshold> thresholds;
  const IntentClassifier* for_speaker(Speaker s) const { return s == Speaker::Agent ? agent.get() : customer.get(); }
};

inline constexpr const char* kLearnedLayerManifest = "language.jsonc";

// Reads dir/language.jsonc and its models; nullptr with diagnostics (file, line, key) on any error.
std::unique_ptr<LearnedLayer> load_learned_layer(const std::string& dir, Diagnostics& diags);

}  // namespace rightmoment
