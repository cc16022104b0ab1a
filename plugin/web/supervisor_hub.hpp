#pragma once
// The supervisor's live view: every live interaction of every host (queue, team, agent, duration, the
// customer's sentiment trend, the prompts and guardrails raised with the agents' answers), and an
// alert strip for what needs a supervisor now, budgeted so that it does not flood.
//
// This host's interactions are summarised here from what its engine delivers (prompts, live updates,
// answers) and published on the prompt bus; other hosts' summaries arrive from it. A guardrail stays
// private to the agent and the supervisors of the agent's team: other supervisors' pages never
// receive it, nor the alert it raises.
//
// Alerts (event time, so a replay alerts the same): a legal-threat guardrail (always shown); a
// high-reach detractor who is frustrated; a churn moment still unanswered after churn_unanswered.
// Each fires once per interaction; the last two share a budget of alerts_per_window per
// alert_window (the rest are counted as suppressed and the call is only marked in the list).
//
// Bounded: max_interactions live summaries (the newest beyond are not shown, and counted), 20
// sentiment points and 32 prompts per interaction, max_pages pages.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugin/core/delivered_prompt.hpp"
#include "plugin/web/http_server.hpp"
#include "plugin/web/interaction_summary.hpp"

namespace rightmoment {

struct SupervisorOptions {
  std::map<std::string, std::string> team_of_agent;                     // agent id -> team
  std::map<std::string, std::set<std::string>> teams_of_supervisor;     // supervisor id -> teams
  std::size_t alerts_per_window = 4;
  std::chrono::seconds alert_window{300};
  std::chrono::seconds churn_unanswered{60};
  std::size_t max_interactions = 50000;
  std::size_t max_pages = 256;
};

struct SupervisorHubStats {
  std::int64_t pages_open = 0;
  std::int64_t interactions_live = 0;
  std::uint64_t alerts_raised = 0;
  std::uint64_t alerts_suppressed = 0;  // over the budget
  std::uint64_t interactions_refused = 0;  // over max_interactions
  std::uint64_t remote_refused = 0;  // another host's summaries that were not summaries (never shown)
};

class SupervisorHub {
 public:
  // Publishes this host's summary of one interaction to the other hosts (the prompt bus); may be empty.
  using Publish = std::function<void(const std::string& interaction_id, const std::string& summary_json, bool ended)>;

  SupervisorHub(SupervisorOptions options, std::string host_id, Publish publish);

  // This host's own interactions (delivery thread).
  void on_prompt(const DeliveredPrompt& prompt);
  void on_live(const LiveUpdate& update);
  // Another host's summary, or its end ({"interaction_id":..., "ended":true}) (bus thread).
  void on_remote(const std::string& summary_json);

  // A page of supervisor_id opened its WebSocket: a snapshot, then live updates. nullopt past max_pages.
  std::optional<WebSocketHandlers> attach(const std::string& supervisor_id, std::shared_ptr<WebSocketPeer> peer);

  SupervisorHubStats stats() const;
  std::vector<std::string> live_interaction_ids() const;

 private:
  struct Page {
    std::string supervisor_id;
    std::set<std::string> teams;
    std::shared_ptr<WebSocketPeer> peer;
  };
  struct Live {
    InteractionSummary summary;
    std::set<std::string> alerted;  // alert kinds already raised
    bool local = false;
  };

  Live* live_for(const std::string& interaction_id, bool local);
  void changed(const std::string& interaction_id, Live& live);  // under the lock
  void ended(const std::string& interaction_id);                 // under the lock
  void check_alerts(const std::string& interaction_id, Live& live);
  bool sees_private(const Page& page, const InteractionSummary& summary) const;
  void send_all(const std::function<std::optional<std::string>(const Page&)>& message);

  SupervisorOptions options_;
  std::string host_id_;
  Publish publish_;
  mutable std::mutex mutex_;
  std::map<std::string, Live> live_;
  std::map<std::uint64_t, Page> pages_;
  std::uint64_t next_page_ = 1;
  std::deque<std::int64_t> budget_;  // event times of the budgeted alerts in the window
  std::deque<SupervisorAlert> alerts_;  // the strip, newest last (at most 50)
  SupervisorHubStats stats_;
};

}  // namespace rightmoment
