// analyze_partial (language_analyzer.hpp): hold back the last words of a partial transcript.
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
  UtteranceSignals settled = analyzer.analyze(text.substr(0, end), speaker);
  UtteranceSignals now = analyzer.analyze(text, speaker);
  for (auto& hit : now.intents)
    if (settled.has(hit.intent)) out.intents.push_back(std::move(hit));
  out.sentiment = now.sentiment;
  return out;
}

}  // namespace rightmoment
