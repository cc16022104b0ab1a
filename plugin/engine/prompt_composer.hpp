#pragma once
// Turns a screen pop or a rule firing into the prompt object of prompts.md.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "plugin/engine/caller_view.hpp"
#include "plugin/rules/rule_set.hpp"

namespace rightmoment {

using PromptJson = nlohmann::ordered_json;

struct PromptEnvelope {
  std::string prompt_id;
  std::string interaction_id;
  std::optional<std::string> agent_id;
  std::string trigger_event_id;
  EventTimeMs event_time = 0;
};

// The screen pop for one agent: who is calling and their history, as of event time `now`.
PromptJson compose_screen_pop(const PromptEnvelope& env, const CallerView& caller, EventTimeMs now);

// A rule's prompt.
PromptJson compose_rule_prompt(const PromptEnvelope& env, const Firing& firing);

// Whole years from customer_since (days since epoch) to the date of `now`, counted to the anniversary.
std::optional<int> tenure_years(std::int64_t since_day, EventTimeMs now);

}  // namespace rightmoment
