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

// The same contractions as a recogniser or a hurried chatter writes them, without the apostrophe.
// Words that are also ordinary words ("were", "well", "wed", "hell", "lets", "shell") are left alone;
// "ill" and "id" are decided from the word before them (resolve_bare_contractions).
constexpr std::array<Expansion, 60> kBareContractions{{
    {"im", "i", "am"},          {"ive", "i", "have"},        {"youre", "you", "are"},     {"youve", "you", "have"},
    {"youll", "you", "will"},   {"youd", "you", "would"},    {"theyre", "they", "are"},   {"theyve", "they", "have"},
    {"theyll", "they", "will"}, {"theyd", "they", "would"},  {"weve", "we", "have"},      {"itll", "it", "will"},
    {"its", "it", "is"},        {"thats", "that", "is"},     {"whats", "what", "is"},     {"theres", "there", "is"},
    {"heres", "here", "is"},    {"hows", "how", "is"},       {"wheres", "where", "is"},   {"whos", "who", "is"},
    {"hes", "he", "is"},        {"shes", "she", "is"},       {"dont", "do", "not"},       {"doesnt", "does", "not"},
    {"didnt", "did", "not"},    {"isnt", "is", "not"},       {"arent", "are", "not"},     {"wasnt", "was", "not"},
    {"werent", "were", "not"},  {"havent", "have", "not"},   {"hasnt", "has", "not"},     {"hadnt", "had", "not"},
    {"wouldnt", "would", "not"}, {"shouldnt", "should", "not"}, {"couldnt", "could", "not"}, {"mustnt", "must", "not"},
    {"neednt", "need", "not"},  {"aint", "am", "not"},       {"cant", "can", "not"},      {"wont", "will", "not"},
    {"wouldve", "would", "have"}, {"couldve", "could", "have"}, {"shouldve", "should", "have"}, {"mightve", "might", "have"},
    {"thatll", "that", "will"}, {"therell", "there", "will"}, {"yall", "you", "all"},     {"lemme", "let", "me"},
    {"gimme", "give", "me"},    {"whatre", "what", "are"},   {"whered", "where", "did"},  {"howd", "how", "did"},
    {"itd", "it", "would"},     {"thatd", "that", "would"},  {"shed", "she", "would"},    {"hed", "he", "would"},
    {"whyd", "why", "did"},     {"wasn", "was", "not"},      {"didn", "did", "not"},      {"doesn", "does", "not"},
}};

// Chat spellings of single words.
struct Respelling {
  std::string_view written;
  std::string_view word;
};
constexpr std::array<Respelling, 9> kRespellings{{
    {"u", "you"}, {"ur", "your"}, {"pls", "please"}, {"plz", "please"}, {"cos", "because"},
    {"coz", "because"}, {"cuz", "because"}, {"thx", "thanks"}, {"ppl", "people"},
}};

// Sounds that carry no words: dropped, so "i want to um cancel" reads as "i want to cancel".
constexpr std::array<std::string_view, 13> kFillers{"um", "umm", "uh", "uhh", "uhm", "er", "erm", "hmm", "hm", "mm", "mmm", "ah", "eh"};

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
  if (word.find('\'') == std::string::npos) {
    for (const auto& x : kBareContractions) {
      if (word == x.contraction) {
        push(out, std::string(x.first), b, e, clause);
        push(out, std::string(x.second), b, e, clause);
        return;
      }
    }
    for (const auto& r : kRespellings) {
      if (word == r.written) {
        push(out, std::string(r.word), b, e, clause);
        return;
      }
    }
    for (auto f : kFillers)
      if (word == f) return;
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

bool one_of(std::string_view w, std::initializer_list<std::string_view> list) {
  for (auto x : list)
    if (w == x) return true;
  return false;
}

// "ill" is "i will" unless it follows a word that makes it the adjective ("she is ill", "feeling ill");
// "id" is "i would" unless it is an identifier ("my id", "photo id", "id number").
void resolve_bare_contractions(std::vector<Token>& tokens) {
  std::vector<Token> out;
  out.reserve(tokens.size() + 4);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    std::string_view before = out.empty() || out.back().clause != t.clause ? "" : std::string_view(out.back().text);
    std::string_view after = i + 1 < tokens.size() && tokens[i + 1].clause == t.clause ? std::string_view(tokens[i + 1].text) : "";
    bool ill = t.text == "ill" &&
               !one_of(before, {"am", "is", "are", "was", "were", "be", "been", "being", "feel", "feels", "feeling", "felt",
                                "fell", "falls", "falling", "very", "so", "really", "quite", "too", "get", "gets", "got",
                                "getting", "seriously", "terminally", "mentally", "critically", "chronically", "an", "and"});
    bool id = t.text == "id" &&
              !one_of(before, {"my", "your", "the", "an", "a", "his", "her", "our", "their", "photo", "user", "customer",
                               "account", "login", "email", "caller", "valid", "of", "apple", "voter", "card", "staff"}) &&
              !one_of(after, {"number", "card", "check", "badge", "verification", "document", "documents", "is", "was"});
    if (ill || id) {
      Token first = t, second = t;
      first.text = "i";
      second.text = ill ? "will" : "would";
      second.comma_before = false;
      out.push_back(std::move(first));
      out.push_back(std::move(second));
      continue;
    }
    // A word said twice in a row ("i i want", "the the") is said once; "no, no" keeps its comma.
    if (!out.empty() && out.back().text == t.text && out.back().clause == t.clause && !t.comma_before &&
        out.back().begin != t.begin)
      continue;
    out.push_back(t);
  }
  tokens = std::move(out);
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
      if (out.size() == first_new) continue;  // a filler: nothing said
      if (pending_comma) out[first_new].comma_before = true;
      pending_comma = false;
      if (out.back().text == "but" || out.back().text == "however" || out.back().text == "although") {
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
  resolve_bare_contractions(out);
  return out;
}

}  // namespace rightmoment
