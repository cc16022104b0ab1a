#include "plugin/language/phrase_matcher.hpp"

#include <algorithm>
#include <cctype>

namespace rightmoment {
namespace {

constexpr const char* kDigitsClass = "<digits>";
constexpr const char* kOrdinalClass = "<ordinal>";
constexpr std::size_t kMaxGap = 3;

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}
bool is_ordinal(std::string_view s) {
  if (s.size() < 3) return false;
  std::string_view suffix = s.substr(s.size() - 2);
  return all_digits(s.substr(0, s.size() - 2)) && (suffix == "st" || suffix == "nd" || suffix == "rd" || suffix == "th");
}

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::size_t b = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > b) out.emplace_back(s.substr(b, i - b));
  }
  return out;
}

}  // namespace

int PhraseMatcher::intern(const std::string& word) {
  auto [it, inserted] = vocabulary_.emplace(word, static_cast<int>(vocabulary_.size()));
  return it->second;
}

int PhraseMatcher::id_of(std::string_view word) const {
  auto it = vocabulary_.find(std::string(word));
  if (it != vocabulary_.end()) return it->second;
  if (all_digits(word)) {
    auto d = vocabulary_.find(kDigitsClass);
    return d == vocabulary_.end() ? -1 : d->second;
  }
  if (is_ordinal(word)) {
    auto o = vocabulary_.find(kOrdinalClass);
    return o == vocabulary_.end() ? -1 : o->second;
  }
  return -1;
}

std::optional<std::string> PhraseMatcher::add(std::string_view text, int tag, const Slots& slots) {
  Pattern p;
  p.tag = tag;
  for (std::string word : split_words(text)) {
    Element e;
    if (word == "...") {
      e.kind = Element::Kind::Gap;
      p.elements.push_back(e);
      continue;
    }
    if (word.size() > 1 && word.back() == '?') {
      e.optional = true;
      word.pop_back();
    }
    if (word == "*") {
      e.kind = Element::Kind::Any;
      p.elements.push_back(e);
      continue;
    }
    std::vector<std::string> alternatives;
    std::size_t start = 0;
    while (start <= word.size()) {
      auto bar = word.find('|', start);
      alternatives.push_back(word.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
      if (bar == std::string::npos) break;
      start = bar + 1;
    }
    for (const std::string& alt : alternatives) {
      if (alt.empty()) return "an empty alternative in '" + std::string(text) + "'";
      if (alt.front() == '{' && alt.back() == '}') {
        std::string name = alt.substr(1, alt.size() - 2);
        auto slot = slots.find(name);
        if (slot == slots.end()) return "unknown slot {" + name + "} in '" + std::string(text) + "'";
        for (const auto& w : slot->second) e.words.push_back(intern(w));
      } else {
        for (char c : alt)
          if (std::isupper(static_cast<unsigned char>(c)) || c == '\'' || c == ',' || c == '.')
            return "write pattern words in lower case without punctuation ('" + alt + "' in '" + std::string(text) +
                   "'); contractions are expanded: write \"i am\", \"do not\", \"s\" for a possessive";
        e.words.push_back(intern(alt));
      }
    }
    std::sort(e.words.begin(), e.words.end());
    e.words.erase(std::unique(e.words.begin(), e.words.end()), e.words.end());
    p.elements.push_back(std::move(e));
  }
  if (p.elements.empty()) return "an empty pattern";
  // Index under every word that can start a match: the first elements up to the first required one.
  std::size_t index = patterns_.size();
  bool anchored = false;
  for (std::size_t k = 0; k < p.elements.size(); ++k) {
    const Element& e = p.elements[k];
    if (e.kind != Element::Kind::Words) return "a pattern must start with a word, not * or ... ('" + std::string(text) + "')";
    for (int w : e.words) by_first_[w].emplace_back(index, k);
    if (!e.optional) {
      anchored = true;
      break;
    }
  }
  if (!anchored) return "a pattern needs at least one required word ('" + std::string(text) + "')";
  patterns_.push_back(std::move(p));
  return std::nullopt;
}

std::vector<int> PhraseMatcher::encode(const std::vector<Token>& tokens) const {
  std::vector<int> ids;
  ids.reserve(tokens.size());
  for (const Token& t : tokens) ids.push_back(id_of(t.text));
  return ids;
}

bool PhraseMatcher::match_from(const Pattern& p, std::size_t element, const std::vector<Token>& tokens,
                               const std::vector<int>& ids, std::size_t pos, int clause, std::size_t& end,
                               std::size_t begin, std::uint64_t& mask) const {
  auto bit = [&](std::size_t at) { return at - begin < 64 ? (std::uint64_t{1} << (at - begin)) : 0; };
  if (element == p.elements.size()) {
    end = pos;
    return true;
  }
  const Element& e = p.elements[element];
  switch (e.kind) {
    case Element::Kind::Gap:
      for (std::size_t skip = 0; skip <= kMaxGap; ++skip) {
        if (skip > 0 && (pos + skip - 1 >= tokens.size() || tokens[pos + skip - 1].clause != clause)) break;
        std::uint64_t saved = mask;
        for (std::size_t k = 0; k < skip; ++k) mask |= bit(pos + k);
        if (match_from(p, element + 1, tokens, ids, pos + skip, clause, end, begin, mask)) return true;
        mask = saved;
      }
      return false;
    case Element::Kind::Any:
      if (pos < tokens.size() && tokens[pos].clause == clause) {
        std::uint64_t saved = mask;
        mask |= bit(pos);
        if (match_from(p, element + 1, tokens, ids, pos + 1, clause, end, begin, mask)) return true;
        mask = saved;
      }
      return e.optional && match_from(p, element + 1, tokens, ids, pos, clause, end, begin, mask);
    case Element::Kind::Words:
      if (pos < tokens.size() && tokens[pos].clause == clause && ids[pos] >= 0 &&
          std::binary_search(e.words.begin(), e.words.end(), ids[pos]) &&
          match_from(p, element + 1, tokens, ids, pos + 1, clause, end, begin, mask))
        return true;
      return e.optional && match_from(p, element + 1, tokens, ids, pos, clause, end, begin, mask);
  }
  return false;
}

void PhraseMatcher::find_all(const std::vector<Token>& tokens, const std::vector<int>& ids, std::vector<Match>& out) const {
  for (std::size_t s = 0; s < tokens.size(); ++s) {
    if (ids[s] < 0) continue;
    auto it = by_first_.find(ids[s]);
    if (it == by_first_.end()) continue;
    for (const auto& [index, first] : it->second) {
      const Pattern& p = patterns_[index];
      std::size_t end = 0;
      // Element `first` must match here; the optional ones before it are skipped.
      const Element& e = p.elements[first];
      if (!std::binary_search(e.words.begin(), e.words.end(), ids[s])) continue;
      std::uint64_t mask = 0;
      if (match_from(p, first + 1, tokens, ids, s + 1, tokens[s].clause, end, s, mask))
        out.push_back(Match{p.tag, s, end, mask});
    }
  }
}

}  // namespace rightmoment
