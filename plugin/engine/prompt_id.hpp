#pragma once
// Prompt ids that are unique across hosts and restarts and still the same on every replay: derived
// from what makes a prompt what it is, never from a process-local counter.
//
//   "pr-" + 16 lower-case hex digits of FNV-1a-64 over
//   interaction_id \x1f rule_id \x1f trigger_event_id \x1f agent_id [\x1f occurrence]
//
// An interaction id is unique across the contact centre; within it, the engine raises one new prompt
// per (rule, trigger) and one screen pop per (agent, joining event); a rule that fires twice on one
// trigger (a timer re-armed by the same event) adds its occurrence number, 2 and up. Distinct inputs
// therefore give distinct ids up to a 64-bit hash collision (about 1 in 3·10^7 among a million
// prompts of one day; the outcome record keys answers by interaction and prompt id together).
#include <string>
#include <string_view>

namespace rightmoment {

// occurrence 1 is the first use of this (interaction, rule, trigger, agent); it adds nothing.
std::string derive_prompt_id(std::string_view interaction_id, std::string_view rule_id, std::string_view trigger_event_id,
                             std::string_view agent_id, int occurrence);

}  // namespace rightmoment
