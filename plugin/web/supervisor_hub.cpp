#include "plugin/web/supervisor_hub.hpp"

#include <algorithm>
#include <chrono>

namespace rightmoment {
namespace {

using Json = nlohmann::json;

// The default catalogue's rules behind the three alerts (config/rules/default.rules.jsonc).
constexpr const char* kLegalRule = "agent-guardrail-legal";
constexpr const char* kDetractorRule = "high-reach-detractor";
constexpr const char* kFrustrationRule = "frustration";
constexpr const char* kChurnRule = "churn-intent";
constexpr std::size_t kStripLength = 50;

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

SupervisorHub::SupervisorHub(SupervisorOptions options, std::string host_id, Publish publish)
    : options_(std::move(options)), host_id_(std::move(host_id)), publish_(std::move(publish)) {}

SupervisorHub::Live* SupervisorHub::live_for(const std::string& interaction_id, bool local) {
  auto found = live_.find(interaction_id);
  if (found != live_.end() && (found->second.local || !local)) return &found->second;
  if (found != live_.end()) {
    // Another host's call now goes on here (its host died and the platform came back through the
    // balancer; the engine resumed it): ours from now on, with what was summarised so far.
    found->second.local = true;
    found->second.summary.owner = host_id_;
    return &found->second;
  }
  if (live_.size() >= options_.max_interactions) {
    ++stats_.interactions_refused;
    return nullptr;
  }
  Live& l = live_[interaction_id];
  l.local = local;
  l.summary.interaction_id = interaction_id;
  l.summary.owner = host_id_;
  stats_.interactions_live = static_cast<std::int64_t>(live_.size());
  return &l;
}

void SupervisorHub::on_live(const LiveUpdate& u) {
  std::lock_guard lock(mutex_);
  if (u.ended) return ended(u.interaction_id);
  Live* live = live_for(u.interaction_id, true);
  if (!live) return;
  InteractionSummary& s = live->summary;
  if (!u.channel.empty()) s.channel = u.channel;
  if (!u.queue.empty()) s.queue = u.queue;
  if (!u.agent_id.empty()) {
    s.agent_id = u.agent_id;
    auto team = options_.team_of_agent.find(u.agent_id);
    s.team = team == options_.team_of_agent.end() ? "" : team->second;
  }
  if (u.started_at) s.started_at_ms = u.started_at;
  s.last_event_ms = std::max(s.last_event_ms, u.ts);
  if (u.sentiment) s.add_sentiment(*u.sentiment);
  if (!u.answered_prompt_id.empty())
    if (ListedPrompt* p = s.prompt_with_id(u.answered_prompt_id); p && !p->agent_id.empty()) p->answer = u.answer;
  changed(u.interaction_id, *live);
}

void SupervisorHub::on_prompt(const DeliveredPrompt& d) {
  const PromptSummary& p = d.summary;  // typed: the prompt's JSON is not parsed again here
  if (p.handover) return;  // a copy for a second agent: the first is listed
  std::lock_guard lock(mutex_);
  Live* live = live_for(d.interaction_id, true);
  if (!live) return;
  InteractionSummary& s = live->summary;
  if (p.kind == "screen_pop") {
    if (!p.customer_name.empty()) s.customer = p.customer_name;
    return changed(d.interaction_id, *live);
  }
  if (s.prompt_with_id(p.prompt_id)) return;  // raised again where the call went on: listed already
  if (s.prompts.size() >= InteractionSummary::kPromptsShown) return;
  s.prompts.push_back(ListedPrompt{p.prompt_id, p.rule_id, p.kind, p.title, d.agent_id,
                                   p.event_time_ms.value_or(s.last_event_ms), ""});
  changed(d.interaction_id, *live);
}

void SupervisorHub::on_remote(const std::string& summary_json) {
  Json j = Json::parse(summary_json, nullptr, false);
  std::lock_guard lock(mutex_);
  if (!j.is_object()) {
    ++stats_.remote_refused;
    return;
  }
  auto id = j.find("interaction_id");
  auto end = j.find("ended");
  if (id != j.end() && id->is_string() && end != j.end() && end->is_boolean() && end->get<bool>())
    return ended(id->get<std::string>());
  std::string why;
  auto summary = summary_from_json(j, why);
  if (!summary) {
    ++stats_.remote_refused;  // another host's bug must not reach the pages
    return;
  }
  std::string interaction_id = summary->interaction_id;
  if (auto found = live_.find(interaction_id); found != live_.end() && found->second.local) return;  // ours: we know better
  Live* live = live_for(interaction_id, false);
  if (!live) return;
  live->summary = std::move(*summary);
  changed(interaction_id, *live);
}

void SupervisorHub::ended(const std::string& interaction_id) {
  auto found = live_.find(interaction_id);
  if (found == live_.end()) return;
  bool local = found->second.local;
  live_.erase(found);
  stats_.interactions_live = static_cast<std::int64_t>(live_.size());
  std::erase_if(alerts_, [&](const SupervisorAlert& a) { return a.interaction_id == interaction_id; });
  if (local && publish_) publish_(interaction_id, "", true);
  if (pages_.empty()) return;
  std::string message = dump(Json{{"type", "interaction.ended"}, {"interaction_id", interaction_id}});
  send_all([&](const Page&) { return message; });
}

void SupervisorHub::check_alerts(const std::string& interaction_id, Live& live) {
  InteractionSummary& s = live.summary;
  std::int64_t now = s.last_event_ms;
  auto raise = [&](const char* kind, const std::string& text, bool budgeted, bool is_private) {
    if (live.alerted.count(kind)) return;
    live.alerted.insert(kind);
    if (budgeted) {
      std::int64_t window = options_.alert_window.count() * 1000;
      while (!budget_.empty() && budget_.front() <= now - window) budget_.pop_front();
      if (budget_.size() >= options_.alerts_per_window) {
        ++stats_.alerts_suppressed;
        s.mark(kind);  // still marked in the list, just not in the strip
        return;
      }
      budget_.push_back(now);
    }
    ++stats_.alerts_raised;
    SupervisorAlert alert{kind, interaction_id, s.agent_id, s.team, s.queue, text, now, is_private};
    s.mark(kind);
    if (!pages_.empty()) {
      std::string message = dump(Json{{"type", "alert"}, {"alert", to_json(alert)}});
      send_all([&](const Page& page) -> std::optional<std::string> {
        if (is_private && !sees_private(page, s)) return std::nullopt;
        return message;
      });
    }
    alerts_.push_back(std::move(alert));
    if (alerts_.size() > kStripLength) alerts_.pop_front();
  };
  const std::string& who = s.agent_id;
  if (s.prompt_of_rule(kLegalRule))
    raise("legal_threat", who + " was coached for a legal threat: listen in now", false, true);
  if (s.prompt_of_rule(kDetractorRule) && s.prompt_of_rule(kFrustrationRule))
    raise("frustrated_detractor", "A high-reach detractor is frustrated on " + who + "'s call", true, false);
  if (const ListedPrompt* churn = s.prompt_of_rule(kChurnRule);
      churn && churn->answer.empty() && now - churn->raised_ms >= options_.churn_unanswered.count() * 1000)
    raise("churn_unanswered", "A churn moment on " + who + "'s call has had no answer for " +
                                  std::to_string(options_.churn_unanswered.count()) + " s", true, false);
}

void SupervisorHub::changed(const std::string& interaction_id, Live& live) {
  check_alerts(interaction_id, live);
  const InteractionSummary& s = live.summary;
  if (live.local && publish_) publish_(interaction_id, dump(to_json(s, true)), false);
  // Two views at most (with the team's private parts, and without), each serialised once.
  std::optional<std::string> with_private, without;
  send_all([&](const Page& page) -> std::optional<std::string> {
    bool full = sees_private(page, s);
    std::optional<std::string>& message = full ? with_private : without;
    if (!message) message = dump(Json{{"type", "interaction"}, {"interaction", to_json(s, full)}});
    return message;
  });
}

bool SupervisorHub::sees_private(const Page& page, const InteractionSummary& summary) const {
  return !summary.team.empty() && page.teams.count(summary.team) > 0;
}

void SupervisorHub::send_all(const std::function<std::optional<std::string>(const Page&)>& message) {
  for (const auto& [id, page] : pages_)
    if (auto m = message(page)) page.peer->send(*m);
}

std::optional<WebSocketHandlers> SupervisorHub::attach(const std::string& supervisor_id, std::shared_ptr<WebSocketPeer> peer) {
  std::uint64_t page_id = 0;
  {
    std::lock_guard lock(mutex_);
    if (pages_.size() >= options_.max_pages) return std::nullopt;
    page_id = next_page_++;
    Page page{supervisor_id, {}, peer};
    if (auto t = options_.teams_of_supervisor.find(supervisor_id); t != options_.teams_of_supervisor.end()) page.teams = t->second;
    Json interactions = Json::array();
    for (const auto& [id, live] : live_) interactions.push_back(to_json(live.summary, sees_private(page, live.summary)));
    Json alerts = Json::array();
    for (const auto& a : alerts_) {
      if (a.is_private) {
        auto l = live_.find(a.interaction_id);
        if (l == live_.end() || !sees_private(page, l->second.summary)) continue;
      }
      alerts.push_back(to_json(a));
    }
    std::set<std::string> all_teams;
    for (const auto& [agent, team] : options_.team_of_agent) all_teams.insert(team);
    peer->send(dump(Json{{"type", "snapshot"}, {"supervisor_id", supervisor_id}, {"server_time_ms", wall_ms()},
                         {"my_teams", page.teams}, {"teams", all_teams}, {"interactions", interactions}, {"alerts", alerts}}));
    pages_.emplace(page_id, std::move(page));
    stats_.pages_open = static_cast<std::int64_t>(pages_.size());
  }
  WebSocketHandlers h;
  h.on_message = [](std::string_view) {};  // the page only listens; filters are applied in the page
  h.on_closed = [this, page_id] {
    std::lock_guard lock(mutex_);
    pages_.erase(page_id);
    stats_.pages_open = static_cast<std::int64_t>(pages_.size());
  };
  return h;
}

SupervisorHubStats SupervisorHub::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::vector<std::string> SupervisorHub::live_interaction_ids() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [id, live] : live_) out.push_back(id);
  return out;
}

}  // namespace rightmoment
