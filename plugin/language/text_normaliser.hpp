#pragma once
// Turns an utterance into normalised tokens: lower case, curly quotes straightened, contractions
// expanded ("I'm" -> "i am", "won't" -> "will not"), possessive "'s" kept as its own token, digits
// and ordinals kept ("3rd"), punctuation turned into clause boundaries. Each token remembers where it
// came from in the original text, so a match can quote the words as they were said.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rightmoment {

struct Token {
  std::string text;         // normalised
  std::size_t begin = 0;    // byte span in the original text
  std::size_t end = 0;
  int clause = 0;           // clauses split at . ! ? ; : and "but"
  bool question = false;    // the clause ends with '?'
  bool comma_before = false;  // a comma (or bracket, or quote) stands between this token and the previous one
};

std::vector<Token> normalise_text(std::string_view text);

}  // namespace rightmoment
