// analyze_partial (language_analyzer.hpp): a partial transcript counts for what its settled words show,
// and on patterns only: the learned layer's own moments wait for the final, since on half-said
// prefixes it is confidently wrong too often (on the dev split's partial variant it cost 10 to 20
// points of precision, at any threshold).
#include <cctype>

#include "plugin/language/language_analyzer.hpp"

namespace rightmoment {

UtteranceSignals analyze_partial(const LanguageAnalyzer& analyzer, std::string_view text, Speaker speaker) {
  // Where the words so far end, less the last kUnsettledWords of them.
  std::size_t end = text.size();
  for (std::size_t words = 0; words < kUnsettledWords; ++words) {
    while (end > 0 && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
    while (end > 0 && !std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  }
  UtteranceSignals out;
  if (end == 0) return out;
  std::string_view settled_words = text.substr(0, end);
  auto now = analyzer.evidence(text, speaker);
  if (now.empty()) {  // an analyzer without evidence: what it reports on both
    UtteranceSignals settled = analyzer.analyze(settled_words, speaker);
    for (auto& hit : analyzer.analyze(text, speaker).intents)
      if (settled.has(hit.intent)) out.intents.push_back(std::move(hit));
    return out;
  }
  auto settled = analyzer.evidence(settled_words, speaker);
  auto thresholds = analyzer.thresholds();
  for (std::size_t i = 0; i < now.size() && i < settled.size(); ++i) {
    IntentThreshold t = thresholds[now[i].intent];
    t.alone = 2.0;  // patterns only, which the learned layer may still veto
    if (intent_fires(now[i], t) && intent_fires(settled[i], t)) out.intents.push_back(std::move(now[i].hit));
  }
  return out;
}

}  // namespace rightmoment
