#pragma once
// The engine: one thread that owns every interaction and processes events in arrival order.
// I/O threads hand it events through a bounded inbox (try_submit never blocks), which it drains in
// batches: one wake-up and one lock for whatever is queued, processed outside the lock. When the
// engine is asleep with nothing queued, an I/O thread does the engine's work for its event itself
// (try_submit_in_place): the engine's state then belongs to that thread until it is done, handed over
// under the inbox lock, so that only one thread at a time ever touches it. History
// lookups run on store workers and come back as inbox items; prompts leave through PromptDelivery
// (its own thread) and the outcome record through OutcomeWriter (its own thread). Nothing here waits
// for a socket, a disk or a host callback.
//
// Ordering: events of one interaction are processed in order. When the first agent joins and the
// caller's history is still being looked up, that interaction's events are parked (other
// interactions go on) until the lookup answers or its budget runs out, so that the screen pop comes
// first and live rules fire in order after it.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include <spdlog/logger.h>

#include "plugin/engine/engine_metrics.hpp"
#include "plugin/engine/engine_options.hpp"
#include "plugin/engine/event_clock.hpp"
#include "plugin/engine/handoff_counters.hpp"
#include "plugin/engine/history_lookup.hpp"
#include "plugin/engine/interaction.hpp"
#include "plugin/engine/outcome_writer.hpp"
#include "plugin/engine/prompt_delivery.hpp"
#include "plugin/engine/recent_contacts.hpp"
#include "plugin/language/language_analyzer.hpp"
#include "plugin/rules/rule_set.hpp"
#include "plugin/core/event_sink.hpp"

namespace rightmoment {

// The rules and the analyzer whose intents they name travel together.
struct RuleBundle {
  std::shared_ptr<const RuleSet> rules;
  std::shared_ptr<const LanguageAnalyzer> analyzer;
};

struct PromptFeedback {
  std::string prompt_id;
  std::string action;  // accepted|dismissed|snoozed
  std::optional<std::string> agent_id;
  EventTimeMs ts = 0;
};

class Engine final : public EventSink {
 public:
  Engine(EngineOptions options, RuleBundle rules, EngineMetrics& metrics, PromptDelivery& delivery,
         OutcomeWriter& outcomes, HistoryLookup& lookup, std::shared_ptr<spdlog::logger> log);
  ~Engine() override;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void start();
  // Stops taking events, processes what was accepted (up to timeout), joins the thread.
  void stop(std::chrono::milliseconds timeout);

  // EventSink (any thread, never blocks).
  bool try_submit(CanonicalEvent&& event) override;
  bool try_submit_in_place(CanonicalEvent&& event) override;
  void when_drained(std::function<void()> done) override;
  void count_rejection(std::string_view adapter, std::string_view code) override;
  void count_ignored(std::string_view adapter, std::string_view reason) override;

  // Any thread, never blocks; false when the inbox is closed.
  bool submit_feedback(PromptFeedback feedback);
  // New interactions use the new rules; interactions in progress keep theirs.
  void swap_rules(RuleBundle rules);

  std::int64_t event_clock_ms() const { return clock_ms_.load(); }
  // Wake-ups of the engine thread and the batches it took from its inbox (tests, benchmarks).
  const HandoffCounters& handoffs() const { return handoffs_; }

 private:
  struct EventItem {
    CanonicalEvent event;
    std::chrono::steady_clock::time_point arrived;
  };
  using LookupDone = LookupAnswer;
  struct DrainRequest {
    std::function<void()> done;
  };
  // Drain requests queue behind the events submitted before them; the rest is served first.
  using InboxItem = std::variant<EventItem, DrainRequest>;
  using ControlItem = std::variant<LookupDone, PromptFeedback, RuleBundle>;

  void run();
  // With inbox_mutex_ held: queues one event (false when the inbox is full or closed).
  bool queue_event_locked(CanonicalEvent&& event, bool& must_wake);
  // On a submitting thread that holds the engine's state (in_place_): processes one event, then hands
  // the state back and wakes the engine thread if work was queued meanwhile.
  void process_in_place(EventItem&& item);
  // Sleeps until something is queued (or the deadline), then moves what is queued onto the batch:
  // all control items and up to kBatchLimit inbox items, under one lock. Under the same lock, first
  // says whether the engine has settled (the previous batch done, nothing queued, nothing parked:
  // nothing_parked) for a stop that waits.
  void take_batch(std::chrono::steady_clock::time_point deadline, bool nothing_parked, std::deque<InboxItem>& events,
                  std::deque<ControlItem>& control);
  // With inbox_mutex_ held: true when the caller must wake the engine (it sleeps and nobody woke it yet).
  bool wake_needed_locked();
  void wake_engine();
  // Processes one item (an event, a control item), logging what it throws instead of ending the
  // engine, then after_item(). Used in this file only (defined there).
  template <typename F>
  void process_guarded(F&& process);
  // After each item: the interaction limit, and drain requests that can be answered.
  void after_item();
  void release_drains();
  void on_event(EventItem&& item);
  void on_control(ControlItem&& item);
  void on_lookup_done(LookupDone&& done);
  void on_feedback(const PromptFeedback& fb);
  void periodic(std::chrono::steady_clock::time_point now);

