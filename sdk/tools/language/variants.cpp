#include "sdk/tools/language/variants.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

#include "plugin/language/number_words.hpp"
#include "sdk/tools/language/corpus_split.hpp"

namespace rightmoment::language_tools {

LineRandom::LineRandom(std::string_view seed_text, std::uint64_t salt) : state_(fnv1a64(seed_text) ^ salt) {}

std::uint64_t LineRandom::next() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

struct SpokenWord {
  std::string text;
  std::size_t source;  // byte offset in the original text of the word it came from
};

bool word_byte(unsigned char c) { return std::isalnum(c) || c >= 0x80; }
bool curly_apostrophe(std::string_view s, std::size_t i) {
  return i + 2 < s.size() && static_cast<unsigned char>(s[i]) == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
         (static_cast<unsigned char>(s[i + 2]) == 0x98 || static_cast<unsigned char>(s[i + 2]) == 0x99);
}
bool general_punctuation(std::string_view s, std::size_t i) {
  return i + 2 < s.size() && static_cast<unsigned char>(s[i]) == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80;
}

// The words of a text as said: numbers spelt out, everything in lower case, no punctuation.
std::vector<SpokenWord> spoken_words(std::string_view text) {
  std::vector<SpokenWord> out;
  std::size_t i = 0;
  while (i < text.size()) {
    // A chunk: up to the next space.
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t b = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view chunk = text.substr(b, i - b);
    // Split the chunk into words and numbers; a number may carry a currency sign before it and a
    // suffix after it ("£40", "3rd", "40%", "10:30", "5pm").
    std::size_t k = 0;
    while (k < chunk.size()) {
      unsigned char c = static_cast<unsigned char>(chunk[k]);
      bool currency = c == '$' || (c == 0xC2 && k + 1 < chunk.size() && static_cast<unsigned char>(chunk[k + 1]) == 0xA3) ||
                      (c == 0xE2 && k + 2 < chunk.size() && static_cast<unsigned char>(chunk[k + 1]) == 0x82 &&
                       static_cast<unsigned char>(chunk[k + 2]) == 0xAC);
      std::size_t sign = currency ? (c == '$' ? 1 : c == 0xC2 ? 2 : 3) : 0;
      if ((currency && k + sign < chunk.size() && is_digit(chunk[k + sign])) || is_digit(chunk[k])) {
        std::size_t s = k;
        k += sign;
        while (k < chunk.size() && (is_digit(chunk[k]) || ((chunk[k] == ',' || chunk[k] == '.' || chunk[k] == ':' || chunk[k] == '/') &&
                                                            k + 1 < chunk.size() && is_digit(chunk[k + 1]))))
          ++k;
        while (k < chunk.size() && (std::isalpha(static_cast<unsigned char>(chunk[k])) || chunk[k] == '%')) ++k;
        std::string said = number_words(chunk.substr(s, k - s));
        std::size_t start = 0;
        while (start < said.size()) {
          auto sp = said.find(' ', start);
          out.push_back({said.substr(start, sp == std::string::npos ? std::string::npos : sp - start), b + s});
          if (sp == std::string::npos) break;
          start = sp + 1;
        }
        continue;
      }
      if (word_byte(c) && !general_punctuation(chunk, k)) {
        std::size_t s = k;
        std::string w;
        while (k < chunk.size()) {
          unsigned char d = static_cast<unsigned char>(chunk[k]);
          if (curly_apostrophe(chunk, k)) {
            k += 3;
          } else if (d == '\'' || d == '`') {
            ++k;
          } else if (word_byte(d) && !general_punctuation(chunk, k) && !is_digit(static_cast<char>(d))) {
            w += static_cast<char>(std::tolower(d));
            ++k;
          } else {
            break;
          }
        }
        if (!w.empty()) out.push_back({w, b + s});
        continue;
      }
      k += general_punctuation(chunk, k) ? 3 : 1;
    }
  }
  return out;
}

constexpr std::array<const char*, 8> kFillers{"um", "uh", "er", "erm", "you know", "i mean", "like", "um"};

}  // namespace

