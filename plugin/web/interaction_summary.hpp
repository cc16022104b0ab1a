#pragma once
// One live interaction as the supervisor's view shows it, and an alert of its strip: typed inside
// the plugin, JSON only where they leave (a page, the prompt bus) or arrive from another host. The
// delivery thread updates a summary on every event of its call, so the update is member access,
// not a walk through a JSON object.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace rightmoment {

struct ListedPrompt {
  std::string prompt_id;
  std::string rule_id;
  std::string kind;  // opportunity | guardrail (screen pops are not listed)
  std::string title;
  std::string agent_id;
  std::int64_t raised_ms = 0;  // event time
  std::string answer;          // the agent's (accepted | dismissed | snoozed); empty until answered
};

struct InteractionSummary {
  static constexpr std::size_t kTrendPoints = 20;   // sentiment points kept, newest last
  static constexpr std::size_t kPromptsShown = 32;  // prompts listed; later ones are not
  static constexpr std::size_t kAttentionMarks = 8;

  std::string interaction_id;
  std::string owner;  // the host whose engine runs the call
  std::string queue;
  std::string team;
  std::string agent_id;
  std::string channel;
  std::optional<std::string> customer;  // the screen pop's name, once known
  std::int64_t started_at_ms = 0;
  std::int64_t last_event_ms = 0;
  std::deque<double> sentiment;
  std::vector<ListedPrompt> prompts;
  std::vector<std::string> attention;  // alert kinds raised on this call

  const ListedPrompt* prompt_of_rule(std::string_view rule_id) const;
  ListedPrompt* prompt_with_id(std::string_view prompt_id);
  void add_sentiment(double score);  // rounded to 2 places; the oldest point goes past kTrendPoints
  void mark(std::string kind);       // bounded by kAttentionMarks
};

struct SupervisorAlert {
  std::string kind;  // legal_threat | frustrated_detractor | churn_unanswered
  std::string interaction_id;
  std::string agent_id;
  std::string team;
  std::string queue;
  std::string text;
  std::int64_t at_ms = 0;   // event time
  bool is_private = false;  // for the agent's team's supervisors only
};

// The summary as pages and other hosts read it. Without private parts: no guardrail is listed and
// no legal_threat mark is shown (what a supervisor of another team sees).
nlohmann::json to_json(const InteractionSummary& summary, bool with_private);
nlohmann::json to_json(const SupervisorAlert& alert);

// Another host's summary, as to_json wrote it. nullopt, with what is wrong in `why`, for anything
// else; the lists are cut to this host's bounds.
std::optional<InteractionSummary> summary_from_json(const nlohmann::json& j, std::string& why);

}  // namespace rightmoment
