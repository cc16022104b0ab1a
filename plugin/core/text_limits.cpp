#include "plugin/core/text_limits.hpp"

namespace rightmoment {
namespace {
bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }
}  // namespace

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if (!is_continuation(c)) ++n;
  return n;
}

std::string truncate_text(std::string_view s, std::size_t max_chars) {
  if (utf8_length(s) <= max_chars) return std::string(s);
  if (max_chars == 0) return {};
  // Byte offset just after (max_chars - 1) code points, leaving room for the ellipsis.
  std::size_t keep_chars = max_chars - 1, chars = 0, cut = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!is_continuation(static_cast<unsigned char>(s[i]))) {
      if (chars == keep_chars) {
        cut = i;
        break;
      }
      ++chars;
    }
  }
  std::string_view head = s.substr(0, cut);
  // Prefer a word boundary in the last fifth.
  if (auto space = head.find_last_of(' '); space != std::string_view::npos && space >= head.size() * 4 / 5)
    head = head.substr(0, space);
  while (!head.empty() && (head.back() == ' ' || head.back() == ',' || head.back() == ';' || head.back() == ':'))
    head.remove_suffix(1);
  return std::string(head) + "\xE2\x80\xA6";
}

std::string plain_prompt_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '{') out += '(';
    else if (c == '}') out += ')';
    else if (u < 0x20 || u == 0x7F) out += ' ';
    else out += c;
  }
  return out;
}

}  // namespace rightmoment
