#include "plugin/web/popup_hub.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "plugin/core/error_reply.hpp"

namespace rightmoment {
namespace {

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

PopupHub::PopupHub(PopupHubOptions options, FeedbackSink feedback) : options_(options), feedback_(std::move(feedback)) {}

std::string PopupHub::card_json(const Card& card) {
  // The prompt is our own JSON: spliced in as it is rather than parsed and dumped again.
  std::string out = "{\"prompt\":" + card.json;
  if (card.snoozed_until_ms) out += ",\"snoozed_until_ms\":" + std::to_string(card.snoozed_until_ms);
  out += "}";
  return out;
}

void PopupHub::broadcast(const Agent& agent, const std::string& message) const {
  for (const auto& [id, peer] : agent.pages) peer->send(message);
}

void PopupHub::on_prompt(std::string_view prompt_json, const std::string& interaction_id, const std::string& agent_id,
                         const std::string& owner, std::int64_t snoozed_until_ms) {
  if (agent_id.empty()) return;
  nlohmann::json parsed = nlohmann::json::parse(prompt_json, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("prompt_id") || !parsed["prompt_id"].is_string()) return;
  add_card(Card{parsed["prompt_id"].get<std::string>(), interaction_id, std::string(prompt_json), snoozed_until_ms, owner},
           agent_id);
}

void PopupHub::on_prompt(const DeliveredPrompt& prompt) {
  if (prompt.agent_id.empty() || prompt.summary.prompt_id.empty()) return;
  add_card(Card{prompt.summary.prompt_id, prompt.interaction_id, prompt.json, 0, {}}, prompt.agent_id);
}

void PopupHub::add_card(Card card, const std::string& agent_id) {
  std::lock_guard lock(mutex_);
  auto found = agents_.find(agent_id);
  if (found == agents_.end()) {
    if (agents_.size() >= options_.max_agents || stats_.cards_active >= static_cast<std::int64_t>(options_.max_cards)) {
      ++stats_.cards_refused;  // an agent flood: no page could show them all anyway
      return;
    }
    found = agents_.emplace(agent_id, Agent{}).first;
  }
  Agent& agent = found->second;
  auto same = std::find_if(agent.cards.begin(), agent.cards.end(), [&](const Card& c) { return c.prompt_id == card.prompt_id; });
  if (same != agent.cards.end()) {
    // A catch-up of a card this host has already: nothing new to show. A new owner is news: a call
    // whose host died and that goes on elsewhere raises the same ids there, and answers go there now.
    if (same->json == card.json && same->snoozed_until_ms == card.snoozed_until_ms && same->owner == card.owner) return;
    *same = card;  // a handover of a card the agent already has: the newest copy wins
  } else {
    if (agent.cards.size() < options_.max_cards_per_agent &&
        stats_.cards_active >= static_cast<std::int64_t>(options_.max_cards)) {
      ++stats_.cards_refused;
      forget_if_idle(agent_id);
      stats_.agents_with_cards = static_cast<std::int64_t>(agents_.size());
      return;
    }
    if (agent.cards.size() >= options_.max_cards_per_agent) {
      agent.cards.erase(agent.cards.begin());
      ++stats_.cards_evicted;
      --stats_.cards_active;
    }
    agent.cards.push_back(card);
    ++stats_.cards_active;
  }
  agents_by_interaction_[card.interaction_id].insert(agent_id);
  if (agents_by_interaction_.size() > 2 * options_.max_cards + 64) prune_interaction_index();
  stats_.agents_with_cards = static_cast<std::int64_t>(agents_.size());
  broadcast(agent, "{\"type\":\"prompt\"," + card_json(card).substr(1));
}

void PopupHub::prune_interaction_index() {
  for (auto it = agents_by_interaction_.begin(); it != agents_by_interaction_.end();) {
    std::erase_if(it->second, [&](const std::string& agent_id) {
      auto a = agents_.find(agent_id);
      return a == agents_.end() || std::none_of(a->second.cards.begin(), a->second.cards.end(),
                                                [&](const Card& c) { return c.interaction_id == it->first; });
    });
    it = it->second.empty() ? agents_by_interaction_.erase(it) : std::next(it);
  }
}

void PopupHub::on_interaction_ended(const std::string& interaction_id) {
  std::string message = dump({{"type", "interaction.ended"}, {"interaction_id", interaction_id}});
  std::lock_guard lock(mutex_);
  auto holders = agents_by_interaction_.find(interaction_id);
  if (holders == agents_by_interaction_.end()) return;  // no agent was given a card of it
  for (const auto& agent_id : holders->second) {
    auto found = agents_.find(agent_id);
    if (found == agents_.end()) continue;
    Agent& agent = found->second;
    auto before = agent.cards.size();
    std::erase_if(agent.cards, [&](const Card& c) { return c.interaction_id == interaction_id; });
    if (agent.cards.size() == before) continue;
    stats_.cards_active -= static_cast<std::int64_t>(before - agent.cards.size());
    broadcast(agent, message);
    if (agent.cards.empty() && agent.pages.empty()) agents_.erase(found);
  }
  agents_by_interaction_.erase(holders);
  stats_.agents_with_cards = static_cast<std::int64_t>(agents_.size());
}

std::optional<WebSocketHandlers> PopupHub::attach(const std::string& agent_id, std::shared_ptr<WebSocketPeer> peer) {
  std::uint64_t page_id = 0;
  {
    std::lock_guard lock(mutex_);
    Agent& agent = agents_[agent_id];
    if (agent.pages.size() >= options_.max_pages_per_agent) {
      ++stats_.pages_refused;
      forget_if_idle(agent_id);
      return std::nullopt;
    }
    page_id = next_page_++;
    // The snapshot goes out before any live update: both are sent under the lock, in order.
    std::string snapshot = "{\"type\":\"snapshot\",\"agent_id\":" + dump(agent_id) +
                           ",\"snooze_ms\":" + std::to_string(options_.snooze.count() * 1000) +
                           ",\"server_time_ms\":" + std::to_string(wall_ms()) + ",\"cards\":[";
    for (std::size_t i = 0; i < agent.cards.size(); ++i) snapshot += (i ? "," : "") + card_json(agent.cards[i]);
    snapshot += "]}";
    peer->send(std::move(snapshot));
    agent.pages.emplace(page_id, std::move(peer));
    ++stats_.pages_open;
    stats_.agents_with_cards = static_cast<std::int64_t>(agents_.size());
  }
  // Cards raised on other hosts, and answers given there, arrive as live updates after the snapshot.
  if (peers_.attached) peers_.attached(agent_id);
  WebSocketHandlers handlers;
  handlers.on_message = [this, agent_id, page_id](std::string_view text) { on_page_message(agent_id, page_id, text); };
  handlers.on_closed = [this, agent_id, page_id] { detach(agent_id, page_id); };
  return handlers;
}

void PopupHub::detach(const std::string& agent_id, std::uint64_t page_id) {
  std::lock_guard lock(mutex_);
  auto found = agents_.find(agent_id);
  if (found == agents_.end()) return;
  if (found->second.pages.erase(page_id)) --stats_.pages_open;
  forget_if_idle(agent_id);
  stats_.agents_with_cards = static_cast<std::int64_t>(agents_.size());
}

void PopupHub::forget_if_idle(const std::string& agent_id) {
  auto found = agents_.find(agent_id);
  if (found != agents_.end() && found->second.cards.empty() && found->second.pages.empty()) agents_.erase(found);
}

void PopupHub::on_page_message(const std::string& agent_id, std::uint64_t page_id, std::string_view text) {
  auto reply = [&](const std::string& message) {
    std::lock_guard lock(mutex_);
    auto a = agents_.find(agent_id);
    if (a == agents_.end()) return;
    auto p = a->second.pages.find(page_id);
    if (p != a->second.pages.end()) p->second->send(message);
  };
  nlohmann::json msg = nlohmann::json::parse(text, nullptr, false);
  auto refuse = [&](const std::string& code, const std::string& why, const std::string& prompt_id = {}) {
    {
      std::lock_guard lock(mutex_);
      ++stats_.feedback_refused;
    }
    reply(error_reply(code, why, prompt_id));
  };
  if (!msg.is_object()) return refuse("bad_json", "expected a JSON object");
  // Not value(): it throws when "type" is there but is not a string (found by fuzz_web).
  auto t = msg.find("type");
  std::string type = t != msg.end() && t->is_string() ? t->get<std::string>() : std::string();
  if (type == "ping") return reply("{\"type\":\"pong\"}");
  if (type != "prompt.feedback") return refuse("bad_type", "expected type prompt.feedback");
  if (!msg.contains("prompt_id") || !msg["prompt_id"].is_string() || !msg.contains("action") || !msg["action"].is_string())
    return refuse("bad_feedback", "prompt_id and action must be strings");
  std::string prompt_id = msg["prompt_id"].get<std::string>();
  std::string action = msg["action"].get<std::string>();
  if (action != "accepted" && action != "dismissed" && action != "snoozed")
    return refuse("bad_feedback", "action must be accepted, dismissed or snoozed", prompt_id);

  std::string owner;
  {
    std::lock_guard lock(mutex_);
    auto a = agents_.find(agent_id);
    const Card* card = nullptr;
    if (a != agents_.end())
      for (const auto& c : a->second.cards)
        if (c.prompt_id == prompt_id) card = &c;
    if (!card) {
      ++stats_.feedback_refused;
      if (a != agents_.end())
        if (auto p = a->second.pages.find(page_id); p != a->second.pages.end())
          p->second->send(error_reply("unknown_prompt", "no active card with this prompt_id for this agent", prompt_id));
      return;
    }
    owner = card->owner;
  }
  // The agent is who the signed link says, whatever the page claims; the time is the plugin's event
  // clock (no "ts"), so that replays and live calls record answers on the same time line. An answer
  // to a card another host owns goes to that host's engine, which knows the prompt.
  nlohmann::json feedback{{"type", "prompt.feedback"}, {"prompt_id", prompt_id}, {"action", action}, {"agent_id", agent_id}};
  if (owner.empty()) {
    if (auto error = feedback_(dump(feedback))) return refuse("not_recorded", *error, prompt_id);
  } else if (!peers_.send_answer || !peers_.send_answer(owner, dump(feedback))) {
    return refuse("not_recorded", "the host that owns this call cannot be reached right now", prompt_id);
  }

  std::int64_t snoozed_until = action == "snoozed" ? wall_ms() + options_.snooze.count() * 1000 : 0;
  {
    std::lock_guard lock(mutex_);
    ++stats_.feedback_accepted;
    auto a = agents_.find(agent_id);
    if (a == agents_.end()) return;
    apply_answer(a->second, prompt_id, action, snoozed_until);
  }
  if (peers_.answered) peers_.answered(agent_id, prompt_id, action, snoozed_until);
}

void PopupHub::apply_answer(Agent& agent, const std::string& prompt_id, const std::string& action, std::int64_t snoozed_until_ms) {
  auto card = std::find_if(agent.cards.begin(), agent.cards.end(), [&](const Card& c) { return c.prompt_id == prompt_id; });
  if (card == agent.cards.end()) return;  // the call ended meanwhile
  nlohmann::json update{{"type", "card.updated"}, {"prompt_id", prompt_id}, {"action", action}};
  if (action == "snoozed") {
    card->snoozed_until_ms = snoozed_until_ms;
    update["snoozed_until_ms"] = snoozed_until_ms;
  } else {
    agent.cards.erase(card);
    --stats_.cards_active;
  }
  // Every page of this agent (a second monitor, a reopened tab, another host's page) shows the same answer.
  broadcast(agent, dump(update));
}

void PopupHub::on_remote_update(const std::string& agent_id, const std::string& prompt_id, const std::string& action,
                                std::int64_t snoozed_until_ms) {
  if (action != "accepted" && action != "dismissed" && action != "snoozed") return;
  std::lock_guard lock(mutex_);
  auto a = agents_.find(agent_id);
  if (a == agents_.end()) return;
  apply_answer(a->second, prompt_id, action, snoozed_until_ms);
  forget_if_idle(agent_id);
}

std::vector<std::string> PopupHub::agents_with_pages() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [id, agent] : agents_)
    if (!agent.pages.empty()) out.push_back(id);
  return out;
}

PopupHubStats PopupHub::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::vector<std::string> PopupHub::active_prompt_ids(const std::string& agent_id) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  if (auto a = agents_.find(agent_id); a != agents_.end())
    for (const auto& c : a->second.cards) out.push_back(c.prompt_id);
  return out;
}

}  // namespace rightmoment
