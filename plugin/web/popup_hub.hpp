#pragma once
// The agent pop-up's state: for each agent, the cards (prompts) still active on their interactions,
// and the pages they have open. Prompts arrive from the delivery thread; pages connect, answer and
// go away on the web thread. A page that (re)connects gets every active card first, so a network
// blip loses nothing; cards of an ended interaction are cleared on every page.
//
// Bounded: at most max_cards_per_agent cards per agent (the oldest goes first), max_cards cards and
// max_agents agents in all (past them a new card is refused: the prompt still reached the host and
// the outcome record), max_pages_per_agent open pages per agent (and the pop-up server's
// max_connections in all).
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "plugin/core/delivered_prompt.hpp"
#include "plugin/web/http_server.hpp"

namespace rightmoment {

struct PopupHubOptions {
  std::size_t max_cards_per_agent = 64;
  std::size_t max_pages_per_agent = 8;
  std::size_t max_agents = 20000;
  std::size_t max_cards = 50000;
  std::chrono::seconds snooze{120};  // a snoozed card comes back after this long (wall time, on the page)
};

struct PopupHubStats {
  std::int64_t pages_open = 0;
  std::int64_t agents_with_cards = 0;
  std::int64_t cards_active = 0;
  std::uint64_t feedback_accepted = 0;  // answers forwarded to the plugin
  std::uint64_t feedback_refused = 0;   // malformed, or a prompt that is not this agent's
  std::uint64_t cards_evicted = 0;      // over max_cards_per_agent: the agent's oldest card went
  std::uint64_t cards_refused = 0;      // over max_cards or max_agents: the new card was not kept
  std::uint64_t pages_refused = 0;      // over max_pages_per_agent
};

// The hub's links to other hosts (plugin/history/prompt_bus.hpp), when there are several; each never blocks.
struct PopupHubPeers {
  // An answer to a card another host owns goes to that host; false when it could not be queued.
  std::function<bool(const std::string& owner, const std::string& feedback_json)> send_answer;
  // This host's pages answered a card: other hosts' pages of that agent follow.
  std::function<void(const std::string& agent_id, const std::string& prompt_id, const std::string& action,
                     std::int64_t snoozed_until_ms)>
      answered;
  // A page of this agent connected here: its cards from every host are to be caught up.
  std::function<void(const std::string& agent_id)> attached;
};

class PopupHub {
 public:
  // Hands an answer ({"type":"prompt.feedback",...} with the agent's id) to the plugin; returns an
  // error message, or nullopt when it was taken. Called on the web thread: must not block.
  using FeedbackSink = std::function<std::optional<std::string>(const std::string& feedback_json)>;

  PopupHub(PopupHubOptions options, FeedbackSink feedback);

  // A prompt as delivered (prompts.md). Prompts with no agent_id are not shown. Any thread. `owner`
  // is the host whose engine raised it (empty: this one); a card caught up may come snoozed.
  void on_prompt(std::string_view prompt_json, const std::string& interaction_id, const std::string& agent_id,
                 const std::string& owner = {}, std::int64_t snoozed_until_ms = 0);
  // A prompt of this host's engine, from the delivery thread: its id comes typed, the JSON is not parsed.
  void on_prompt(const DeliveredPrompt& prompt);
  // An answer given on another host's page: this host's pages of that agent follow. Any thread.
  void on_remote_update(const std::string& agent_id, const std::string& prompt_id, const std::string& action,
                        std::int64_t snoozed_until_ms);
  // Set before pages connect (the runtime does, when a prompt bus runs).
  void set_peers(PopupHubPeers peers) { peers_ = std::move(peers); }
  std::vector<std::string> agents_with_pages() const;
  // Clears that interaction's cards everywhere. Any thread.
  void on_interaction_ended(const std::string& interaction_id);

  // A page of agent_id opened its WebSocket: it gets a snapshot of the active cards, then live
  // updates. Returns the handlers for the connection; refuses (nullopt) past max_pages_per_agent.
  std::optional<WebSocketHandlers> attach(const std::string& agent_id, std::shared_ptr<WebSocketPeer> peer);

  PopupHubStats stats() const;
  // The active cards' prompt ids for an agent, oldest first (for tests and the status call).
  std::vector<std::string> active_prompt_ids(const std::string& agent_id) const;

 private:
  struct Card {
    std::string prompt_id;
    std::string interaction_id;
    std::string json;
    std::int64_t snoozed_until_ms = 0;  // wall time; 0 when not snoozed
    std::string owner;                  // the host that owns the interaction; empty: this one
  };
  struct Agent {
    std::vector<Card> cards;
    std::map<std::uint64_t, std::shared_ptr<WebSocketPeer>> pages;
  };

  void on_page_message(const std::string& agent_id, std::uint64_t page_id, std::string_view text);
  void detach(const std::string& agent_id, std::uint64_t page_id);
  void broadcast(const Agent& agent, const std::string& message) const;
  void forget_if_idle(const std::string& agent_id);
  static std::string card_json(const Card& card);

  void apply_answer(Agent& agent, const std::string& prompt_id, const std::string& action, std::int64_t snoozed_until_ms);
  void add_card(Card card, const std::string& agent_id);
  // Keeps agents_by_interaction_ bounded: drops what no card backs any more.
  void prune_interaction_index();

  PopupHubOptions options_;
  FeedbackSink feedback_;
  PopupHubPeers peers_;
  mutable std::mutex mutex_;
  std::map<std::string, Agent> agents_;
  // The agents that were given a card of each interaction (some may have lost it since, to an answer
  // or an eviction), so that an interaction's end visits those agents and not every one.
  std::unordered_map<std::string, std::unordered_set<std::string>> agents_by_interaction_;
  std::uint64_t next_page_ = 1;
  PopupHubStats stats_;
};

}  // namespace rightmoment
