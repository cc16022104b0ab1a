#pragma once
// The labelled language corpus of config/language/corpus/ (docs/language.md, "The corpus"): one TSV
// file per writer's area, a header line naming the tab-separated columns
//   intent  speaker  detail  category  text  quote  also
// `also` (optional: older files have the first six) lists the other intents the line shows too,
// comma-separated, or `-`. Files this tool derives from it (split files, recogniser-style and partial
// variants, composed long turns) add a column `source`: the file:line of the corpus line each row came
// from, so that every derived row can be traced to, and inherits the split of, its origin. In a partial
// variant the consecutive rows of one source are one utterance's growing prefixes, the last its final.
// The header says which column is which; a file without one has the corpus's columns in this order.
#include <string>
#include <string_view>
#include <vector>

#include "plugin/core/diagnostic.hpp"

namespace rightmoment::language_tools {

struct CorpusLine {
  std::string intent;    // frustration | churn_intent | life_event | public_feedback_threat | legal_threat | blame | none
  std::string speaker;   // customer | agent
  std::string detail;    // a life event's type, else "-"
  std::string category;  // what the line exercises (direct, idiom, ..., negation, neutral)
  std::string text;
  std::string quote;     // the words that carry the intent (a substring of text); "-" for none
  std::string source;    // "file.tsv:line" of the corpus line this row is, or came from
  std::vector<std::string> also;  // the other live intents the line shows too (never `intent`, never "none")

  // Whether the line shows this intent: its own, or one of `also`.
  bool shows(std::string_view i) const;
};

// The corpus's closed vocabularies (corpus-spec).
const std::vector<std::string>& corpus_intents();      // the six live intents, then "none"
const std::vector<std::string>& customer_intents();    // frustration, churn_intent, life_event, public_feedback_threat
const std::vector<std::string>& agent_intents();       // legal_threat, blame
const std::vector<std::string>& life_event_details();  // birthday, wedding, ...
bool is_customer_intent(std::string_view intent);

// Reads one corpus or derived TSV file. A header that lacks a column or names an unknown one, a row
// with the wrong number of fields, a value outside the vocabularies, an intent (or an `also` intent)
// said by the wrong speaker, or a quote that is not a substring of the text is a diagnostic naming
// file and line; such rows are left out and the rest is returned.
std::vector<CorpusLine> read_corpus_file(const std::string& path, Diagnostics& diags);
// Reads every file in order (folders: their *.tsv files, sorted by name).
std::vector<CorpusLine> read_corpus(const std::vector<std::string>& paths, Diagnostics& diags);

// Writes rows with the eight-column header (the corpus's seven, then source); returns false (with a diagnostic) when it cannot write.
bool write_corpus_file(const std::string& path, const std::vector<CorpusLine>& rows, Diagnostics& diags);

}  // namespace rightmoment::language_tools
