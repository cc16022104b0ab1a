#pragma once
// Rows derived deterministically from corpus rows (docs/language.md, "Variants"). Each derived row keeps
// its source's intent, speaker, detail and category, names its source, and so inherits its split. The
// same input always gives the same output: every random choice comes from a generator seeded by the
// source line's own text.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sdk/tools/language/corpus.hpp"

namespace rightmoment::language_tools {

// The line as a speech recogniser writes it: lower case, no punctuation or apostrophes, numbers as
// words, with fillers ("um", "you know"), a restart ("i want to i want to cancel") and a word said
// twice where the line's generator says so. The quote is the same words, still a substring.
CorpusLine recogniser_style(const CorpusLine& line);

// An utterance as a streaming recogniser sends it: growing prefixes (one to three words longer each
// time), the last one the whole line. Every prefix but the last has quote "-" and source
// "<source>~<n>"; the last is the line itself with its own source.
std::vector<CorpusLine> partial_transcripts(const CorpusLine& line);

// Long turns for training: each positive and each hard negative of `rows` with one to three plain
// lines of the same speaker (category "neutral", intent none) of `rows` around it, in an order and
// number its generator chooses. The label and quote are the source line's; the source names all parts.
std::vector<CorpusLine> composed_long_turns(const std::vector<CorpusLine>& rows);

// A 64-bit generator (splitmix64) seeded from text, for the choices above.
class LineRandom {
 public:
  explicit LineRandom(std::string_view seed_text, std::uint64_t salt = 0);
  std::uint64_t next();
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }
  bool chance(int percent) { return below(100) < static_cast<std::size_t>(percent); }

 private:
  std::uint64_t state_;
};

}  // namespace rightmoment::language_tools
