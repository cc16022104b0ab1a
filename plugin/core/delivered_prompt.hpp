#pragma once
// What the delivery thread (plugin/engine/prompt_delivery.hpp) hands its listeners: a prompt with
// where it goes, and the changes a supervisor's live view follows. Types only, so that the pop-up and
// the supervisor view (plugin/web) know what they receive and nothing of the engine.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace rightmoment {

// What the pop-up and the supervisor's view need of a prompt, filled by the engine as it composes it,
// so that the delivery thread never parses the prompt's JSON again. It agrees with the JSON (each
// engine test checks it).
struct PromptSummary {
  std::string prompt_id;
  std::string rule_id;
  std::string kind;           // screen_pop | opportunity | guardrail
  std::string title;
  std::string customer_name;  // a screen pop's, when the caller is known
  std::optional<std::int64_t> event_time_ms;
  bool handover = false;      // a copy for a second agent
};

struct DeliveredPrompt {
  std::string json;
  std::string interaction_id;
  std::string agent_id;  // empty when none
  std::chrono::steady_clock::time_point event_arrived;  // for the event-to-prompt latency
  PromptSummary summary;
};

// What a supervisor's live view needs of an interaction beside its prompts, sent when it changes.
struct LiveUpdate {
  std::string interaction_id;
  std::string channel;
  std::string queue;
  std::string agent_id;          // the most recent agent present; empty when none
  std::int64_t started_at = 0;   // event time
  std::int64_t ts = 0;           // event time of what changed
  std::optional<double> sentiment;  // a customer utterance's
  std::string answered_prompt_id;   // an agent's answer ...
  std::string answer;               // ... accepted|dismissed|snoozed
  bool ended = false;
};

using PromptListener = std::function<void(const DeliveredPrompt&)>;
using LiveListener = std::function<void(const LiveUpdate&)>;
// Told when an interaction ends, in order with its prompts (the pop-up clears its cards).
using InteractionEndedListener = std::function<void(const std::string& interaction_id)>;

}  // namespace rightmoment
