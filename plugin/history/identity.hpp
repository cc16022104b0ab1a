#pragma once
// Identity normalisation and caller resolution (events.md "Identity").
#include <optional>
#include <string>
#include <string_view>

#include "plugin/core/canonical_event.hpp"
#include "plugin/core/history_types.hpp"

namespace rightmoment {

class HistoryStore;

// E.164 ("+14155550101") from any human format; a leading "+", "00" or "011" starts an international
// number, anything else takes default_region ("US"). Caller ids as platforms write them are read too:
// tel: URIs (RFC 3966: separators, ;ext=, ;phone-context=) and sip:/sips: URIs, bare or in <...>
// with parameters (RFC 3261: the user part is the number). nullopt when it is not a possible number,
// and for a SIP user part that is not a number (sip:alice@example.com).
std::optional<std::string> normalise_phone(std::string_view raw, std::string_view default_region);
// Trimmed, lower-cased; nullopt when empty or without '@'.
std::optional<std::string> normalise_email(std::string_view raw);
// The normalised value for an identity record of this kind (handles and account ids: trimmed, exact).
std::optional<std::string> normalise_identity(IdentityKind kind, std::string_view raw, std::string_view default_region);

struct CallerResolution {
  std::optional<std::string> customer_id;   // set when identified
  std::optional<std::string> identified_by; // "phone"|"email"|"account_id" when identified
  int candidates = 0;                       // ambiguous: the largest match count of one identifier; else 0
  bool ambiguous() const { return !customer_id && candidates >= 2; }
};

// Tries phone, email, account_id in that order; the first that matches exactly one customer
// identifies the caller. A name alone never identifies anyone. Blocking (store calls).
CallerResolution resolve_caller(HistoryStore& store, const CustomerIdentifiers& ids, std::string_view default_region);

}  // namespace rightmoment