  Interaction& interaction_for(const CanonicalEvent& ev);
  void evict_least_recently_active();
  void touch(Interaction& it);
  void handle(Interaction& it, const CanonicalEvent& ev, std::chrono::steady_clock::time_point arrived);
  bool brings_first_agent(const Interaction& it, const CanonicalEvent& ev) const;
  void start_lookup(Interaction& it, bool read_record);
  bool resume(Interaction& it, ResumePoint&& from);
  void park(Interaction& it);
  void park(Interaction& it, const CanonicalEvent& ev, std::chrono::steady_clock::time_point arrived);
  void stop_waiting(Interaction& it, const char* why);
  void unpark(Interaction& it);
  void add_to_started(Interaction& it, const CanonicalEvent& ev, std::chrono::steady_clock::time_point arrived);
  void join(Interaction& it, const std::string& agent_id, const std::optional<std::string>& agent_name,
            const CanonicalEvent& ev, std::chrono::steady_clock::time_point arrived);
  void raise(Interaction& it, std::vector<Firing> firings, const std::string& trigger_event_id, EventTimeMs event_time,
             std::chrono::steady_clock::time_point arrived);
  void emit_new_prompt(Interaction& it, const Firing& firing, const std::string& trigger_event_id,
                       EventTimeMs event_time, std::chrono::steady_clock::time_point arrived);
  // A composed prompt as the outcome record and the delivery thread take it: serialised, and its
  // summary read, once.
  struct WrittenPrompt {
    std::string json;
    PromptSummary summary;
    std::optional<std::string> agent_id;  // the prompt's, when it has one
  };
  static WrittenPrompt write_prompt(const PromptJson& json);
  void deliver(const Interaction& it, WrittenPrompt written, std::chrono::steady_clock::time_point arrived);
  void record_prompt(const Interaction& it, const WrittenPrompt& written, bool held_out, bool handover);
  // Both, for a prompt shown to its agent.
  void record_and_deliver(const Interaction& it, const PromptJson& json, bool handover,
                          std::chrono::steady_clock::time_point arrived);
  void advance_clock(EventTimeMs now, std::chrono::steady_clock::time_point arrived);
  void fire_timer(Interaction& it, std::uint64_t timer_id, std::chrono::steady_clock::time_point arrived);
  void fire_due_timers(Interaction& it, EventTimeMs ts, std::chrono::steady_clock::time_point arrived);
  void unqueue_timer(ArmedTimer& t);
  void finish(Interaction& it, EventTimeMs ended_at);
  void forget(Interaction& it);
  InteractionFacts facts(const Interaction& it, EventTimeMs now) const;
  // Derived (plugin/engine/prompt_id.hpp): unique across hosts and restarts, the same on every replay.
  std::string next_prompt_id(Interaction& it, std::string_view rule_id, std::string_view trigger_event_id,
                             std::string_view agent_id);
  bool is_held_out(const std::string& interaction_id) const;
  // The supervisor view's hook: only when someone listens (docs/supervisor.md).
  void send_live(const Interaction& it, EventTimeMs ts, std::optional<double> sentiment, const std::string& prompt_id = {},
                 const std::string& answer = {});

  EngineOptions options_;
  EngineMetrics& metrics_;
  PromptDelivery& delivery_;
  OutcomeWriter& outcomes_;
  HistoryLookup& lookup_;
  std::shared_ptr<spdlog::logger> log_;

  // Inbox: events are bounded (backpressure); control items are few and never refused.
  std::mutex inbox_mutex_;
  std::condition_variable inbox_cv_;
  std::deque<InboxItem> events_;
  std::size_t events_queued_ = 0;  // EventItems in events_ (drain requests do not count against the limit)
  std::deque<ControlItem> control_;
  bool inbox_closed_ = false;
  // The engine sleeps waiting for work; the first producer to find it so clears it and wakes it, the
  // others queue without a notify.
  bool engine_waiting_ = false;
  // A submitting thread is processing an event in place: the engine's state is its own until it
  // clears this. Set only while the engine thread sleeps with nothing queued; the engine thread
  // (and stop) wait for it to clear before touching that state.
  bool in_place_ = false;
  // A stop waits, on settled_cv_ and never in a sleep loop, until the engine has taken everything and
  // no interaction is parked waiting for its history (its events would be lost): settled_ is set by
  // the engine thread after each batch, under the lock it takes for the next one (take_batch), and it
  // notifies only while a stop waits.
  std::condition_variable settled_cv_;
  bool settled_ = true;
  bool stop_waiting_ = false;
  // Events of the batch in hand: they count against inbox_limit until processed, so the bound is on
  // events accepted and not yet handled, as when they were taken one at a time.
  std::size_t events_in_hand_ = 0;
  HandoffCounters handoffs_;

  // Engine-thread state.
  RuleBundle rules_;
  EventClock clock_;
  std::atomic<std::int64_t> clock_ms_{0};
  std::unordered_map<std::string, std::unique_ptr<Interaction>> interactions_;
  InteractionLru lru_;  // for engine.max_interactions: the least recently active goes first
  std::unordered_set<std::string> parked_;
  // Interactions that ended lately (bounded: the oldest forgotten first), so that their late events
  // are dropped instead of starting them again.
  std::deque<std::string> recently_ended_order_;
  std::unordered_set<std::string> recently_ended_;
  TimerQueue timer_queue_;
  std::uint64_t next_timer_id_ = 1;
  std::unordered_map<std::string, std::string> prompt_owner_;  // prompt_id -> interaction_id (live ones)
  // Prompts of recently ended interactions (interaction, rule), so that an answer given in wrap-up,
  // after the call, is still recorded against its rule. Bounded like recently_ended_.
  std::unordered_map<std::string, std::pair<std::string, std::string>> ended_prompts_;
  std::deque<std::string> ended_prompts_order_;
  RecentContacts recent_contacts_;  // this engine's ended calls, for the next lookup of their customer
  std::vector<std::function<void()>> pending_drains_;
  std::chrono::steady_clock::time_point next_sweep_{};

  std::thread thread_;
  std::atomic<bool> running_{false};
};

}  // namespace rightmoment
