#include "plugin/language/number_words.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <vector>

namespace rightmoment {
namespace {

constexpr std::array<const char*, 20> kOnes{"zero",    "one",     "two",       "three",    "four",
                                             "five",    "six",     "seven",     "eight",    "nine",
                                             "ten",     "eleven",  "twelve",    "thirteen", "fourteen",
                                             "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
constexpr std::array<const char*, 10> kTens{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool all_digits(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_digit); }

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (w.empty()) continue;
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

std::string below_thousand(int n) {
  std::vector<std::string> w;
  if (n >= 100) {
    w.push_back(std::string(kOnes[static_cast<std::size_t>(n / 100)]) + " hundred");
    n %= 100;
    if (n) w.push_back("and");
  }
  if (n >= 20) {
    w.push_back(kTens[static_cast<std::size_t>(n / 10)]);
    if (n % 10) w.push_back(kOnes[static_cast<std::size_t>(n % 10)]);
  } else if (n > 0 || w.empty()) {
    w.push_back(kOnes[static_cast<std::size_t>(n)]);
  }
  return join(w);
}

std::string integer_words(std::uint64_t n) {
  if (n < 1000) return below_thousand(static_cast<int>(n));
  std::vector<std::string> w;
  if (n >= 1'000'000'000) return "";  // read one digit at a time by the caller
  if (n >= 1'000'000) {
    w.push_back(below_thousand(static_cast<int>(n / 1'000'000)) + " million");
    n %= 1'000'000;
  }
  if (n >= 1000) {
    w.push_back(below_thousand(static_cast<int>(n / 1000)) + " thousand");
    n %= 1000;
  }
  if (n) w.push_back((n < 100 ? "and " : "") + below_thousand(static_cast<int>(n)));
  return join(w);
}

// "nineteen ninety nine", "twenty twenty four", "two thousand and five", "nineteen oh five".
std::string year_words(int y) {
  if (y >= 2000 && y < 2010) return integer_words(static_cast<std::uint64_t>(y));
  int hi = y / 100, lo = y % 100;
  std::string out = below_thousand(hi);
  if (lo == 0) return out + " hundred";
  if (lo < 10) return out + " oh " + kOnes[static_cast<std::size_t>(lo)];
  return out + " " + below_thousand(lo);
}

std::string digit_by_digit(std::string_view digits) {
  std::vector<std::string> w;
  for (char c : digits) w.push_back(kOnes[static_cast<std::size_t>(c - '0')]);
  return join(w);
}

// The ordinal of the last word of a number said in words: "twenty two" -> "twenty second".
std::string ordinal_of(const std::string& words) {
  static const std::map<std::string, std::string> irregular{
      {"one", "first"},   {"two", "second"}, {"three", "third"},  {"five", "fifth"},   {"eight", "eighth"},
      {"nine", "ninth"},  {"twelve", "twelfth"}};
  auto space = words.rfind(' ');
  std::string head = space == std::string::npos ? "" : words.substr(0, space + 1);
  std::string last = space == std::string::npos ? words : words.substr(space + 1);
  if (auto it = irregular.find(last); it != irregular.end()) return head + it->second;
  if (!last.empty() && last.back() == 'y') return head + last.substr(0, last.size() - 1) + "ieth";
  return head + last + "th";
}

std::string plain_number(std::string_view digits) {
  if (digits.size() > 1 && digits[0] == '0') return digit_by_digit(digits);  // 0800..., 07...
  if (digits.size() > 7) return digit_by_digit(digits);                      // account and phone numbers
  std::uint64_t n = std::stoull(std::string(digits));
  if (digits.size() == 4 && n >= 1900 && n < 2100) return year_words(static_cast<int>(n));
  if (digits.size() >= 5 && digits.size() <= 7 && n % 1000 != 0) return digit_by_digit(digits);  // references
  return integer_words(n);
}

}  // namespace

std::string number_words(std::string_view token) {
  std::string_view t = token;
  std::string unit;
  // currency in front
  if (!t.empty() && t[0] == '$') {
    unit = "dollars";
    t.remove_prefix(1);
  } else if (t.size() > 2 && t.substr(0, 2) == "\xC2\xA3") {
    unit = "pounds";
    t.remove_prefix(2);
  } else if (t.size() > 3 && t.substr(0, 3) == "\xE2\x82\xAC") {
    unit = "euros";
    t.remove_prefix(3);
  }
  if (t.empty() || !is_digit(t[0])) return std::string(token);
  std::size_t i = 0;
  while (i < t.size() && (is_digit(t[i]) || ((t[i] == ',' || t[i] == '.' || t[i] == ':' || t[i] == '/') && i + 1 < t.size() && is_digit(t[i + 1]))))
    ++i;
  std::string_view number = t.substr(0, i);
  std::string suffix;
  for (char c : t.substr(i)) suffix += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

  std::string words;
  if (number.find(':') != std::string_view::npos) {  // a time: 10:30, 9:05, 10:00
    auto colon = number.find(':');
    std::string h = plain_number(number.substr(0, colon));
    std::string_view m = number.substr(colon + 1);
    if (!all_digits(m)) return std::string(token);
    int minutes = std::stoi(std::string(m));
    words = h + (minutes == 0 ? "" : minutes < 10 ? " oh " + std::string(kOnes[static_cast<std::size_t>(minutes)]) : " " + below_thousand(minutes));
  } else if (number.find('/') != std::string_view::npos) {  // 24/7, 3/4: each part
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= number.size()) {
      auto slash = number.find('/', start);
      std::string_view part = number.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
      if (!all_digits(part)) return std::string(token);
      parts.push_back(plain_number(part));
      if (slash == std::string_view::npos) break;
      start = slash + 1;
    }
    words = join(parts);
  } else {
    std::string digits;
    std::string_view fraction;
    bool thousands = number.find(',') != std::string_view::npos;
    auto dot = number.find('.');
    std::string_view whole = dot == std::string_view::npos ? number : number.substr(0, dot);
    if (dot != std::string_view::npos) fraction = number.substr(dot + 1);
    for (char c : whole)
      if (c != ',') digits += c;
    if (!all_digits(digits) || (!fraction.empty() && !all_digits(fraction))) return std::string(token);
    words = thousands && digits.size() <= 9 ? integer_words(std::stoull(digits)) : plain_number(digits);
    if (!fraction.empty()) {
      if (!unit.empty() && fraction.size() == 2) {  // £3.50: three pounds fifty
        words += " " + unit + (fraction == "00" ? "" : " " + plain_number(fraction[0] == '0' ? fraction.substr(1) : fraction));
        unit.clear();
      } else {
        words += " point " + digit_by_digit(fraction);
      }
    }
  }
  if (suffix == "st" || suffix == "nd" || suffix == "rd" || suffix == "th") {
    words = ordinal_of(words);
  } else if (suffix == "%") {
    words += " percent";
  } else if (suffix == "k") {
    words += " thousand";
  } else if (suffix == "am" || suffix == "pm") {
    words += std::string(" ") + suffix[0] + " m";
  } else if (!suffix.empty()) {
    std::string clean;
    for (char c : suffix)
      if (std::isalpha(static_cast<unsigned char>(c))) clean += c;
    if (!clean.empty()) words += " " + clean;
  }
  if (!unit.empty()) words += " " + unit;
  return words;
}


}  // namespace rightmoment
