#include "plugin/history/identity.hpp"

#include <algorithm>
#include <cctype>

#include <phonenumbers/phonenumberutil.h>

#include "plugin/core/percent_encoding.hpp"
#include "plugin/history/history_store.hpp"

namespace rightmoment {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

// The number of an RFC 3966 telephone-subscriber ("+1-415-555-0201;ext=12", or a local
// "555-0201;phone-context=+1-415"): parameters dropped, a local number prefixed with a global
// phone-context's digits (a domain context leaves it a national number). Visual separators stay for
// the caller to drop.
std::string telephone_subscriber_number(std::string_view s) {
  std::string_view number = s.substr(0, s.find(';'));
  if (number.empty() || number.front() == '+') return std::string(number);
  std::string_view params = s.substr(number.size());
  for (std::size_t at = params.find(';'); at != std::string_view::npos; at = params.find(';', at + 1)) {
    std::string_view param = params.substr(at + 1, params.find(';', at + 1) - at - 1);
    if (starts_with_nocase(param, "phone-context=+")) return std::string(param.substr(14)) + std::string(number);
  }
  return std::string(number);
}

// What a caller id written as a URI says the number is: a tel: URI (RFC 3966), a sip: or sips: URI
// (RFC 3261) whose user part is a telephone-subscriber (with or without ";user=phone"), possibly in
// a name-addr ("Alice" <sip:...>;tag=1). nullopt: a URI with no number (sip:alice@example.com, no
// user part). Anything that is not a URI comes back as it is.
std::optional<std::string> number_of_caller_id(std::string_view s) {
  if (auto open = s.find('<'); open != std::string_view::npos) {
    auto close = s.find('>', open);
    if (close != std::string_view::npos) s = trim(s.substr(open + 1, close - open - 1));
  }
  if (starts_with_nocase(s, "tel:")) return telephone_subscriber_number(s.substr(4));
  std::size_t scheme = starts_with_nocase(s, "sip:") ? 4 : starts_with_nocase(s, "sips:") ? 5 : 0;
  if (scheme == 0) return std::string(s);
  std::string_view rest = s.substr(scheme);
  auto at = rest.find('@');
  if (at == std::string_view::npos) return std::nullopt;  // sip:carrier.example: a host, no user
  std::string_view user = rest.substr(0, std::min(at, rest.find(':')));  // user[:password]@host
  auto decoded = percent_decode(user, false);
  if (!decoded || decoded->empty()) return std::nullopt;
  return telephone_subscriber_number(*decoded);
}

}  // namespace

std::optional<std::string> normalise_phone(std::string_view raw, std::string_view default_region) {
  std::string_view trimmed = trim(raw);
  if (trimmed.size() > 256) return std::nullopt;
  auto caller_id = number_of_caller_id(trimmed);
  if (!caller_id) return std::nullopt;
  std::string_view s = trim(*caller_id);
  if (s.empty() || s.size() > 64) return std::nullopt;
  // Keep digits and a leading '+'; drop the punctuation people write ("(415) 555-0101", "415.555.0101").
  std::string digits;
  bool plus = false;
  for (char c : s) {
    if (c == '+' && digits.empty()) plus = true;
    else if (c >= '0' && c <= '9') digits += c;
    else if (std::isalpha(static_cast<unsigned char>(c))) return std::nullopt;  // "ext", letters: not a plain number
  }
  if (digits.size() < 4) return std::nullopt;
  // An international prefix: libphonenumber would read "0044..." in the US region as a national number.
  if (!plus) {
    if (digits.rfind("011", 0) == 0) {
      digits = digits.substr(3);
      plus = true;
    } else if (digits.rfind("00", 0) == 0) {
      digits = digits.substr(2);
      plus = true;
    }
  }
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  std::string input = plus ? "+" + digits : digits;
  std::string region = plus ? "ZZ" : std::string(default_region);
  if (util->Parse(input, region, &number) != PhoneNumberUtil::NO_PARSING_ERROR) return std::nullopt;
  if (!util->IsPossibleNumber(number)) return std::nullopt;
  std::string e164;
  util->Format(number, PhoneNumberUtil::E164, &e164);
  return e164;
}

std::optional<std::string> normalise_email(std::string_view raw) {
  std::string_view s = trim(raw);
  if (s.empty() || s.size() > 320 || s.find('@') == std::string_view::npos) return std::nullopt;
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::optional<std::string> normalise_identity(IdentityKind kind, std::string_view raw, std::string_view default_region) {
  switch (kind) {
    case IdentityKind::Phone: return normalise_phone(raw, default_region);
    case IdentityKind::Email: return normalise_email(raw);
    case IdentityKind::AccountId:
    case IdentityKind::Handle: {
      std::string_view s = trim(raw);
      if (s.empty()) return std::nullopt;
      return std::string(s);
    }
  }
  return std::nullopt;
}

CallerResolution resolve_caller(HistoryStore& store, const CustomerIdentifiers& ids, std::string_view default_region) {
  CallerResolution result;
  struct Try {
    IdentityKind kind;
    const char* name;
    const std::optional<std::string>* raw;
  };
  const Try tries[] = {{IdentityKind::Phone, "phone", &ids.phone},
                       {IdentityKind::Email, "email", &ids.email},
                       {IdentityKind::AccountId, "account_id", &ids.account_id}};
  int most = 0;
  for (const Try& t : tries) {
    if (!*t.raw) continue;
    auto value = normalise_identity(t.kind, **t.raw, default_region);
    if (!value) continue;
    // Two is enough to know "more than one"; a few more give the agent a useful count.
    std::vector<std::string> matches = store.find_customers(t.kind, *value, 50);
    std::sort(matches.begin(), matches.end());
    matches.erase(std::unique(matches.begin(), matches.end()), matches.end());
    if (matches.size() == 1) {
      result.customer_id = matches.front();
      result.identified_by = t.name;
      result.candidates = 0;
      return result;
    }
    most = std::max(most, static_cast<int>(matches.size()));
  }
  result.candidates = most >= 2 ? most : 0;  // a name alone never identifies anyone
  return result;
}

}  // namespace rightmoment
