#pragma once
// Scores a language analyzer on labelled rows (docs/language.md, "Measured"): per intent precision,
// recall and what fired instead, the share of prompts whose quoted words overlap the labelled quote,
// and for a partial-transcript variant, how often a moment fired before the final.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "plugin/language/language_analyzer.hpp"
#include "sdk/tools/language/corpus.hpp"

namespace rightmoment::language_tools {

// A firing is right when the line shows the intent: as its own intent or one it also shows (`also`).
struct IntentCounts {
  std::size_t gold = 0;   // utterances that show the intent (their own intent, or in also)
  std::size_t fired = 0;  // utterances it fired on
  std::size_t true_positives = 0;
  std::size_t own_true_positives = 0;  // true positives on lines whose own intent it is (those have a quote)
  std::size_t quote_overlaps = 0;   // of those, the ones whose quoted words overlap the labelled quote
  std::size_t detail_right = 0;     // of those, the ones with the labelled detail (life events)
  std::size_t before_final = 0;     // true positives that fired on a partial (partial variants)
  double precision() const { return fired ? double(true_positives) / double(fired) : 1.0; }
  double recall() const { return gold ? double(true_positives) / double(gold) : 1.0; }
};

struct Mistake {
  std::string gold;   // the labelled intent (or none), then "+" and each intent it also shows
  std::string fired;  // what fired ("-" when nothing did)
  std::string text;
  std::string phrase;  // what the analyzer quoted
  std::string source;
};

struct EvaluationReport {
  std::size_t utterances = 0;
  std::size_t partial_rows = 0;  // non-final prefixes read (partial variants)
  std::map<std::string, IntentCounts> intents;  // the six live intents
  // gold intent (or "none") -> fired intent (or "-" for nothing) -> utterances
  std::map<std::string, std::map<std::string, std::size_t>> confusions;
  std::vector<Mistake> mistakes;
};

// Every row is one utterance, except in a partial variant, where the rows of one source ("x~1", "x~2",
// ..., "x") are one utterance's partials and final, read as the engine reads them: an intent fires on
// the first partial that shows it (analyze_partial) or on the final, once.
EvaluationReport evaluate(const LanguageAnalyzer& analyzer, const std::vector<CorpusLine>& rows);

// The report as a table, the confusions, and up to `mistakes` of the mistakes.
std::string format_report(const EvaluationReport& report, std::size_t mistakes);

}  // namespace rightmoment::language_tools
