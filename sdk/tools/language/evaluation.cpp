#include "sdk/tools/language/evaluation.hpp"

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

namespace rightmoment::language_tools {
namespace {

std::string base_source(const std::string& source) { return source.substr(0, source.find('~')); }

bool overlaps(const std::string& text, const std::string& phrase, const std::string& quote) {
  auto p = text.find(phrase), q = text.find(quote);
  if (phrase.empty() || p == std::string::npos || q == std::string::npos) return false;
  return p < q + quote.size() && q < p + phrase.size();
}

}  // namespace

EvaluationReport evaluate(const LanguageAnalyzer& analyzer, const std::vector<CorpusLine>& rows) {
  EvaluationReport r;
  for (const auto& i : corpus_intents())
    if (i != "none") r.intents[i];
  for (std::size_t i = 0; i < rows.size();) {
    // One utterance: rows i..j-1 (partials, then the final).
    std::size_t j = i + 1;
    std::string base = base_source(rows[i].source);
    if (rows[i].source != base)
      while (j < rows.size() && base_source(rows[j].source) == base && rows[j - 1].source != base) ++j;
    const CorpusLine& final_row = rows[j - 1];
    Speaker speaker = final_row.speaker == "agent" ? Speaker::Agent : Speaker::Customer;
    std::map<std::string, IntentHit> fired;
    std::set<std::string> on_partial;
    for (std::size_t k = i; k + 1 < j; ++k) {
      ++r.partial_rows;
      for (auto& hit : analyze_partial(analyzer, rows[k].text, speaker).intents)
        if (fired.emplace(hit.intent, hit).second) on_partial.insert(hit.intent);
    }
    for (auto& hit : analyzer.analyze(final_row.text, speaker).intents) fired.emplace(hit.intent, hit);
    ++r.utterances;

    const std::string& gold = final_row.intent;
    if (gold != "none") ++r.intents[gold].gold;
    if (fired.empty()) ++r.confusions[gold]["-"];
    bool wrong = gold != "none" && !fired.count(gold);
    for (const auto& [intent, hit] : fired) {
      ++r.confusions[gold][intent];
      auto& c = r.intents[intent];
      ++c.fired;
      if (intent == gold) {
        ++c.true_positives;
        if (overlaps(final_row.text, hit.phrase, final_row.quote)) ++c.quote_overlaps;
        if (hit.detail == final_row.detail || final_row.detail == "-") ++c.detail_right;
        if (on_partial.count(intent)) ++c.before_final;
      } else {
        wrong = true;
      }
    }
    if (wrong) {
      std::string what, phrase;
      for (const auto& [intent, hit] : fired) {
        what += (what.empty() ? "" : ",") + intent;
        phrase += (phrase.empty() ? "" : " | ") + hit.phrase;
      }
      r.mistakes.push_back(Mistake{gold, what.empty() ? "-" : what, final_row.text, phrase, base});
    }
    i = j;
  }
  return r;
}

std::string format_report(const EvaluationReport& report, std::size_t mistakes) {
  std::ostringstream out;
  char line[256];
  out << report.utterances << " utterances";
  if (report.partial_rows) out << " (and " << report.partial_rows << " partial transcripts before their finals)";
  out << "\n";
  std::snprintf(line, sizeof line, "%-24s %6s %6s %6s %9s %7s %7s%s\n", "intent", "gold", "fired", "right", "precision",
                "recall", "quote", report.partial_rows ? " on-partial" : "");
  out << line;
  for (const auto& name : corpus_intents()) {
    if (name == "none") continue;
    const IntentCounts& c = report.intents.at(name);
    std::snprintf(line, sizeof line, "%-24s %6zu %6zu %6zu %9.3f %7.3f %7.3f", name.c_str(), c.gold, c.fired,
                  c.true_positives, c.precision(), c.recall(),
                  c.true_positives ? double(c.quote_overlaps) / double(c.true_positives) : 1.0);
    out << line;
    if (report.partial_rows) {
      std::snprintf(line, sizeof line, " %10.3f", c.true_positives ? double(c.before_final) / double(c.true_positives) : 0.0);
      out << line;
    }
    out << "\n";
  }
  const IntentCounts& life = report.intents.at("life_event");
  if (life.true_positives) {
    std::snprintf(line, sizeof line, "life_event detail right: %.3f\n", double(life.detail_right) / double(life.true_positives));
    out << line;
  }
  out << "confusions (labelled -> fired: utterances; '-' = nothing fired):\n";
  for (const auto& [gold, row] : report.confusions) {
    out << "  " << gold << ":";
    for (const auto& [fired, n] : row) out << " " << fired << "=" << n;
    out << "\n";
  }
  std::size_t shown = 0;
  for (const auto& m : report.mistakes) {
    if (shown++ >= mistakes) break;
    out << "  [" << m.gold << " -> " << m.fired << "] " << m.text << (m.phrase.empty() ? "" : "  {" + m.phrase + "}")
        << "  (" << m.source << ")\n";
  }
  return out.str();
}

}  // namespace rightmoment::language_tools
