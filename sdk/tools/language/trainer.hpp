#pragma once
// Training the learned layer (docs/language.md, "Retrain"): one fastText classifier per speaker from
// the train split (and rows derived from it), then per-intent thresholds calibrated on the dev split,
// written as a model folder the plugin loads (language.jsonc and the models it names). The test split
// is never read here. The same corpus and settings give the same bytes: one thread, a fixed seed, and
// the training lines in an order that depends on their words only.
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "plugin/language/language_analyzer.hpp"
#include "sdk/tools/language/corpus.hpp"

namespace rightmoment::language_tools {

struct TrainSettings {
  int dim = 32;
  int epoch = 5;  // one-vs-all on this corpus: more epochs saturate the scores (docs/language.md, "Settings")
  double lr = 0.5;
  int word_ngrams = 2;
  int minn = 5;
  int maxn = 5;
  int bucket = 50000;  // hashed subword and bigram rows: sized for the corpus and the host's memory
  int seed = 1;
  // Word vectors to start from (fastText's -pretrainedVectors, a .vec text file of `dim` columns):
  // the words of the corpus begin where a general English model puts them. Empty: random.
  std::string pretrained_vectors;
  // Product quantisation (.ftz) makes the file a quarter of the size, but costs half a minute per model
  // and a point or two of accuracy on dev; the plugin expands the vectors in memory either way.
  bool quantize = false;
  // Calibration: the lowest thresholds that keep every intent's precision at or above this on dev.
  double target_precision = 0.95;
  // In precision, a false alarm on a line labelled none counts this many times: half the dev split is
  // moments, but a call holds many plain utterances for each moment, so a false alarm rate that looks
  // small on the corpus is many prompts on a call.
  double plain_weight = 5.0;
};

// The labelled lines one speaker's model is trained on, as fastText reads them
// ("__label__churn_intent i want to cancel my contract"), from train rows: each row, its
// recogniser-style variant, long turns composed from it, and a positive's quote alone.
std::vector<std::string> training_lines(const std::vector<CorpusLine>& train_rows, const std::string& speaker);

// Trains both models into out_dir (customer.ftz / agent.ftz, or .bin unquantised). Returns false
// with diagnostics when the corpus has no rows for a speaker or fastText fails.
bool train_models(const std::vector<CorpusLine>& train_rows, const std::string& out_dir, const TrainSettings& settings,
                  std::ostream& log, Diagnostics& diags);

// The thresholds for each intent: with the learned layer's evidence on every dev row (and on every
// recogniser-style dev row), the pair (alone, with_pattern) with the highest recall that keeps
// precision >= target on both, false alarms on none rows weighted by plain_weight; when none does,
// the pair with the best F0.5.
std::map<std::string, IntentThreshold> calibrate(const LanguageAnalyzer& analyzer,
                                                 const std::vector<std::vector<CorpusLine>>& dev_sets,
                                                 double target_precision, double plain_weight, std::ostream& log);

// Writes out_dir/language.jsonc naming the models, the thresholds and what they were trained on.
bool write_manifest(const std::string& out_dir, const std::map<std::string, IntentThreshold>& thresholds,
                    const TrainSettings& settings, const std::map<std::string, std::size_t>& counts, Diagnostics& diags);

std::string model_file_name(const std::string& speaker, const TrainSettings& settings);

}  // namespace rightmoment::language_tools
