#pragma once
// Everything the engine keeps about one live interaction. Owned and touched by the engine thread only.
#include <chrono>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "plugin/core/canonical_event.hpp"
#include "plugin/engine/caller_view.hpp"
#include "plugin/engine/prompt_composer.hpp"
#include "plugin/engine/recent_event_ids.hpp"
#include "plugin/rules/rule_set.hpp"

namespace rightmoment {

struct AgentPresence {
  std::string agent_id;
  std::optional<std::string> agent_name;
  bool present = true;
  std::uint64_t joined_seq = 0;  // larger = joined more recently
};

// A prompt already raised in this interaction (not a screen pop): kept for handovers.
struct RaisedPrompt {
  std::string prompt_id;
  std::string rule_id;
  PromptJson json;  // as first raised (agent_id is rewritten on handover)
  std::vector<std::string> shown_to;
  bool dismissed = false;
};

// A live moment seen while no agent was present (words said in the queue): raised right after the
// next agent's screen pop, with its own event as trigger.
struct PendingMoment {
  Firing firing;
  std::string trigger_event_id;
};

// Every armed timer of every interaction, by deadline: (interaction id, timer id).
using TimerQueue = std::multimap<EventTimeMs, std::pair<std::string, std::uint64_t>>;

struct ArmedTimer {
  std::size_t rule_index;
  EventTimeMs deadline;
  CanonicalEvent arming_event;
  std::uint64_t id;
  TimerQueue::iterator queued;  // its entry in the engine's queue, removed with the timer
};

struct Interaction;
// Interactions by their last activity, least recent first (parked ones are out of it meanwhile).
using InteractionLru = std::list<Interaction*>;

enum class LookupState : std::uint8_t { NotStarted, Pending, Done };

struct Interaction {
  std::string id;
  std::string channel;
  std::string direction;
  std::string queue;
  CustomerIdentifiers identifiers;
  EventTimeMs started_at = 0;
  EventTimeMs last_event_at = 0;
  bool started_seen = false;  // an interaction.started came (later ones only add what it lacked)
  bool held_out = false;
  // The rule set (and the analyzer whose intents it names) in force when the interaction began.
  std::shared_ptr<const RuleSet> rules;
  std::shared_ptr<const LanguageAnalyzer> analyzer;
  RuleLedger ledger;

  LookupState lookup = LookupState::NotStarted;
  CallerView caller;

  // The first agent's join waits for the lookup: events of this interaction are parked meanwhile.
  bool parked = false;
  std::chrono::steady_clock::time_point park_deadline;
  std::deque<std::pair<CanonicalEvent, std::chrono::steady_clock::time_point>> parked_events;

  std::vector<AgentPresence> agents;
  std::uint64_t join_counter = 0;
  bool first_agent_served = false;  // the first screen pop and the history rules went out
  std::vector<PendingMoment> pending_moments;
  std::vector<RaisedPrompt> raised;
  int new_prompts = 0;  // counted against the per-interaction cap
  std::unordered_map<std::string, int> prompt_id_uses;  // (rule, trigger, agent) -> times used, for prompt ids

  RecentEventIds seen_event_ids;
  std::vector<ArmedTimer> timers;  // at most one per timer rule

  // Resumed after a restart (the outcome record knew it): prompts already raised, by (rule, agent).
  LookupState record = LookupState::NotStarted;
  std::set<std::pair<std::string, std::string>> raised_before_restart;
  std::optional<std::string> resumed_customer_id;

  std::optional<InteractionLru::iterator> lru;  // empty while parked

  int hold_count = 0;
  std::optional<EventTimeMs> hold_started_at;
  std::int64_t hold_total_ms = 0;
  double sentiment_sum = 0;
  int customer_utterances = 0;
  std::optional<double> sentiment_first;
  std::optional<double> sentiment_last;
  std::string transcript;  // only when store_transcripts is on
  std::vector<std::string> customer_intents;  // intents heard from the customer, first-heard order (for the contact)
  std::optional<std::string> end_reason;      // the platform's, from interaction.ended

  const AgentPresence* most_recent_present_agent() const {
    const AgentPresence* best = nullptr;
    for (const auto& a : agents)
      if (a.present && (!best || a.joined_seq > best->joined_seq)) best = &a;
    return best;
  }
  AgentPresence* find_agent(const std::string& agent_id) {
    for (auto& a : agents)
      if (a.agent_id == agent_id) return &a;
    return nullptr;
  }
};

}  // namespace rightmoment
