#include "plugin/engine/engine.hpp"

#include "plugin/core/thread_name.hpp"
#include "plugin/engine/call_contact.hpp"
#include "plugin/engine/prompt_id.hpp"

#include <algorithm>

namespace rightmoment {
namespace {

using Clock = std::chrono::steady_clock;
// Ended interactions remembered (their late events are dropped), and prompts of ended interactions
// remembered for answers given in wrap-up: the oldest are forgotten first.
constexpr std::size_t kRecentlyEndedLimit = 65536;
// Distinct unknown event types counted by name; the rest as "unknown:other".
constexpr std::size_t kUnknownTypeLabels = 64;
constexpr auto kTick = std::chrono::milliseconds(100);
// Inbox items taken per batch: a burst costs one wake-up and one lock, while lookup answers, the
// periodic work and the depth gauge still come round every few milliseconds under a flood.
constexpr std::size_t kBatchLimit = 256;

std::int64_t steady_ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

bool has_lookup_identifiers(const CustomerIdentifiers& ids) { return ids.phone || ids.email || ids.account_id; }

// FNV-1a: a stable hash, the same on every machine and run, for the holdout.
std::uint64_t stable_hash(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

Engine::Engine(EngineOptions options, RuleBundle rules, EngineMetrics& metrics, PromptDelivery& delivery,
               OutcomeWriter& outcomes, HistoryLookup& lookup, std::shared_ptr<spdlog::logger> log)
    : options_(std::move(options)),
      metrics_(metrics),
      delivery_(delivery),
      outcomes_(outcomes),
      lookup_(lookup),
      log_(std::move(log)),
      rules_(std::move(rules)),
      clock_(options_.idle_clock_grace_ms) {}

Engine::~Engine() { stop(std::chrono::milliseconds(0)); }

void Engine::start() {
  if (running_.exchange(true)) return;
  {
    std::lock_guard lock(inbox_mutex_);
    inbox_closed_ = false;
  }
  thread_ = std::thread([this] { run(); });
  name_thread(thread_, "rm-engine");
}

void Engine::stop(std::chrono::milliseconds timeout) {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(inbox_mutex_);
    inbox_closed_ = true;
    stop_waiting_ = true;
  }
  inbox_cv_.notify_all();
  // The thread processes what was accepted, and parked interactions get their history (or their
  // lookup budget runs out); give it the timeout, then ask it to leave.
  {
    std::unique_lock lock(inbox_mutex_);
    settled_cv_.wait_for(lock, timeout, [&] { return settled_ && !in_place_ && events_.empty() && control_.empty(); });
    stop_waiting_ = false;
  }
  running_ = false;
  inbox_cv_.notify_all();
  thread_.join();
  {
    // No new event goes in place once the inbox is closed; the one in hand, if any, is finished.
    std::unique_lock lock(inbox_mutex_);
    inbox_cv_.wait(lock, [&] { return !in_place_; });
  }
  // Whoever waits for a drain must not wait forever.
  std::deque<InboxItem> left;
  {
    std::lock_guard lock(inbox_mutex_);
    left.swap(events_);
    events_queued_ = 0;
    events_in_hand_ = 0;
  }
  for (auto& item : left)
    if (auto* d = std::get_if<DrainRequest>(&item))
      if (d->done) d->done();
  for (auto& done : pending_drains_)
    if (done) done();
  pending_drains_.clear();
}

bool Engine::wake_needed_locked() {
  if (!engine_waiting_) return false;  // busy: it looks at the inbox again before it sleeps
  engine_waiting_ = false;             // one notify per sleep; later producers just queue
  return true;
}

void Engine::wake_engine() {
  handoffs_.count_wake();
  inbox_cv_.notify_one();
}

bool Engine::queue_event_locked(CanonicalEvent&& event, bool& must_wake) {
  if (inbox_closed_ || events_queued_ + events_in_hand_ >= options_.inbox_limit) {
    metrics_.inbox_full.fetch_add(1);
    return false;
  }
  events_.push_back(EventItem{std::move(event), Clock::now()});
  ++events_queued_;
  metrics_.inbox_depth.store(static_cast<std::int64_t>(events_queued_ + events_in_hand_));
  must_wake = wake_needed_locked();
  return true;
}

bool Engine::try_submit(CanonicalEvent&& event) {
  bool must_wake = false;
  bool queued = false;
  {
    std::lock_guard lock(inbox_mutex_);
    queued = queue_event_locked(std::move(event), must_wake);
  }
  if (must_wake) wake_engine();
  return queued;
}

bool Engine::try_submit_in_place(CanonicalEvent&& event) {
  if (!options_.process_on_io_thread) return try_submit(std::move(event));
  bool must_wake = false;
  bool queued = false;
  bool claimed = false;
  {
    std::lock_guard lock(inbox_mutex_);
    // Only an engine asleep with nothing queued and nobody else in place: everything accepted before
    // this event has been processed, so processing it here keeps every interaction's order.
    bool idle = running_ && !inbox_closed_ && engine_waiting_ && !in_place_ && events_.empty() && control_.empty();
    if (!idle) {
      queued = queue_event_locked(std::move(event), must_wake);
    } else {
      in_place_ = claimed = true;
    }
  }
  if (must_wake) wake_engine();
  if (!claimed) return queued;
  process_in_place(EventItem{std::move(event), Clock::now()});
  return true;
}

void Engine::process_in_place(EventItem&& item) {
  handoffs_.count_in_place();
  process_guarded([&] { on_event(std::move(item)); });
  bool wake = false;
  {
    std::lock_guard lock(inbox_mutex_);
    in_place_ = false;
    settled_ = parked_.empty() && events_.empty() && control_.empty();
    // The engine thread was woken meanwhile (and waits for the state back), or work is queued for it.
    wake = !engine_waiting_ || !events_.empty() || !control_.empty();
    if (stop_waiting_) settled_cv_.notify_all();
  }
  if (wake) inbox_cv_.notify_all();
}

void Engine::when_drained(std::function<void()> done) {
  bool queued = false;
  bool must_wake = false;
  {
    std::lock_guard lock(inbox_mutex_);
    if (!inbox_closed_ || running_) {
      events_.push_back(DrainRequest{std::move(done)});
      queued = true;
      must_wake = wake_needed_locked();
    }
  }
  if (must_wake) wake_engine();
  if (!queued && done) done();
}

void Engine::count_rejection(std::string_view adapter, std::string_view code) {
  metrics_.rejections_by_code.add(std::string(code));
  (void)adapter;
}

void Engine::count_ignored(std::string_view adapter, std::string_view reason) {
  metrics_.ignored_by_reason.add(std::string(reason));
  (void)adapter;
}

bool Engine::submit_feedback(PromptFeedback feedback) {
  bool must_wake = false;
  {
    std::lock_guard lock(inbox_mutex_);
    if (inbox_closed_) return false;
    control_.push_back(std::move(feedback));
    must_wake = wake_needed_locked();
  }
  if (must_wake) wake_engine();
  return true;
}

void Engine::swap_rules(RuleBundle rules) {
  bool must_wake = false;
  {
    std::lock_guard lock(inbox_mutex_);
    control_.push_back(std::move(rules));
    must_wake = wake_needed_locked();
  }
  if (must_wake) wake_engine();
}

void Engine::take_batch(Clock::time_point deadline, bool nothing_parked, std::deque<InboxItem>& events,
                        std::deque<ControlItem>& control) {
  std::unique_lock lock(inbox_mutex_);
  events_in_hand_ = 0;  // the previous batch is processed: its room in the inbox is free again
  settled_ = nothing_parked && events_.empty() && control_.empty();
  if (settled_ && stop_waiting_) settled_cv_.notify_all();
  if (running_ && events_.empty() && control_.empty()) {
    metrics_.inbox_depth.store(static_cast<std::int64_t>(events_queued_));
    engine_waiting_ = true;
    inbox_cv_.wait_until(lock, deadline,
                         [&] { return !running_ || ((!events_.empty() || !control_.empty()) && !in_place_); });
    engine_waiting_ = false;
  }
  // Woken by a stop or the deadline while a submitter works in place: the state is not ours until it is done.
  inbox_cv_.wait(lock, [&] { return !in_place_; });
  control.swap(control_);
  if (events_.size() <= kBatchLimit) {
    events.swap(events_);
  } else {
    for (std::size_t i = 0; i < kBatchLimit; ++i) {
      events.push_back(std::move(events_.front()));
      events_.pop_front();
    }
  }
  std::size_t taken = 0;
  for (const auto& item : events)
    if (std::holds_alternative<EventItem>(item)) ++taken;
  events_queued_ -= taken;
  events_in_hand_ = taken;
  metrics_.inbox_depth.store(static_cast<std::int64_t>(events_queued_ + events_in_hand_));
  if (!events.empty() || !control.empty()) handoffs_.count_batch(events.size() + control.size());
}

void Engine::run() {
  auto next_tick = Clock::now() + kTick;
  std::deque<InboxItem> events;
  std::deque<ControlItem> control;
  while (running_) {
    take_batch(next_tick, parked_.empty(), events, control);
    // Control first: lookup answers unpark interactions, so they are never starved by a busy inbox.
    for (auto& item : control) process_guarded([&] { on_control(std::move(item)); });
    for (auto& item : events)
      process_guarded([&] {
        if (auto* ev = std::get_if<EventItem>(&item)) on_event(std::move(*ev));
        else pending_drains_.push_back(std::move(std::get<DrainRequest>(item).done));
      });
    control.clear();
    events.clear();
    auto now = Clock::now();
    if (now >= next_tick) {
      periodic(now);
      next_tick = now + kTick;
      release_drains();
    }
  }
}

template <typename F>
void Engine::process_guarded(F&& process) {
  try {
    process();
  } catch (const std::exception& e) {
    // A bug must not take the engine down; the item is lost, and we say so loudly.
    log_->error("engine: internal error while processing an item: {}", e.what());
  }
  after_item();
}

void Engine::after_item() {
  // Interactions that waited for the store count too: once they go on, the limit holds again.
  while (interactions_.size() > options_.max_interactions && !lru_.empty()) evict_least_recently_active();
  // Before a drain is answered: whoever waited for it reads gauges that include what it waited for.
  metrics_.timers_pending.store(static_cast<std::int64_t>(timer_queue_.size()), std::memory_order_relaxed);
  release_drains();
}

void Engine::release_drains() {
  if (pending_drains_.empty() || !parked_.empty()) return;
  // Drained means processed, delivered and durable: an acknowledged outcome survives a kill -9.
  for (auto& done : pending_drains_)
    delivery_.barrier([this, d = std::move(done)]() mutable { outcomes_.barrier(std::move(d)); });
  pending_drains_.clear();
}

void Engine::periodic(Clock::time_point now) {
  // The event clock moves on with the wall clock while nothing arrives (long holds on a quiet system).
  EventTimeMs before = clock_.now();
  EventTimeMs after = clock_.on_wall_tick(steady_ms(now));
  if (after != before) advance_clock(after, now);

  // Lookups past their budget: the screen pop goes out with "history unavailable".
  std::vector<std::string> expired;
  for (const auto& id : parked_) {
    auto it = interactions_.find(id);
    if (it != interactions_.end() && now >= it->second->park_deadline) expired.push_back(id);
  }
  for (const auto& id : expired) {
    Interaction& it = *interactions_.at(id);
    log_->warn("[interaction_id={}] the store did not answer within the {} ms lookup budget; going on without it", id,
               options_.lookup_budget_ms);
    stop_waiting(it, "lookup budget exceeded");
    unpark(it);
  }

  // Interactions that went silent (no interaction.ended ever came) are evicted after the idle timeout.
  if (now >= next_sweep_) {
    next_sweep_ = now + std::chrono::seconds(10);
    EventTimeMs cutoff = clock_.now() - options_.interaction_idle_timeout_ms;
    std::vector<std::string> idle;
    for (const auto& [id, it] : interactions_)
      if (!it->parked && it->last_event_at < cutoff) idle.push_back(id);
    for (const auto& id : idle) {
      metrics_.interactions_evicted.fetch_add(1);
      metrics_.interactions_evicted_by_reason.add("idle");
      finish(*interactions_.at(id), interactions_.at(id)->last_event_at);
    }
  }
}

void Engine::on_control(ControlItem&& item) {
  if (auto* done = std::get_if<LookupDone>(&item)) {
    on_lookup_done(std::move(*done));
  } else if (auto* fb = std::get_if<PromptFeedback>(&item)) {
    on_feedback(*fb);
  } else if (auto* bundle = std::get_if<RuleBundle>(&item)) {
    rules_ = std::move(*bundle);
    log_->info("rules reloaded: {} rules; new interactions use them", rules_.rules ? rules_.rules->size() : 0);
  }
}

void Engine::on_event(EventItem&& item) {
  const CanonicalEvent& ev = item.event;
  metrics_.events_in.fetch_add(1);
  if (ev.type == EventType::Unknown) {
    if (!metrics_.events_by_type.add_bounded("unknown:" + ev.type_name.substr(0, 64), kUnknownTypeLabels, "unknown:other"))
      metrics_.limits_applied.add("event_type_labels");
    // Its time still moves the clock: it is a real moment on the platform.
    advance_clock(clock_.on_event(ev.ts, steady_ms(item.arrived)), item.arrived);
    return;
  }
  metrics_.events_by_type.add(std::string(event_type_name(ev.type)));
  advance_clock(clock_.on_event(ev.ts, steady_ms(item.arrived)), item.arrived);

  if (recently_ended_.count(ev.interaction_id)) {
    metrics_.late_events.fetch_add(1);
    return;
  }
  Interaction& it = interaction_for(ev);
  switch (it.seen_event_ids.insert(ev.event_id)) {
    case RecentEventIds::Outcome::Seen:
      metrics_.duplicate_events.fetch_add(1);  // a resend after a reconnect: already handled
      return;
    case RecentEventIds::Outcome::NewAndForgotOne:
      metrics_.limits_applied.add("seen_event_ids");
      break;
    case RecentEventIds::Outcome::New:
      break;
  }
  if (it.parked) {
    it.parked_events.emplace_back(ev, item.arrived);
    if (it.parked_events.size() > options_.parked_events_limit) {
      // Too much is waiting behind the lookup: stop waiting rather than buffer without bound.
      metrics_.limits_applied.add("parked_events");
      stop_waiting(it, "too many events waiting for the lookup");
      unpark(it);
    }
    return;
  }
  touch(it);
  handle(it, ev, item.arrived);
}

Interaction& Engine::interaction_for(const CanonicalEvent& ev) {
  auto found = interactions_.find(ev.interaction_id);
  if (found != interactions_.end()) return *found->second;
  // Room first: past engine.max_interactions the least recently active one ends (parked ones wait
  // for their lookup, at most lookup_budget_ms, and are not chosen).
  while (interactions_.size() >= options_.max_interactions && !lru_.empty()) evict_least_recently_active();
  auto it = std::make_unique<Interaction>();
  it->id = ev.interaction_id;
  it->started_at = ev.ts;
  it->last_event_at = ev.ts;
  it->held_out = is_held_out(ev.interaction_id);
  it->rules = rules_.rules;
  it->analyzer = rules_.analyzer;
  it->seen_event_ids = RecentEventIds(options_.seen_event_ids_per_interaction);
  Interaction& ref = *it;
  interactions_.emplace(ev.interaction_id, std::move(it));
  ref.lru = lru_.insert(lru_.end(), &ref);
  metrics_.interactions_started.fetch_add(1);
  metrics_.active_interactions.store(static_cast<std::int64_t>(interactions_.size()));
  log_->debug("[interaction_id={}] interaction started{}", ref.id, ref.held_out ? " (holdout: prompts recorded, not shown)" : "");
  // New to this process: the outcome record may know it from before a restart. Its events wait for
  // the answer (with the caller's history, when this event brings the caller), so that nothing
  // already raised is raised again.
  if (ev.type == EventType::InteractionStarted && !ev.customer.empty()) ref.identifiers = ev.customer;
  start_lookup(ref, true);
  if (ref.record == LookupState::Pending) park(ref);
  return ref;
}

void Engine::evict_least_recently_active() {
  Interaction& victim = *lru_.front();
  metrics_.interactions_evicted.fetch_add(1);
  metrics_.interactions_evicted_by_reason.add("limit");
  log_->debug("[interaction_id={}] evicted: {} interactions live (engine.max_interactions)", victim.id, interactions_.size());
  finish(victim, victim.last_event_at);
}

void Engine::touch(Interaction& it) {
  if (it.lru) lru_.splice(lru_.end(), lru_, *it.lru);
}

bool Engine::is_held_out(const std::string& interaction_id) const {
  if (options_.holdout_percent <= 0) return false;
  return static_cast<int>(stable_hash(interaction_id) % 100) < options_.holdout_percent;
}

bool Engine::brings_first_agent(const Interaction& it, const CanonicalEvent& ev) const {
  if (it.first_agent_served) return false;
  if (ev.type == EventType::AgentJoined) return ev.agent_id.has_value();
  if (ev.type == EventType::InteractionStarted) return ev.agent_id.has_value();
  return false;
}

void Engine::start_lookup(Interaction& it, bool read_record) {
  bool caller = it.lookup == LookupState::NotStarted && has_lookup_identifiers(it.identifiers);
  if (!caller && !read_record) return;
  LookupJob job;
  job.interaction_id = it.id;
  if (caller) job.identifiers = it.identifiers;
  job.read_record = read_record;
  job.done = [this](LookupAnswer answer) {
    bool must_wake = false;
    {
      std::lock_guard lock(inbox_mutex_);
      control_.push_back(std::move(answer));
      must_wake = wake_needed_locked();
    }
    if (must_wake) wake_engine();
  };
  if (!lookup_.submit(std::move(job))) {
    if (caller) {
      metrics_.lookup_failures.fetch_add(1);
      it.caller.unavailable = true;
      it.caller.unavailable_reason = "lookup queue full";
      it.lookup = LookupState::Done;
    }
    if (read_record) {
      metrics_.record_lookup_failures.fetch_add(1);
      it.record = LookupState::Done;
    }
    return;
  }
  if (caller) it.lookup = LookupState::Pending;
  if (read_record) it.record = LookupState::Pending;
}

void Engine::on_lookup_done(LookupDone&& done) {
  auto found = interactions_.find(done.interaction_id);
  if (found == interactions_.end()) return;  // ended meanwhile
  Interaction& it = *found->second;
  if (done.caller) {
    it.caller = std::move(*done.caller);
    if (it.caller.history) recent_contacts_.merge_into(*it.caller.history, it.id);
    it.lookup = LookupState::Done;
  }
  // A record that comes after the budget ran out is too late: the interaction went on without it.
  if (done.resume && it.record == LookupState::Pending) {
    it.record = LookupState::Done;
    if (resume(it, std::move(*done.resume))) return;  // it had ended before: gone
  }
  if (it.parked && it.record != LookupState::Pending && it.lookup != LookupState::Pending) unpark(it);
}

bool Engine::resume(Interaction& it, ResumePoint&& from) {
  if (from.read_failed) {
    metrics_.record_lookup_failures.fetch_add(1);
    return false;
  }
  if (from.ended) {
    // It ended (or was evicted) before the restart: its events are late, as they would have been.
    metrics_.late_events.fetch_add(it.parked_events.size());
    log_->debug("[interaction_id={}] already ended before the restart; its events are dropped as late", it.id);
    forget(it);
    return true;
  }
  if (from.empty()) return false;
  metrics_.interactions_resumed.fetch_add(1);
  for (const auto& agent : from.popped_agents) it.agents.push_back(AgentPresence{agent, std::nullopt, true, ++it.join_counter});
  it.first_agent_served = !from.popped_agents.empty();
  it.raised_before_restart = std::move(from.raised);
  it.raised = std::move(from.shown);
  for (const auto& shown : it.raised) prompt_owner_[shown.prompt_id] = it.id;  // an answer to them is this call's
  it.new_prompts = from.new_prompts;
  it.resumed_customer_id = from.customer_id;
  if (from.first_prompt_at) it.started_at = std::min(it.started_at, *from.first_prompt_at);
  // The events that raised those prompts were handled: a resend of them is a duplicate, also when it
  // arrived while the record was being read.
  for (const auto& id : from.trigger_event_ids)
    if (it.seen_event_ids.insert(id) == RecentEventIds::Outcome::NewAndForgotOne) metrics_.limits_applied.add("seen_event_ids");
  auto resent = std::erase_if(it.parked_events, [&](const auto& parked) {
    return std::find(from.trigger_event_ids.begin(), from.trigger_event_ids.end(), parked.first.event_id) !=
           from.trigger_event_ids.end();
  });
  metrics_.duplicate_events.fetch_add(resent);
  log_->info("[interaction_id={}] resumed from the outcome record: {} agents had their screen pop, {} prompts are not raised again",
             it.id, from.popped_agents.size(), it.raised_before_restart.size());
  return false;
}

// Parks the interaction's events from now on (it leaves the eviction order while it waits).
void Engine::park(Interaction& it) {
  it.parked = true;
  it.park_deadline = Clock::now() + std::chrono::milliseconds(options_.lookup_budget_ms);
  parked_.insert(it.id);
  if (it.lru) {
    lru_.erase(*it.lru);
    it.lru.reset();
  }
}

void Engine::park(Interaction& it, const CanonicalEvent& ev, Clock::time_point arrived) {
  park(it);
  it.parked_events.emplace_front(ev, arrived);
}

// The lookups it waits for are given up: the screen pop says "history unavailable", and the record
// of an earlier life, if any, is not consulted.
void Engine::stop_waiting(Interaction& it, const char* why) {
  if (it.lookup == LookupState::Pending) {
    metrics_.lookup_budget_exceeded.fetch_add(1);
    it.caller = CallerView{};
    it.caller.unavailable = true;
    it.caller.unavailable_reason = why;
    it.lookup = LookupState::Done;
  }
  if (it.record == LookupState::Pending) {
    metrics_.record_lookup_failures.fetch_add(1);
    it.record = LookupState::Done;
  }
}

void Engine::unpark(Interaction& it) {
  it.parked = false;
  parked_.erase(it.id);
  it.lru = lru_.insert(lru_.end(), &it);
  auto events = std::move(it.parked_events);
  it.parked_events.clear();
  std::string id = it.id;
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto found = interactions_.find(id);
    if (found == interactions_.end()) {
      metrics_.late_events.fetch_add(events.size() - i);
      return;  // it ended while its events were parked
    }
    Interaction& now = *found->second;
    if (now.parked) {
      // Parked again (the first agent joins while the caller's history is looked up): the rest wait
      // behind the event that parked it.
      for (std::size_t j = i; j < events.size(); ++j) now.parked_events.push_back(std::move(events[j]));
      return;
    }
    handle(now, events[i].first, events[i].second);
  }
}

InteractionFacts Engine::facts(const Interaction& it, EventTimeMs now) const {
  InteractionFacts f;
  f.interaction_id = it.id;
  f.channel = it.channel;
  f.direction = it.direction;
  f.queue = it.queue;
  f.now = now;
  f.history = it.caller.history ? &*it.caller.history : nullptr;
  f.history_unavailable = it.caller.unavailable;
  int present = 0;
  for (const auto& a : it.agents) present += a.present ? 1 : 0;
  f.agents_present = present;
  f.hold_count = it.hold_count;
  f.hold_started_at = it.hold_started_at;
  if (it.customer_utterances > 0) f.customer_sentiment = it.sentiment_sum / it.customer_utterances;
  f.customer_utterances = it.customer_utterances;
  return f;
}

void Engine::handle(Interaction& it, const CanonicalEvent& ev, Clock::time_point arrived) {
  it.last_event_at = std::max(it.last_event_at, ev.ts);

  if (ev.type == EventType::InteractionStarted && it.started_seen) return add_to_started(it, ev, arrived);
  if (ev.type == EventType::InteractionStarted) {
    it.started_seen = true;
    if (!ev.channel.empty()) it.channel = ev.channel;
    if (!ev.direction.empty()) it.direction = ev.direction;
    if (ev.queue) it.queue = *ev.queue;
    it.started_at = ev.ts;
    if (!ev.customer.empty()) it.identifiers = ev.customer;
    start_lookup(it, false);
  }
  if (brings_first_agent(it, ev) && it.lookup == LookupState::Pending) {
    park(it, ev, arrived);  // handled again, from the top, when the lookup answers
    return;
  }

  // An event of this interaction at or past a timer's deadline fires the timer first (rules.md). This
  // matters when the interaction's events were parked behind its lookup while the global clock ran on.
  fire_due_timers(it, ev.ts, arrived);

  const RuleSet* rules = it.rules.get();
  // Timers this event cancels (hold.ended, interaction.ended, ...).
  if (rules && !it.timers.empty()) {
    std::erase_if(it.timers, [&](ArmedTimer& t) {
      if (!rules->timer_cancelled_by(t.rule_index, ev)) return false;
      unqueue_timer(t);
      return true;
    });
  }

  UtteranceSignals signals;
  const UtteranceSignals* signals_ptr = nullptr;
  switch (ev.type) {
    case EventType::InteractionStarted:
      if (ev.agent_id) join(it, *ev.agent_id, ev.agent_name, ev, arrived);
      break;
    case EventType::AgentJoined:
      if (ev.agent_id) join(it, *ev.agent_id, ev.agent_name, ev, arrived);
      break;
    case EventType::AgentLeft:
      if (ev.agent_id)
        if (AgentPresence* a = it.find_agent(*ev.agent_id)) a->present = false;
      break;
    case EventType::Utterance: {
      if (it.analyzer) {
        // A partial counts only for the words its next words can no longer undo (docs/language.md); the
        // rules fire each moment once, so the final does not fire it again.
        signals = ev.final ? it.analyzer->analyze(ev.text, ev.speaker) : analyze_partial(*it.analyzer, ev.text, ev.speaker);
        signals_ptr = &signals;
      }
      if (ev.speaker == Speaker::Customer && ev.final) {
        double s = ev.sentiment ? *ev.sentiment : signals.sentiment;
        it.sentiment_sum += s;
        ++it.customer_utterances;
        if (!it.sentiment_first) it.sentiment_first = s;
        it.sentiment_last = s;
        for (const IntentHit& hit : signals.intents)
          if (it.customer_intents.size() < 8 &&
              std::find(it.customer_intents.begin(), it.customer_intents.end(), hit.intent) == it.customer_intents.end())
            it.customer_intents.push_back(hit.intent);
      }
      if (options_.store_transcripts && ev.final) {
        if (it.transcript.size() < 256 * 1024)
          it.transcript += (ev.speaker == Speaker::Customer ? "customer: " : "agent: ") + ev.text + "\n";
      }
      break;
    }
    case EventType::HoldStarted:
      ++it.hold_count;
      it.hold_started_at = ev.ts;
      break;
    case EventType::HoldEnded:
      if (it.hold_started_at) it.hold_total_ms += std::max<EventTimeMs>(0, ev.ts - *it.hold_started_at);
      it.hold_started_at.reset();
      break;
    default:
      break;
  }

  if (rules) {
    InteractionFacts f = facts(it, ev.ts);
    EvaluationContext ctx{&f, &ev, signals_ptr};
    std::vector<Firing> firings = rules->evaluate_event(ctx, it.ledger);
    if (!firings.empty()) raise(it, std::move(firings), ev.event_id, ev.ts, arrived);
    for (const TimerRequest& req : rules->timers_armed_by(ev)) {
      // One timer per rule at a time: an arming event while it runs keeps the first deadline (a
      // second hold.started during a hold does not restart the long-hold clock), so a flood of
      // arming events holds one timer, not one each.
      if (std::any_of(it.timers.begin(), it.timers.end(), [&](const ArmedTimer& t) { return t.rule_index == req.rule_index; })) {
        metrics_.limits_applied.add("timers");
        continue;
      }
      ArmedTimer t{req.rule_index, ev.ts + req.delay_ms, ev, next_timer_id_++, timer_queue_.end()};
      t.queued = timer_queue_.emplace(t.deadline, std::make_pair(it.id, t.id));
      it.timers.push_back(std::move(t));
    }
  }

  if (delivery_.has_live_listeners() && ev.type != EventType::InteractionEnded) {
    // What moves the view: who is on the call, what was said (the customer's sentiment, and the event
    // time against which an unanswered churn moment is timed), holds. Not partial transcripts.
    bool customer_said = ev.type == EventType::Utterance && ev.speaker == Speaker::Customer && ev.final;
    if ((ev.type == EventType::Utterance && ev.final) || ev.type == EventType::InteractionStarted ||
        ev.type == EventType::AgentJoined || ev.type == EventType::AgentLeft || ev.type == EventType::Transfer ||
        ev.type == EventType::HoldStarted || ev.type == EventType::HoldEnded)
      send_live(it, ev.ts, customer_said ? it.sentiment_last : std::nullopt);
  }
  if (ev.type == EventType::InteractionEnded) {
    it.end_reason = ev.reason;
    finish(it, ev.ts);
  }
}

// One interaction told by two sources (Genesys: AudioHook and the notifications API, joined by the
// conversation id) starts twice. The second start is not a new beginning: it fills in what the first
// lacked (identifiers, channel, direction, queue) and may bring an agent, but it does not move the
// start time, fire rules, or arm timers a second time.
void Engine::add_to_started(Interaction& it, const CanonicalEvent& ev, Clock::time_point arrived) {
  if (it.channel.empty()) it.channel = ev.channel;
  if (it.direction.empty()) it.direction = ev.direction;
  if (it.queue.empty() && ev.queue) it.queue = *ev.queue;
  auto fill = [](std::optional<std::string>& have, const std::optional<std::string>& given) {
    if (!have && given) have = given;
  };
  fill(it.identifiers.phone, ev.customer.phone);
  fill(it.identifiers.email, ev.customer.email);
  fill(it.identifiers.account_id, ev.customer.account_id);
  fill(it.identifiers.name, ev.customer.name);
  start_lookup(it, false);  // when the first start had nothing to look up with
  if (!ev.agent_id) return;
  if (brings_first_agent(it, ev) && it.lookup == LookupState::Pending) return park(it, ev, arrived);
  join(it, *ev.agent_id, ev.agent_name, ev, arrived);
}

void Engine::join(Interaction& it, const std::string& agent_id, const std::optional<std::string>& agent_name,
                  const CanonicalEvent& ev, Clock::time_point arrived) {
  if (AgentPresence* known = it.find_agent(agent_id)) {
    // Rejoining (or named twice, by interaction.started and agent.joined): no second screen pop.
    known->present = true;
    known->joined_seq = ++it.join_counter;
    return;
  }
  if (it.agents.size() >= options_.max_agents_per_interaction) {
    // Bounded: the agent who left longest ago is forgotten (a screen pop again if they come back);
    // when every one is still on the call, the newcomer gets nothing.
    metrics_.limits_applied.add("agents");
    auto gone = std::min_element(it.agents.begin(), it.agents.end(), [](const AgentPresence& a, const AgentPresence& b) {
      return a.present != b.present ? !a.present : a.joined_seq < b.joined_seq;
    });
    if (gone->present) {
      log_->debug("[interaction_id={}] agent not served: {} agents on the interaction already", it.id, it.agents.size());
      return;
    }
    it.agents.erase(gone);
  }
  it.agents.push_back(AgentPresence{agent_id, agent_name, true, ++it.join_counter});

  PromptEnvelope env{next_prompt_id(it, "screen_pop", ev.event_id, agent_id), it.id, agent_id, ev.event_id, ev.ts};
  PromptJson pop = compose_screen_pop(env, it.caller, ev.ts);
  metrics_.prompts_by_rule.add("screen_pop");
  metrics_.prompts_by_kind.add("screen_pop");
  record_and_deliver(it, pop, false, arrived);

  if (!it.first_agent_served) {
    it.first_agent_served = true;
    if (it.rules) {
      InteractionFacts f = facts(it, ev.ts);
      EvaluationContext ctx{&f, &ev, nullptr};
      std::vector<Firing> history = it.rules->evaluate_history(ctx, it.ledger);
      std::stable_sort(history.begin(), history.end(),
                       [](const Firing& a, const Firing& b) { return a.priority > b.priority; });
      for (const Firing& firing : history) emit_new_prompt(it, firing, ev.event_id, ev.ts, arrived);
    }
  } else {
    // Handover: the prompts already raised, after the new agent's own screen pop.
    for (RaisedPrompt& raised : it.raised) {
      if (raised.dismissed) continue;
      if (std::find(raised.shown_to.begin(), raised.shown_to.end(), agent_id) != raised.shown_to.end()) continue;
      PromptJson copy = raised.json;
      copy["agent_id"] = agent_id;
      copy["handover"] = true;
      raised.shown_to.push_back(agent_id);
      metrics_.handovers.fetch_add(1);
      record_and_deliver(it, copy, true, arrived);
    }
  }
  // Moments that happened while nobody was on the interaction (words said in the queue).
  auto moments = std::move(it.pending_moments);
  it.pending_moments.clear();
  for (const PendingMoment& m : moments) emit_new_prompt(it, m.firing, m.trigger_event_id, ev.ts, arrived);
}

void Engine::raise(Interaction& it, std::vector<Firing> firings, const std::string& trigger_event_id,
                   EventTimeMs event_time, Clock::time_point arrived) {
  std::stable_sort(firings.begin(), firings.end(),
                   [](const Firing& a, const Firing& b) { return a.priority > b.priority; });
  bool someone_present = it.first_agent_served && it.most_recent_present_agent() != nullptr;
  for (Firing& firing : firings) {
    if (!someone_present) {
      // Only as many as the per-interaction cap leaves room for can ever be raised.
      if (it.pending_moments.size() + static_cast<std::size_t>(it.new_prompts) >=
          static_cast<std::size_t>(options_.max_prompts_per_interaction)) {
        metrics_.limits_applied.add("pending_moments");
        metrics_.prompts_capped.fetch_add(1);
        continue;
      }
      it.pending_moments.push_back(PendingMoment{std::move(firing), trigger_event_id});
      continue;
    }
    emit_new_prompt(it, firing, trigger_event_id, event_time, arrived);
  }
}

void Engine::emit_new_prompt(Interaction& it, const Firing& firing, const std::string& trigger_event_id,
                             EventTimeMs event_time, Clock::time_point arrived) {
  const AgentPresence* target = it.most_recent_present_agent();
  auto raised_before = [&](const std::string& agent) {
    return !it.raised_before_restart.empty() && it.raised_before_restart.count({firing.rule_id, agent}) > 0;
  };
  if (raised_before(target ? target->agent_id : std::string())) {
    metrics_.prompts_not_raised_again.fetch_add(1);  // this agent had it before the restart
    return;
  }
  if (it.new_prompts >= options_.max_prompts_per_interaction) {
    metrics_.prompts_capped.fetch_add(1);
    return;
  }
  ++it.new_prompts;
  PromptEnvelope env{next_prompt_id(it, firing.rule_id, trigger_event_id, {}), it.id,
                     target ? std::optional<std::string>(target->agent_id) : std::nullopt, trigger_event_id, event_time};
  PromptJson json = compose_rule_prompt(env, firing);
  metrics_.prompts_by_rule.add(firing.rule_id);
  metrics_.prompts_by_kind.add(std::string(prompt_kind_name(firing.kind)));
  if (it.held_out) {
    metrics_.prompts_held_out.fetch_add(1);
    record_prompt(it, write_prompt(json), true, false);
    return;
  }
  RaisedPrompt raised{env.prompt_id, firing.rule_id, json, {}, false};
  if (target) {
    record_and_deliver(it, json, false, arrived);
    raised.shown_to.push_back(target->agent_id);
    // In a conference the others see it too, as a handover.
    for (const AgentPresence& other : it.agents) {
      if (!other.present || other.agent_id == target->agent_id) continue;
      if (raised_before(other.agent_id)) {
        metrics_.prompts_not_raised_again.fetch_add(1);
        continue;
      }
      PromptJson copy = json;
      copy["agent_id"] = other.agent_id;
      copy["handover"] = true;
      raised.shown_to.push_back(other.agent_id);
      metrics_.handovers.fetch_add(1);
      record_and_deliver(it, copy, true, arrived);
    }
  } else {
    record_prompt(it, write_prompt(json), false, false);
  }
  prompt_owner_[env.prompt_id] = it.id;
  it.raised.push_back(std::move(raised));
}

namespace {

std::string string_at(const PromptJson& json, const char* key) {
  auto it = json.find(key);
  return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Read from the prompt as composed, once, on the engine thread: the delivery thread's listeners
// take it from here and never parse the JSON.
PromptSummary summary_of(const PromptJson& json) {
  PromptSummary s;
  s.prompt_id = string_at(json, "prompt_id");
  s.rule_id = string_at(json, "rule_id");
  s.kind = string_at(json, "kind");
  s.title = string_at(json, "title");
  if (auto c = json.find("customer"); c != json.end() && c->is_object()) s.customer_name = string_at(*c, "name");
  s.event_time_ms = parse_rfc3339(string_at(json, "event_time"));
  auto h = json.find("handover");
  s.handover = h != json.end() && h->is_boolean() && h->get<bool>();
  return s;
}

}  // namespace

Engine::WrittenPrompt Engine::write_prompt(const PromptJson& json) {
  WrittenPrompt w{json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), summary_of(json), std::nullopt};
  if (auto a = json.find("agent_id"); a != json.end() && a->is_string()) w.agent_id = a->get<std::string>();
  return w;
}

void Engine::record_and_deliver(const Interaction& it, const PromptJson& json, bool handover, Clock::time_point arrived) {
  WrittenPrompt written = write_prompt(json);
  record_prompt(it, written, false, handover);
  deliver(it, std::move(written), arrived);
}

void Engine::deliver(const Interaction& it, WrittenPrompt written, Clock::time_point arrived) {
  std::string prompt_id = written.summary.prompt_id;
  DeliveredPrompt p{std::move(written.json), it.id, written.agent_id.value_or(std::string()), arrived,
                    std::move(written.summary)};
  if (!delivery_.deliver(std::move(p)))
    log_->warn("[interaction_id={} prompt_id={}] prompt dropped: the host is not taking prompts fast enough", it.id,
               prompt_id);
}

void Engine::record_prompt(const Interaction& it, const WrittenPrompt& written, bool held_out, bool handover) {
  PromptOutcome o;
  o.prompt_id = written.summary.prompt_id;
  o.interaction_id = it.id;
  o.rule_id = written.summary.rule_id;
  o.kind = written.summary.kind;
  o.agent_id = written.agent_id;
  o.customer_id = it.caller.resolution.customer_id;
  o.event_time = written.summary.event_time_ms.value_or(it.last_event_at);
  o.held_out = held_out;
  o.handover = handover;
  if (it.customer_utterances > 0) o.customer_sentiment = it.sentiment_sum / it.customer_utterances;
  o.prompt_json = written.json;
  outcomes_.append(std::move(o));
}

void Engine::advance_clock(EventTimeMs now, Clock::time_point arrived) {
  clock_ms_.store(now);
  // Fire every timer whose deadline the clock has reached, in deadline order.
  while (!timer_queue_.empty() && timer_queue_.begin()->first <= now) {
    auto [interaction_id, timer_id] = timer_queue_.begin()->second;
    timer_queue_.erase(timer_queue_.begin());
    auto found = interactions_.find(interaction_id);
    if (found == interactions_.end()) continue;
    for (auto& t : found->second->timers)
      if (t.id == timer_id) t.queued = timer_queue_.end();
    fire_timer(*found->second, timer_id, arrived);
  }
}

void Engine::fire_due_timers(Interaction& it, EventTimeMs ts, Clock::time_point arrived) {
  while (true) {
    const ArmedTimer* due = nullptr;
    for (const auto& t : it.timers)
      if (t.deadline <= ts && (!due || t.deadline < due->deadline)) due = &t;
    if (!due) return;
    fire_timer(it, due->id, arrived);  // removes it from it.timers and from the queue
  }
}

void Engine::fire_timer(Interaction& it, std::uint64_t timer_id, Clock::time_point arrived) {
  auto t = std::find_if(it.timers.begin(), it.timers.end(), [&](const ArmedTimer& a) { return a.id == timer_id; });
  if (t == it.timers.end()) return;  // cancelled
  unqueue_timer(*t);
  ArmedTimer timer = std::move(*t);
  it.timers.erase(t);
  if (!it.rules) return;
  InteractionFacts f = facts(it, timer.deadline);
  EvaluationContext ctx{&f, &timer.arming_event, nullptr};
  std::optional<Firing> firing = it.rules->evaluate_timer(timer.rule_index, ctx, it.ledger);
  if (firing) {
    std::vector<Firing> one;
    one.push_back(std::move(*firing));
    raise(it, std::move(one), timer.arming_event.event_id, timer.deadline, arrived);
  }
}

void Engine::unqueue_timer(ArmedTimer& t) {
  if (t.queued == timer_queue_.end()) return;
  timer_queue_.erase(t.queued);
  t.queued = timer_queue_.end();
}

void Engine::finish(Interaction& it, EventTimeMs ended_at) {
  InteractionOutcome o;
  o.interaction_id = it.id;
  o.customer_id = it.caller.resolution.customer_id ? it.caller.resolution.customer_id : it.resumed_customer_id;
  o.channel = it.channel;
  o.direction = it.direction;
  o.started_at = it.started_at;
  o.ended_at = ended_at;
  o.duration_ms = std::max<std::int64_t>(0, ended_at - it.started_at);
  o.hold_count = it.hold_count;
  o.hold_total_ms = it.hold_total_ms;
  o.sentiment_start = it.sentiment_first;
  o.sentiment_end = it.sentiment_last;
  o.held_out = it.held_out;
  o.prompts = it.new_prompts;
  if (options_.store_transcripts && !it.transcript.empty()) o.transcript = it.transcript;
  o.contact = call_contact(it);
  if (o.contact) recent_contacts_.add(*o.contact);
  outcomes_.append(std::move(o));

  for (const auto& raised : it.raised) {
    prompt_owner_.erase(raised.prompt_id);
    if (ended_prompts_.emplace(raised.prompt_id, std::make_pair(it.id, raised.rule_id)).second) {
      ended_prompts_order_.push_back(raised.prompt_id);
      if (ended_prompts_order_.size() > kRecentlyEndedLimit) {
        ended_prompts_.erase(ended_prompts_order_.front());
        ended_prompts_order_.pop_front();
        metrics_.limits_applied.add("ended_prompts");
      }
    }
  }
  if (!it.agents.empty()) delivery_.interaction_ended(it.id);
  if (delivery_.has_live_listeners()) {
    LiveUpdate end;
    end.interaction_id = it.id;
    end.ts = ended_at;
    end.ended = true;
    delivery_.live_update(std::move(end));
  }
  log_->debug("[interaction_id={}] interaction ended: {} prompts, {} holds", it.id, it.new_prompts, it.hold_count);
  forget(it);
}

// Drops the interaction's state (no summary: finish() writes it) and remembers that it ended.
void Engine::forget(Interaction& it) {
  for (auto& t : it.timers) unqueue_timer(t);
  if (it.lru) lru_.erase(*it.lru);
  std::string id = it.id;
  parked_.erase(id);
  interactions_.erase(id);  // `it` is gone from here on
  metrics_.active_interactions.store(static_cast<std::int64_t>(interactions_.size()));
  if (!recently_ended_.insert(id).second) return;
  recently_ended_order_.push_back(id);
  if (recently_ended_order_.size() > kRecentlyEndedLimit) {
    recently_ended_.erase(recently_ended_order_.front());
    recently_ended_order_.pop_front();
    metrics_.limits_applied.add("ended_interactions");
  }
}

void Engine::on_feedback(const PromptFeedback& fb) {
  metrics_.feedback_by_action.add(fb.action);
  FeedbackOutcome o;
  o.prompt_id = fb.prompt_id;
  o.agent_id = fb.agent_id;
  o.action = fb.action;
  o.ts = fb.ts != 0 ? fb.ts : clock_.now();
  if (auto owner = prompt_owner_.find(fb.prompt_id); owner != prompt_owner_.end()) {
    o.interaction_id = owner->second;
    if (auto found = interactions_.find(owner->second); found != interactions_.end()) {
      for (auto& raised : found->second->raised) {
        if (raised.prompt_id != fb.prompt_id) continue;
        o.rule_id = raised.rule_id;
        if (fb.action == "dismissed") raised.dismissed = true;
      }
    }
    if (delivery_.has_live_listeners())
      if (auto found = interactions_.find(owner->second); found != interactions_.end())
        send_live(*found->second, o.ts, std::nullopt, fb.prompt_id, fb.action);
  } else if (auto ended = ended_prompts_.find(fb.prompt_id); ended != ended_prompts_.end()) {
    o.interaction_id = ended->second.first;  // answered in wrap-up, after the call ended
    o.rule_id = ended->second.second;
  }
  outcomes_.append(std::move(o));
}

void Engine::send_live(const Interaction& it, EventTimeMs ts, std::optional<double> sentiment, const std::string& prompt_id,
                       const std::string& answer) {
  LiveUpdate u;
  u.interaction_id = it.id;
  u.channel = it.channel;
  u.queue = it.queue;
  if (const AgentPresence* a = it.most_recent_present_agent()) u.agent_id = a->agent_id;
  u.started_at = it.started_at;
  u.ts = ts;
  u.sentiment = sentiment;
  u.answered_prompt_id = prompt_id;
  u.answer = answer;
  delivery_.live_update(std::move(u));
}

std::string Engine::next_prompt_id(Interaction& it, std::string_view rule_id, std::string_view trigger_event_id,
                                   std::string_view agent_id) {
  std::string key = std::string(rule_id) + '\x1f' + std::string(trigger_event_id) + '\x1f' + std::string(agent_id);
  int occurrence = ++it.prompt_id_uses[key];
  return derive_prompt_id(it.id, rule_id, trigger_event_id, agent_id, occurrence);
}

}  // namespace rightmoment
