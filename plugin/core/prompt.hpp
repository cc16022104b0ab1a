#pragma once
// What the agent is shown (shared/contract/prompts.md).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plugin/core/event_time.hpp"

namespace rightmoment {

enum class PromptKind : std::uint8_t { ScreenPop, Opportunity, Guardrail };
std::string_view prompt_kind_name(PromptKind k);  // "screen_pop", "opportunity", "guardrail"

struct Evidence {
  std::string kind;  // "feedback", "contact", "case", "customer", "utterance", "event"
  std::string ref;   // the record id or event id
  std::string text;
};

}  // namespace rightmoment
