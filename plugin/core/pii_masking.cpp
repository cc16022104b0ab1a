#include "plugin/core/pii_masking.hpp"

#include <cctype>

namespace rightmoment {
namespace {

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

bool email_char(char c) { return is_alnum(c) || c == '.' || c == '%' || c == '+' || c == '-'; }

// Characters that may stand between the digit groups of one written number.
bool number_separator(char c) { return c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')'; }

// 8-4-4-4-12 hex digits.
bool uuid_at(std::string_view s, std::size_t i) {
  static constexpr std::size_t kGroups[] = {8, 4, 4, 4, 12};
  for (std::size_t g = 0; g < 5; ++g) {
    for (std::size_t k = 0; k < kGroups[g]; ++k, ++i)
      if (i >= s.size() || !is_hex(s[i])) return false;
    if (g < 4) {
      if (i >= s.size() || s[i] != '-') return false;
      ++i;
    }
  }
  return i >= s.size() || !is_alnum(s[i]);
}

// Four dot-separated groups of 1..3 digits.
bool ipv4(std::string_view run) {
  int groups = 1, len = 0;
  for (char c : run) {
    if (c == '.') {
      if (len == 0) return false;
      ++groups;
      len = 0;
    } else if (is_digit(c) && ++len <= 3) {
    } else {
      return false;
    }
  }
  return groups == 4 && len > 0;
}

bool calendar_date(std::string_view run) { return run.size() == 10 && run[4] == '-' && run[7] == '-'; }

// A key of a structured line's field list whose value is an identifier.
bool id_key(std::string_view key) {
  return key == "id" || (key.size() > 3 && key.substr(key.size() - 3) == "_id") ||
         (key.size() > 4 && key.substr(key.size() - 4) == "_ids");
}

// Masks free text (no field list).
void mask_text(std::string_view s, std::string& out) {
  std::size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    // An email: local@domain.tld
    if (c == '@' && !out.empty() && email_char(out.back())) {
      std::size_t j = i + 1, dots = 0;
      while (j < s.size() && email_char(s[j])) dots += s[j++] == '.';
      if (dots > 0 && j > i + 2) {
        while (!out.empty() && email_char(out.back())) out.pop_back();
        out += "[email]";
        i = j;
        continue;
      }
    }
    // A word of letters, digits, '-' and '_' with a letter in it is an identifier (a UUID, "CA3f29...",
    // "pr-000001", "2026-11-22T10"): copied whole, digits and all.
    if (is_alnum(c) && (i == 0 || !is_alnum(s[i - 1]))) {
      std::size_t j = i;
      bool letter = false;
      while (j < s.size() && (is_alnum(s[j]) || s[j] == '-')) letter |= is_alpha(s[j++]);
      if (letter || uuid_at(s, i)) {
        out.append(s.substr(i, j - i));
        i = j;
        continue;
      }
    }
    // A number, possibly grouped and with a leading "+" or "(": +44 (20) 7946-0958, 4111 1111-1111.1111
    bool starts_number = is_digit(c) || ((c == '+' || c == '(') && i + 1 < s.size() && is_digit(s[i + 1]));
    if (starts_number) {
      std::size_t j = i + (is_digit(c) ? 0 : 1), digits = 0, end = j;
      while (j < s.size()) {
        if (is_digit(s[j])) {
          ++digits;
          end = ++j;
          continue;
        }
        // Up to two separators ("), " is not one; ") " is) between digit groups.
        std::size_t k = j;
        while (k < s.size() && k < j + 2 && number_separator(s[k])) ++k;
        if (k > j && k < s.size() && is_digit(s[k])) {
          j = k;
          continue;
        }
        break;
      }
      std::string_view run = s.substr(i, end - i);
      if (digits >= 8 && !calendar_date(run) && !ipv4(run)) {
        out += "[number]";
        if (c == '(' && end < s.size() && s[end] == ')') ++end;
      } else {
        out.append(run);
      }
      i = end;
      continue;
    }
    out += c;
    ++i;
  }
}

}  // namespace

std::string mask_pii(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  // A structured line's field list, "[interaction_id=c-1 adapter=generic] text": id values kept whole.
  if (!s.empty() && s[0] == '[') {
    auto close = s.find(']');
    auto eq = s.find('=');
    if (close != std::string_view::npos && eq != std::string_view::npos && eq < close) {
      out += '[';
      std::string_view inside = s.substr(1, close - 1);
      while (!inside.empty()) {
        auto space = inside.find(' ');
        std::string_view pair = inside.substr(0, space);
        auto peq = pair.find('=');
        if (peq != std::string_view::npos && id_key(pair.substr(0, peq))) out.append(pair);
        else mask_text(pair, out);
        if (space == std::string_view::npos) break;
        out += ' ';
        inside.remove_prefix(space + 1);
      }
      out += ']';
      s.remove_prefix(close + 1);
    }
  }
  mask_text(s, out);
  return out;
}

}  // namespace rightmoment
