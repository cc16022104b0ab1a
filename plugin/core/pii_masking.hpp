#pragma once
// Masks personal data in text that is about to be logged: email addresses become "[email]", and
// numbers of 8 or more digits (card numbers, national ids, account and phone numbers, written with
// spaces, dots, dashes, slashes or brackets between digit groups, "+1 (415) 555-0101") become
// "[number]". Identifiers stay intact so that a call can be found in the logs: digits that are part of
// a word with letters (UUIDs, "CA3f29...", "pr-000001"), UUID-shaped runs, dotted IPv4 addresses,
// calendar dates and timestamps are not numbers here, and the values of a structured line's id fields
// ("[interaction_id=... prompt_id=...]", plugin/runtime/log_fields.hpp) are never touched.
// Transcript text is never logged at all; this is the safety net for values echoed from input (a
// rejected field, a bad configuration value).
#include <string>
#include <string_view>

namespace rightmoment {

std::string mask_pii(std::string_view text);

}  // namespace rightmoment
