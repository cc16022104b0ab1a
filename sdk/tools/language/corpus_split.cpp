#include "sdk/tools/language/corpus_split.hpp"

namespace rightmoment::language_tools {

std::string_view split_name(Split s) {
  switch (s) {
    case Split::Train: return "train";
    case Split::Dev: return "dev";
    case Split::Test: return "test";
  }
  return "train";
}

std::string split_key(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    // General punctuation (U+2000-U+203F: dashes, curly quotes, ellipsis) separates words, except the
    // curly apostrophes U+2018 / U+2019, which are dropped like "'".
    bool general_punctuation = c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80;
    if (general_punctuation) {
      unsigned char last = static_cast<unsigned char>(text[i + 2]);
      i += 2;
      if (last != 0x98 && last != 0x99) space = !out.empty();
      continue;
    }
    if (c == '\'' || c == '`') continue;
    bool word = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
    if (!word) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return out;
}

std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

Split split_of(std::string_view text) {
  std::uint64_t bucket = fnv1a64(split_key(text)) % 100;
  if (bucket < 70) return Split::Train;
  if (bucket < 85) return Split::Dev;
  return Split::Test;
}

}  // namespace rightmoment::language_tools
