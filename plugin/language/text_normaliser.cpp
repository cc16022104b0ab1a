#include "plugin/language/text_normaliser.hpp"

#include <array>
#include <cctype>
#include <utility>

namespace rightmoment {
namespace {

bool is_word_char(unsigned char c) { return std::isalnum(c) || c >= 0x80; }

// Contractions that expand to two tokens. "'s" after a pronoun is "is"; after a noun it is possessive.
struct Expansion {
  std::string_view contraction;
  std::string_view first;
  std::string_view second;
};
constexpr std::array<Expansion, 24> kWholeWord{{
    {"won't", "will", "not"},     {"can't", "can", "not"},     {"cannot", "can", "not"},
    {"shan't", "shall", "not"},   {"ain't", "am", "not"},      {"let's", "let", "us"},
    {"it's", "it", "is"},         {"that's", "that", "is"},    {"there's", "there", "is"},
    {"here's", "here", "is"},     {"what's", "what", "is"},    {"who's", "who", "is"},
    {"he's", "he", "is"},         {"she's", "she", "is"},      {"where's", "where", "is"},
    {"how's", "how", "is"},       {"gonna", "going", "to"},    {"wanna", "want", "to"},
    {"gotta", "got", "to"},       {"dunno", "do", "not"},      {"y'all", "you", "all"},
    {"ima", "i", "am"},           {"i'ma", "i", "am"},         {"imma", "i", "am"},
}};

struct Suffix {
  std::string_view suffix;
  std::string_view expanded;
};
constexpr std::array<Suffix, 6> kSuffixes{{
    {"n't", "not"}, {"'re", "are"}, {"'ve", "have"}, {"'ll", "will"}, {"'d", "would"}, {"'m", "am"},
}};

void push(std::vector<Token>& out, std::string text, std::size_t b, std::size_t e, int clause) {
  out.push_back(Token{std::move(text), b, e, clause, false});
}

// One raw word (letters, digits, apostrophes) into one or more tokens.
void emit_word(std::string word, std::size_t b, std::size_t e, int clause, std::vector<Token>& out) {
  // Trim stray apostrophes ("'cause", "students'").
  while (!word.empty() && word.front() == '\'') word.erase(word.begin());
  while (!word.empty() && word.back() == '\'') word.pop_back();
  if (word.empty()) return;
  for (const auto& x : kWholeWord) {
    if (word == x.contraction) {
      push(out, std::string(x.first), b, e, clause);
      push(out, std::string(x.second), b, e, clause);
      return;
    }
  }
  for (const auto& s : kSuffixes) {
    if (word.size() > s.suffix.size() && word.compare(word.size() - s.suffix.size(), s.suffix.size(), s.suffix) == 0) {
      std::string stem = word.substr(0, word.size() - s.suffix.size());
      if (s.suffix == "n't") {
        if (stem == "wo") stem = "will";
        else if (stem == "ca") stem = "can";
        else if (stem == "sha") stem = "shall";
      }
      push(out, stem, b, e, clause);
      push(out, std::string(s.expanded), b, e, clause);
      return;
    }
  }
  if (word.size() > 2 && word.compare(word.size() - 2, 2, "'s") == 0) {
    push(out, word.substr(0, word.size() - 2), b, e, clause);
    push(out, "s", b, e, clause);  // possessive (pronoun forms were expanded above)
    return;
  }
  // Remaining inner apostrophes ("o'clock") are dropped.
  std::string clean;
  for (char c : word)
    if (c != '\'') clean += c;
  push(out, std::move(clean), b, e, clause);
}

}  // namespace

std::vector<Token> normalise_text(std::string_view text) {
  std::vector<Token> out;
  out.reserve(text.size() / 4 + 4);
  int clause = 0;
  std::size_t clause_start_token = 0;
  auto end_clause = [&](bool question) {
    if (question)
      for (std::size_t k = clause_start_token; k < out.size(); ++k) out[k].question = true;
    if (out.size() > clause_start_token) {
      ++clause;
      clause_start_token = out.size();
    }
  };
  std::size_t i = 0;
  bool pending_comma = false;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    // Curly apostrophes (U+2019, U+2018) count as "'".
    bool curly = c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
                 (static_cast<unsigned char>(text[i + 2]) == 0x99 || static_cast<unsigned char>(text[i + 2]) == 0x98);
    if (is_word_char(c) && !curly) {
      std::size_t b = i;
      std::string word;
      while (i < text.size()) {
        unsigned char d = static_cast<unsigned char>(text[i]);
        bool d_curly = d == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
                       (static_cast<unsigned char>(text[i + 2]) == 0x99 || static_cast<unsigned char>(text[i + 2]) == 0x98);
        if (d_curly) {
          word += '\'';
          i += 3;
        } else if (d == '\'' || d == '`') {
          word += '\'';
          ++i;
        } else if (is_word_char(d) && !(d == 0xE2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80)) {
          word += static_cast<char>(std::tolower(d));
          ++i;
        } else {
          break;
        }
      }
      // Hyphenated words split ("one-star" -> "one" "star"); the hyphen itself is not a boundary.
      std::size_t first_new = out.size();
      emit_word(std::move(word), b, i, clause, out);
      if (pending_comma && out.size() > first_new) out[first_new].comma_before = true;
      pending_comma = false;
      if (!out.empty() && (out.back().text == "but" || out.back().text == "however" || out.back().text == "although")) {
        // "I'm not cancelling but..." : a new clause starts with the conjunction.
        Token t = out.back();
        out.pop_back();
        end_clause(false);
        t.clause = clause;
        out.push_back(t);
      }
      continue;
    }
    if (c == '.' || c == '!' || c == ';' || c == ':') {
      // "3.5" and "e.g." keep going; a full stop between letters is not a clause end.
      bool inner = i > 0 && i + 1 < text.size() && std::isalnum(static_cast<unsigned char>(text[i - 1])) &&
                   std::isalnum(static_cast<unsigned char>(text[i + 1]));
      if (!inner) end_clause(false);
    } else if (c == '?') {
      end_clause(true);
    } else if (c == ',' || c == '(' || c == ')' || c == '"') {
      pending_comma = true;
    } else if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(text[i + 2]) == 0x94 || static_cast<unsigned char>(text[i + 2]) == 0x93)) {
      end_clause(false);  // an em or en dash
      i += 3;
      continue;
    }
    ++i;
  }
  end_clause(false);
  return out;
}

}  // namespace rightmoment
