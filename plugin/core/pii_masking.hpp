#pragma once
// Masks personal data in text that is about to be logged: email addresses become "[email]", and runs
// of 8 or more digits (card numbers, national ids, account and phone numbers, allowing spaces, dots
// and dashes between digit groups) become "[number]". Transcript text is never logged at all; this is
// the safety net for values echoed from input (a rejected field, a bad configuration value).
#include <string>
#include <string_view>

namespace rightmoment {

std::string mask_pii(std::string_view text);

}  // namespace rightmoment
