#pragma once
// Where an interaction stood when the plugin last saw it, read back from the outcome record after a
// restart: the agents who had their screen pop, the prompts raised for each agent, the events that
// triggered them. The engine resumes the interaction from it and raises none of it again. Built on
// a store worker (the record's JSON is parsed there), handed to the engine typed.
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "plugin/engine/interaction.hpp"
#include "plugin/history/history_store.hpp"

namespace rightmoment {

struct ResumePoint {
  bool read_failed = false;  // the store did not answer: the interaction starts afresh
  bool ended = false;        // its summary is recorded: events for it are late
  std::vector<std::string> popped_agents;                 // in the order of their screen pops
  std::set<std::pair<std::string, std::string>> raised;   // (rule_id, agent_id) of every rule prompt
  std::vector<std::string> trigger_event_ids;             // already handled
  std::vector<RaisedPrompt> shown;                        // rule prompts shown, for a later handover
  int new_prompts = 0;                                    // counted against the per-interaction cap
  std::optional<std::string> customer_id;
  std::optional<EventTimeMs> first_prompt_at;

  bool empty() const { return popped_agents.empty() && raised.empty(); }
};

ResumePoint resume_point_from(const RecordedInteraction& record);

}  // namespace rightmoment
