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

    // Counted over every intent the line shows: its own and those it also shows. The labelled quote
    // and detail are its own intent's.
    const std::string& gold = final_row.intent;
    bool wrong = false;  // a miss or a false alarm
    for (auto& [intent, c] : r.intents)
      if (final_row.shows(intent)) {
        ++c.gold;
        if (!fired.count(intent)) wrong = true;
      }
    if (fired.empty()) ++r.confusions[gold]["-"];
    for (const auto& [intent, hit] : fired) {
      ++r.confusions[gold][intent];
      auto& c = r.intents[intent];
      ++c.fired;
      if (final_row.shows(intent)) {
        ++c.true_positives;
        if (on_partial.count(intent)) ++c.before_final;
        if (intent != gold) continue;
        ++c.own_true_positives;
        if (overlaps(final_row.text, hit.phrase, final_row.quote)) ++c.quote_overlaps;
        if (hit.detail == final_row.detail || final_row.detail == "-") ++c.detail_right;
      } else {
        wrong = true;
      }
    }
    if (wrong) {
      std::string what, phrase, shown = gold;
      for (const auto& a : final_row.also) shown += "+" + a;
      for (const auto& [intent, hit] : fired) {
        what += (what.empty() ? "" : ",") + intent;
        phrase += (phrase.empty() ? "" : " | ") + hit.phrase;
      }
      r.mistakes.push_back(Mistake{shown, what.empty() ? "-" : what, final_row.text, phrase, base});
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
                  c.own_true_positives ? double(c.quote_overlaps) / double(c.own_true_positives) : 1.0);
    out << line;
    if (report.partial_rows) {
      std::snprintf(line, sizeof line, " %10.3f", c.true_positives ? double(c.before_final) / double(c.true_positives) : 0.0);
      out << line;
    }
    out << "\n";
  }
  const IntentCounts& life = report.intents.at("life_event");
  if (life.own_true_positives) {
    std::snprintf(line, sizeof line, "life_event detail right: %.3f\n", double(life.detail_right) / double(life.own_true_positives));
    out << line;
  }
  out << "confusions (labelled intent -> fired: utterances; '-' = nothing fired; a line's also intents are right too):\n";
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
