#include "plugin/web/supervisor_hub.hpp"

#include <algorithm>
#include <cmath>


namespace rightmoment {
namespace {

using Json = nlohmann::json;

// The default catalogue's rules behind the three alerts (config/rules/default.rules.jsonc).
constexpr const char* kLegalRule = "agent-guardrail-legal";
constexpr const char* kDetractorRule = "high-reach-detractor";
constexpr const char* kFrustrationRule = "frustration";
constexpr const char* kChurnRule = "churn-intent";
constexpr std::size_t kTrendPoints = 20;
constexpr std::size_t kPromptsShown = 32;
constexpr std::size_t kStripLength = 50;

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

const Json* find_prompt(const Json& summary, const char* rule) {
  for (const auto& p : summary["prompts"])
    if (p.value("rule_id", "") == rule) return &p;
  return nullptr;
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
    found->second.summary["owner"] = host_id_;
    return &found->second;
  }
  if (live_.size() >= options_.max_interactions) {
    ++stats_.interactions_refused;
    return nullptr;
  }
  Live& l = live_[interaction_id];
  l.local = local;
  l.summary = Json{{"interaction_id", interaction_id}, {"owner", host_id_}, {"queue", ""}, {"team", ""}, {"agent_id", ""},
                   {"channel", ""}, {"started_at_ms", 0}, {"last_event_ms", 0}, {"sentiment", Json::array()},
                   {"prompts", Json::array()}, {"attention", Json::array()}};
  stats_.interactions_live = static_cast<std::int64_t>(live_.size());
  return &l;
}

void SupervisorHub::on_live(const LiveUpdate& u) {
  std::lock_guard lock(mutex_);
  if (u.ended) return ended(u.interaction_id);
  Live* live = live_for(u.interaction_id, true);
  if (!live) return;
  Json& s = live->summary;
  if (!u.channel.empty()) s["channel"] = u.channel;
  if (!u.queue.empty()) s["queue"] = u.queue;
  if (!u.agent_id.empty()) {
    s["agent_id"] = u.agent_id;
    auto team = options_.team_of_agent.find(u.agent_id);
    s["team"] = team == options_.team_of_agent.end() ? "" : team->second;
  }
  if (u.started_at) s["started_at_ms"] = u.started_at;
  s["last_event_ms"] = std::max(s["last_event_ms"].get<std::int64_t>(), u.ts);
  if (u.sentiment) {
    auto& trend = s["sentiment"];
    trend.push_back(std::round(*u.sentiment * 100) / 100);
    if (trend.size() > kTrendPoints) trend.erase(trend.begin());
  }
  if (!u.answered_prompt_id.empty())
    for (auto& p : s["prompts"])
      if (p.value("prompt_id", "") == u.answered_prompt_id && p.value("agent_id", "") != "") p["answer"] = u.answer;
  changed(u.interaction_id, *live);
}

void SupervisorHub::on_prompt(const DeliveredPrompt& d) {
  const PromptSummary& p = d.summary;  // typed: the prompt's JSON is not parsed again here
  if (p.handover) return;  // a copy for a second agent: the first is listed
  std::lock_guard lock(mutex_);
  Live* live = live_for(d.interaction_id, true);
  if (!live) return;
  Json& s = live->summary;
  if (p.kind == "screen_pop") {
    if (!p.customer_name.empty()) s["customer"] = p.customer_name;
    return changed(d.interaction_id, *live);
  }
  auto& prompts = s["prompts"];
  for (const auto& listed : prompts)
    if (listed.value("prompt_id", "") == p.prompt_id) return;  // raised again where the call went on: listed already
  if (prompts.size() >= kPromptsShown) return;
  prompts.push_back(Json{{"prompt_id", p.prompt_id}, {"rule_id", p.rule_id}, {"kind", p.kind},
                         {"title", p.title}, {"agent_id", d.agent_id},
                         {"raised_ms", p.event_time_ms.value_or(s["last_event_ms"].get<std::int64_t>())}});
  changed(d.interaction_id, *live);
}

void SupervisorHub::on_remote(const std::string& summary_json) {
  Json s = Json::parse(summary_json, nullptr, false);
  if (!s.is_object() || !s.contains("interaction_id") || !s["interaction_id"].is_string()) return;
  std::string id = s["interaction_id"];
  std::lock_guard lock(mutex_);
  if (s.value("ended", false)) return ended(id);
  if (auto found = live_.find(id); found != live_.end() && found->second.local) return;  // ours: we know better
  if (!s.contains("prompts") || !s["prompts"].is_array() || !s.contains("sentiment")) return;
  Live* live = live_for(id, false);
  if (!live) return;
  live->summary = std::move(s);
  changed(id, *live);
}

void SupervisorHub::ended(const std::string& interaction_id) {
  auto found = live_.find(interaction_id);
  if (found == live_.end()) return;
  bool local = found->second.local;
  live_.erase(found);
  stats_.interactions_live = static_cast<std::int64_t>(live_.size());
  std::erase_if(alerts_, [&](const Json& a) { return a.value("interaction_id", "") == interaction_id; });
  if (local && publish_) publish_(interaction_id, "", true);
  std::string message = dump(Json{{"type", "interaction.ended"}, {"interaction_id", interaction_id}});
  send_all([&](const Page&) { return message; });
}

void SupervisorHub::check_alerts(const std::string& interaction_id, Live& live) {
  const Json& s = live.summary;
  std::int64_t now = s.value("last_event_ms", std::int64_t{0});
  auto raise = [&](const std::string& kind, const std::string& text, bool budgeted, bool is_private) {
    if (live.alerted.count(kind)) return;
    live.alerted.insert(kind);
    if (budgeted) {
      std::int64_t window = options_.alert_window.count() * 1000;
      while (!budget_.empty() && budget_.front() <= now - window) budget_.pop_front();
      if (budget_.size() >= options_.alerts_per_window) {
        ++stats_.alerts_suppressed;
        live.summary["attention"].push_back(kind);  // still marked in the list, just not in the strip
        return;
      }
      budget_.push_back(now);
    }
    ++stats_.alerts_raised;
    Json alert{{"kind", kind}, {"interaction_id", interaction_id}, {"agent_id", s.value("agent_id", "")},
               {"team", s.value("team", "")}, {"queue", s.value("queue", "")}, {"text", text}, {"at_ms", now},
               {"private", is_private}};
    live.summary["attention"].push_back(kind);
    alerts_.push_back(alert);
    if (alerts_.size() > kStripLength) alerts_.pop_front();
    std::string message = dump(Json{{"type", "alert"}, {"alert", alert}});
    send_all([&](const Page& page) -> std::optional<std::string> {
      if (is_private && !sees_private(page, s)) return std::nullopt;
      return message;
    });
  };
  std::string who = s.value("agent_id", "");
  if (find_prompt(s, kLegalRule))
    raise("legal_threat", who + " was coached for a legal threat: listen in now", false, true);
  if (find_prompt(s, kDetractorRule) && find_prompt(s, kFrustrationRule))
    raise("frustrated_detractor", "A high-reach detractor is frustrated on " + who + "'s call", true, false);
  if (const Json* churn = find_prompt(s, kChurnRule); churn && !churn->contains("answer") &&
                                                       now - churn->value("raised_ms", now) >= options_.churn_unanswered.count() * 1000)
    raise("churn_unanswered", "A churn moment on " + who + "'s call has had no answer for " +
                                  std::to_string(options_.churn_unanswered.count()) + " s", true, false);
}

void SupervisorHub::changed(const std::string& interaction_id, Live& live) {
  check_alerts(interaction_id, live);
  if (live.local && publish_) publish_(interaction_id, dump(live.summary), false);
  const Json& s = live.summary;
  send_all([&](const Page& page) -> std::optional<std::string> {
    return dump(Json{{"type", "interaction"}, {"interaction", view_for(page, s)}});
  });
}

bool SupervisorHub::sees_private(const Page& page, const Json& summary) const {
  std::string team = summary.value("team", "");
  return !team.empty() && page.teams.count(team) > 0;
}

Json SupervisorHub::view_for(const Page& page, const Json& summary) const {
  if (sees_private(page, summary)) return summary;
  Json v = summary;
  Json kept = Json::array();
  for (const auto& p : v["prompts"])
    if (p.value("kind", "") != "guardrail") kept.push_back(p);
  v["prompts"] = std::move(kept);
  Json attention = Json::array();
  for (const auto& a : v["attention"])
    if (a != "legal_threat") attention.push_back(a);
  v["attention"] = std::move(attention);
  return v;
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
    for (const auto& [id, live] : live_) interactions.push_back(view_for(page, live.summary));
    Json alerts = Json::array();
    for (const auto& a : alerts_) {
      if (a.value("private", false)) {
        auto l = live_.find(a.value("interaction_id", ""));
        if (l == live_.end() || !sees_private(page, l->second.summary)) continue;
      }
      alerts.push_back(a);
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