CorpusLine recogniser_style(const CorpusLine& line) {
  LineRandom rnd(line.text, 0x5a5a);
  std::vector<SpokenWord> words = spoken_words(line.text);
  std::vector<SpokenWord> out;
  std::size_t n = words.size();
  // One restart and one doubled word at most, fillers about one in eight words.
  std::size_t restart_at = n > 3 && rnd.chance(35) ? 1 + rnd.below(n - 1) : n;
  std::size_t doubled = n > 1 && rnd.chance(35) ? rnd.below(n) : n;
  std::size_t restart_len = 1 + rnd.below(3);
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && rnd.chance(12)) {
      const char* f = kFillers[rnd.below(kFillers.size())];
      std::string_view fv = f;
      auto sp = fv.find(' ');
      out.push_back({std::string(fv.substr(0, sp)), words[i].source});
      if (sp != std::string_view::npos) out.push_back({std::string(fv.substr(sp + 1)), words[i].source});
    }
    if (i == restart_at) {
      std::size_t from = i >= restart_len ? i - restart_len : 0;
      for (std::size_t k = from; k < i; ++k) out.push_back({words[k].text, words[i].source});
    }
    out.push_back(words[i]);
    if (i == doubled) out.push_back(words[i]);
  }
  if (out.empty()) out = words;

  CorpusLine r = line;
  r.text.clear();
  std::size_t quote_begin = std::string::npos, quote_end = 0;
  std::size_t qb = 0, qe = 0;
  bool has_quote = line.quote != "-" && !line.quote.empty();
  if (has_quote) {
    qb = line.text.find(line.quote);
    qe = qb + line.quote.size();
  }
  for (const auto& w : out) {
    if (!r.text.empty()) r.text += ' ';
    if (has_quote && w.source >= qb && w.source < qe) {
      if (quote_begin == std::string::npos) quote_begin = r.text.size();
      quote_end = r.text.size() + w.text.size();
    }
    r.text += w.text;
  }
  if (r.text.empty()) r.text = "um";
  if (has_quote) r.quote = quote_begin == std::string::npos ? r.text : r.text.substr(quote_begin, quote_end - quote_begin);
  return r;
}

std::vector<CorpusLine> partial_transcripts(const CorpusLine& line) {
  std::vector<CorpusLine> out;
  LineRandom rnd(line.text, 0x9a47);
  std::vector<std::size_t> word_ends;
  for (std::size_t i = 0; i < line.text.size(); ++i)
    if (!std::isspace(static_cast<unsigned char>(line.text[i])) &&
        (i + 1 == line.text.size() || std::isspace(static_cast<unsigned char>(line.text[i + 1]))))
      word_ends.push_back(i + 1);
  std::size_t k = 0, n = 0;
  while (true) {
    k += 1 + rnd.below(3);
    if (k >= word_ends.size()) break;
    CorpusLine p = line;
    p.text = line.text.substr(0, word_ends[k - 1]);
    p.quote = "-";
    p.source = line.source + "~" + std::to_string(++n);
    out.push_back(std::move(p));
  }
  out.push_back(line);
  return out;
}

std::vector<CorpusLine> composed_long_turns(const std::vector<CorpusLine>& rows) {
  std::vector<const CorpusLine*> plain_customer, plain_agent;
  for (const auto& r : rows)
    if (r.intent == "none" && r.category == "neutral") (r.speaker == "agent" ? plain_agent : plain_customer).push_back(&r);
  std::vector<CorpusLine> out;
  for (const auto& r : rows) {
    if (r.category == "neutral") continue;
    const auto& pool = r.speaker == "agent" ? plain_agent : plain_customer;
    if (pool.empty()) continue;
    LineRandom rnd(r.text, 0x10e6);
    std::size_t others = 1 + rnd.below(3);
    std::size_t position = rnd.below(others + 1);
    std::vector<std::string> parts;
    std::string source = r.source;
    for (std::size_t i = 0; i < others; ++i) {
      const CorpusLine* o = pool[rnd.below(pool.size())];
      parts.push_back(o->text);
      source += "+" + o->source;
    }
    parts.insert(parts.begin() + static_cast<std::ptrdiff_t>(position), r.text);
    CorpusLine c = r;
    c.text.clear();
    for (const auto& p : parts) c.text += (c.text.empty() ? "" : " ") + p;
    c.category = r.intent == "none" ? r.category : "long_turn";
    c.source = source;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace rightmoment::language_tools
