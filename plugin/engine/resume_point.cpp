#include "plugin/engine/resume_point.hpp"

#include <algorithm>

namespace rightmoment {

ResumePoint resume_point_from(const RecordedInteraction& record) {
  ResumePoint r;
  r.ended = record.ended;
  for (const PromptOutcome& p : record.prompts) {
    if (!r.customer_id && p.customer_id) r.customer_id = p.customer_id;
    r.first_prompt_at = std::min(r.first_prompt_at.value_or(p.event_time), p.event_time);
    PromptJson json = PromptJson::parse(p.prompt_json, nullptr, false);
    if (json.is_object() && json.contains("trigger_event_id") && json["trigger_event_id"].is_string()) {
      std::string trigger = json["trigger_event_id"].get<std::string>();
      if (std::find(r.trigger_event_ids.begin(), r.trigger_event_ids.end(), trigger) == r.trigger_event_ids.end())
        r.trigger_event_ids.push_back(std::move(trigger));
    }
    std::string agent = p.agent_id.value_or("");
    if (p.kind == "screen_pop") {
      if (!agent.empty() && std::find(r.popped_agents.begin(), r.popped_agents.end(), agent) == r.popped_agents.end())
        r.popped_agents.push_back(agent);
      continue;
    }
    r.raised.emplace(p.rule_id, agent);
    if (!p.handover) ++r.new_prompts;
    if (p.held_out || !json.is_object()) continue;
    // One entry per prompt, whoever it was shown to: a handover adds its agent to the latest prompt of
    // that id (ids repeat across restarts, so an earlier life's prompt may share it).
    auto same = r.shown.rend();
    if (p.handover)
      same = std::find_if(r.shown.rbegin(), r.shown.rend(), [&](const RaisedPrompt& s) { return s.prompt_id == p.prompt_id; });
    if (same == r.shown.rend()) {
      json.erase("handover");
      r.shown.push_back(RaisedPrompt{p.prompt_id, p.rule_id, std::move(json), {}, false});
      same = r.shown.rbegin();
    }
    if (!agent.empty()) same->shown_to.push_back(agent);
  }
  return r;
}

}  // namespace rightmoment
