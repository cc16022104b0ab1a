#pragma once
// A compiled multi-pattern matcher over normalised tokens. Patterns are token sequences written in
// the lexicon files:
//   word          that word                      a|b|c       any of these words
//   {slot}        any word of a named slot       word?       optional
//   *             any one word                   ...         zero to three words (same clause)
// At load every word is interned to an integer and every pattern is indexed by its possible first
// words, so matching an utterance is one hash lookup per token plus short integer comparisons.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "plugin/language/text_normaliser.hpp"

namespace rightmoment {

class PhraseMatcher {
 public:
  using Slots = std::map<std::string, std::vector<std::string>>;

  // Adds a pattern with a caller-chosen tag; returns an error message when it does not parse.
  std::optional<std::string> add(std::string_view pattern, int tag, const Slots& slots);

  // Word ids for an utterance (unknown words get -1; digits and ordinals their classes).
  std::vector<int> encode(const std::vector<Token>& tokens) const;

  struct Match {
    int tag;
    std::size_t begin;  // token index
    std::size_t end;    // one past the last token
    std::uint64_t wildcard_mask = 0;  // bit k: token begin+k was taken by * or ... (not by a pattern word)
  };
  // Every match of every pattern (leftmost start, shortest length per pattern and start).
  void find_all(const std::vector<Token>& tokens, const std::vector<int>& ids, std::vector<Match>& out) const;

  int id_of(std::string_view word) const;
  // Gives a word an id without a pattern (negators, sentiment words).
  int intern_word(const std::string& word) { return intern(word); }
  std::size_t pattern_count() const { return patterns_.size(); }

 private:
  struct Element {
    enum class Kind : std::uint8_t { Words, Any, Gap } kind = Kind::Words;
    std::vector<int> words;  // sorted, for Words
    bool optional = false;
  };
  struct Pattern {
    std::vector<Element> elements;
    int tag;
  };

  int intern(const std::string& word);
  bool match_from(const Pattern& p, std::size_t element, const std::vector<Token>& tokens, const std::vector<int>& ids,
                  std::size_t pos, int clause, std::size_t& end, std::size_t begin, std::uint64_t& mask) const;

  std::unordered_map<std::string, int> vocabulary_;
  std::vector<Pattern> patterns_;
  std::unordered_map<int, std::vector<std::pair<std::size_t, std::size_t>>> by_first_;  // word -> (pattern, first element)
};

}  // namespace rightmoment
