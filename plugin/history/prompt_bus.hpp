#pragma once
// Several hosts as one contact centre: what one host's pop-up hub and supervisor view must hear from
// the others. A prompt raised on any host reaches the agent's pages on every host; an answer goes
// back to the host that owns the interaction; a page that (re)connects anywhere catches up on its
// agent's active cards; the supervisor view sees every host's live calls.
//
// The plugin knows only this interface; the PostgreSQL implementation (LISTEN/NOTIFY, shared state in
// tables) is in adapters/history/postgres/. With SQLite there is no bus: one host, as before.
//
// Every publish call never blocks: it queues for the bus's own thread and returns false when that
// queue is full (the message is dropped and counted). Handlers run on the bus's listener thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

namespace rightmoment {

// One active card: a prompt shown to one agent, owned by the host whose engine raised it.
struct BusCard {
  std::string prompt_id;
  std::string interaction_id;
  std::string agent_id;
  std::string owner;  // host id of the interaction's engine
  std::string json;   // the prompt as delivered
  std::int64_t snoozed_until_ms = 0;
};

struct BusHandlers {
  std::function<void(const BusCard&)> on_prompt;  // raised elsewhere, or a catch-up
  std::function<void(const std::string& interaction_id)> on_ended;
  // An agent answered on another host's page: the same card on this host's pages follows.
  std::function<void(const std::string& agent_id, const std::string& prompt_id, const std::string& action,
                     std::int64_t snoozed_until_ms)>
      on_card_updated;
  // An answer ({"type":"prompt.feedback",...}) to a prompt of an interaction this host owns.
  std::function<void(const std::string& feedback_json)> on_answer;
  // A contact was written for this customer (their cached history is stale).
  std::function<void(const std::string& customer_id)> on_contact;
  // The agents with a page open on this host (for the catch-up after a reconnect of the listener).
  std::function<std::vector<std::string>()> agents_with_pages;
  // A live interaction's supervisor summary changed on some host (the JSON, with "interaction_id",
  // "owner" and "ended" when it is gone).
  std::function<void(const std::string& summary_json)> on_live;
};

struct PromptBusStats {
  std::uint64_t published = 0;
  std::uint64_t received = 0;
  std::uint64_t dropped = 0;          // queue full, or the database refused
  std::uint64_t reconnects = 0;       // of the listener
  bool connected = false;
};

class PromptBus {
 public:
  virtual ~PromptBus() = default;
  // This process's id on the bus: instance name plus a random suffix (a restarted host is a new one).
  virtual const std::string& host_id() const = 0;
  virtual void start(BusHandlers handlers) = 0;
  virtual void stop() = 0;

  virtual bool publish_prompt(BusCard card) = 0;
  virtual bool publish_ended(std::string interaction_id) = 0;
  virtual bool publish_card_updated(std::string agent_id, std::string prompt_id, std::string action,
                                    std::int64_t snoozed_until_ms) = 0;
  virtual bool send_answer(std::string owner, std::string feedback_json) = 0;
  // The agent's active cards, from every host, arrive through on_prompt.
  virtual bool catch_up(std::string agent_id) = 0;
  // Supervisor view: this host's summary of one live interaction (replaces the last one); every
  // host's summaries arrive through on_live, all of them again after the listener (re)connects.
  virtual bool publish_live(std::string interaction_id, std::string summary_json, bool ended) = 0;

  virtual PromptBusStats stats() const = 0;
};

}  // namespace rightmoment
