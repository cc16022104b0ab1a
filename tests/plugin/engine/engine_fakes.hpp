#pragma once
// In-memory stand-ins for the engine's collaborators, so engine behaviour (ordering, parking,
// handovers, timers) is tested on its own. The real store, rules and analyzer have their own tests,
// and the whole path is tested through the reference host.
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "plugin/history/history_store.hpp"
#include "plugin/language/language_analyzer.hpp"
#include "plugin/rules/rule_set.hpp"

namespace rightmoment::testing {

class FakeStore : public HistoryStore {
 public:
  std::string_view backend_name() const override { return "fake"; }
  std::vector<std::string> find_customers(IdentityKind kind, std::string_view value, std::size_t limit) override {
    maybe_fail_or_wait();
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& id : identities_) {
      if (id.kind == kind && id.normalised_value == value) out.push_back(id.customer_id);
      if (out.size() >= limit) break;
    }
    return out;
  }
  std::optional<CustomerHistory> load_customer(std::string_view customer_id, const HistoryLoadLimits&) override {
    maybe_fail_or_wait();
    std::lock_guard lock(mutex_);
    auto it = customers_.find(std::string(customer_id));
    if (it == customers_.end()) return std::nullopt;
    return it->second;
  }
  void upsert(const std::vector<HistoryRecord>&) override {}
  void append_outcomes(const std::vector<OutcomeRecord>& batch) override {
    std::lock_guard lock(mutex_);
    outcomes_.insert(outcomes_.end(), batch.begin(), batch.end());
  }
  std::vector<OutcomeRecord> read_outcomes(EventTimeMs, EventTimeMs) override {
    std::lock_guard lock(mutex_);
    return outcomes_;
  }
  RecordedInteraction read_recorded_interaction(std::string_view interaction_id) override {
    maybe_fail_or_wait();
    std::lock_guard lock(mutex_);
    RecordedInteraction out;
    for (const auto& r : outcomes_) {
      if (auto* p = std::get_if<PromptOutcome>(&r); p && p->interaction_id == interaction_id) out.prompts.push_back(*p);
      if (auto* i = std::get_if<InteractionOutcome>(&r); i && i->interaction_id == interaction_id) out.ended = true;
    }
    return out;
  }
  bool ping() override { return !down; }

  void add_customer(const std::string& id, const std::string& name, IdentityKind kind, const std::string& value) {
    std::lock_guard lock(mutex_);
    CustomerHistory h;
    h.customer.customer_id = id;
    h.customer.name = name;
    h.customer.tier = "gold";
    customers_[id] = h;
    identities_.push_back(IdentityRecord{id, kind, value, value});
  }

  std::atomic<bool> down{false};
  std::atomic<int> delay_ms{0};

 private:
  void maybe_fail_or_wait() {
    if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms.load()));
    if (down) throw StoreError("connection refused");
  }
  std::mutex mutex_;
  std::map<std::string, CustomerHistory> customers_;
  std::vector<IdentityRecord> identities_;
  std::vector<OutcomeRecord> outcomes_;
};

class FakeAnalyzer : public LanguageAnalyzer {
 public:
  UtteranceSignals analyze(std::string_view text, Speaker) const override {
    UtteranceSignals s;
    if (text.find("angry") != std::string_view::npos) s.intents.push_back({"frustration", "", "angry"});
    return s;
  }
  std::vector<std::string> intent_names() const override { return {"frustration"}; }
};

// Rules: "known-customer" (history, fires when the caller is identified), "angry" (a customer
// utterance saying "angry", once per interaction), "agent-said" (every agent utterance, up to 3),
// "long-hold" (a 60 s timer armed by hold.started, cancelled by hold.ended and interaction.ended).
class FakeRules : public RuleSet {
 public:
  std::vector<Firing> evaluate_history(const EvaluationContext& ctx, RuleLedger&) const override {
    std::vector<Firing> out;
    if (ctx.interaction->history) out.push_back(firing("known-customer", 60, "Known customer"));
    return out;
  }
  std::vector<Firing> evaluate_event(const EvaluationContext& ctx, RuleLedger&) const override {
    std::vector<Firing> out;
    if (ctx.event->type != EventType::Utterance) return out;
    std::lock_guard lock(mutex_);
    if (ctx.event->speaker == Speaker::Customer && ctx.signals && ctx.signals->has("frustration") &&
        fired_.insert({ctx.interaction->interaction_id, "angry"}).second)
      out.push_back(firing("angry", 80, "Frustrated"));
    if (ctx.event->speaker == Speaker::Agent && agent_said_[ctx.interaction->interaction_id]++ < 3)
      out.push_back(firing("agent-said", 10, "Agent said"));
    return out;
  }
  std::vector<TimerRequest> timers_armed_by(const CanonicalEvent& ev) const override {
    if (ev.type == EventType::HoldStarted) return {TimerRequest{0, 60'000}};
    return {};
  }
  bool timer_cancelled_by(std::size_t, const CanonicalEvent& ev) const override {
    return ev.type == EventType::HoldEnded || ev.type == EventType::InteractionEnded;
  }
  std::optional<Firing> evaluate_timer(std::size_t, const EvaluationContext&, RuleLedger&) const override {
    return firing("long-hold", 50, "Long hold");
  }
  std::size_t size() const override { return 4; }
  std::vector<std::string> rule_ids() const override { return {"known-customer", "angry", "agent-said", "long-hold"}; }

 private:
  static Firing firing(const std::string& id, int priority, const std::string& title) {
    Firing f;
    f.rule_id = id;
    f.priority = priority;
    f.title = title;
    f.body = title + ".";
    return f;
  }
  mutable std::mutex mutex_;
  mutable std::set<std::pair<std::string, std::string>> fired_;
  mutable std::map<std::string, int> agent_said_;
};

}  // namespace rightmoment::testing
