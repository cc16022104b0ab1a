#pragma once
// The outcome record: every prompt shown or held out, every agent answer, and one summary per
// interaction, so that each rule's effect can be measured against a holdout.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "plugin/core/event_time.hpp"
#include "plugin/core/history_types.hpp"

namespace rightmoment {

struct PromptOutcome {
  std::string prompt_id;
  std::string interaction_id;
  std::string rule_id;
  std::string kind;  // screen_pop|opportunity|guardrail
  std::optional<std::string> agent_id;
  std::optional<std::string> customer_id;
  EventTimeMs event_time = 0;
  bool held_out = false;   // raised on a holdout interaction: recorded, not shown
  bool handover = false;
  std::optional<double> customer_sentiment;  // the customer's running sentiment when raised
  std::string prompt_json;  // the object as delivered (or as it would have been)
};

struct FeedbackOutcome {
  std::string prompt_id;
  std::string interaction_id;
  std::string rule_id;
  std::optional<std::string> agent_id;
  std::string action;  // accepted|dismissed|snoozed
  EventTimeMs ts = 0;
};

struct InteractionOutcome {
  std::string interaction_id;
  std::optional<std::string> customer_id;
  std::string channel;
  std::string direction;
  EventTimeMs started_at = 0;
  EventTimeMs ended_at = 0;
  std::int64_t duration_ms = 0;
  int hold_count = 0;
  std::int64_t hold_total_ms = 0;
  std::optional<double> sentiment_start;
  std::optional<double> sentiment_end;
  bool held_out = false;
  int prompts = 0;
  std::optional<std::string> transcript;  // only when the config asks for it
  // The contact this call leaves in the customer's history (when the caller was identified): written
  // with the record, keyed by the interaction id, so a resend writes no second contact.
  std::optional<ContactRecord> contact;
};

using OutcomeRecord = std::variant<PromptOutcome, FeedbackOutcome, InteractionOutcome>;

}  // namespace rightmoment
