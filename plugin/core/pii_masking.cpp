#include "plugin/core/pii_masking.hpp"

#include <cctype>

namespace rightmoment {
namespace {

bool email_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

}  // namespace

std::string mask_pii(std::string_view s) {
  std::string out;
  out.reserve(s.size());
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
    // A long number, possibly grouped: 4111 1111-1111.1111
    if (std::isdigit(static_cast<unsigned char>(c))) {
      std::size_t j = i, digits = 0, end = i;
      while (j < s.size()) {
        if (std::isdigit(static_cast<unsigned char>(s[j]))) {
          ++digits;
          end = ++j;
        } else if ((s[j] == ' ' || s[j] == '-' || s[j] == '.') && j + 1 < s.size() &&
                   std::isdigit(static_cast<unsigned char>(s[j + 1]))) {
          ++j;
        } else {
          break;
        }
      }
      // A calendar date (2026-11-22) is not personal data, and logs need their dates.
      std::string_view run = s.substr(i, end - i);
      bool date = run.size() == 10 && run[4] == '-' && run[7] == '-';
      if (digits >= 8 && !date) {
        out += "[number]";
        i = end;
        continue;
      }
      out.append(s.substr(i, end - i));
      i = end;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

}  // namespace rightmoment
