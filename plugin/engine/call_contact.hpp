#pragma once
// The contact an ended call leaves in its customer's history, so that the customer's next call, on
// any host sharing the store, sees it (repeat-contact and the screen pop's recent contacts).
#include <optional>

#include "plugin/core/history_types.hpp"
#include "plugin/engine/interaction.hpp"

namespace rightmoment {

// nullopt when the caller was not identified (there is no history to add it to). The contact id is
// the interaction id (a resend overwrites, never duplicates); resolved is unknown, so false (the
// contract: absent counts as not resolved); the reason is what the customer was heard to want (the
// live intents, in the order first heard), else the platform's end reason; the summary lists the
// prompts the agents were shown, guardrails left out (they stay private to the agent).
std::optional<ContactRecord> call_contact(const Interaction& it);

}  // namespace rightmoment
