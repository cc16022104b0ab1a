#include "plugin/engine/engine.hpp"

#include <gtest/gtest.h>

#include <future>

#include <spdlog/sinks/null_sink.h>

#include "tests/plugin/engine/engine_fakes.hpp"

namespace rightmoment {
namespace {

using testing::FakeAnalyzer;
using testing::FakeRules;
using testing::FakeStore;
using Json = nlohmann::json;

// One engine with its delivery, outcome and lookup threads, prompts collected in order.
class EngineHarness {
 public:
  explicit EngineHarness(EngineOptions options = {},
                         RuleBundle bundle = RuleBundle{std::make_shared<FakeRules>(), std::make_shared<FakeAnalyzer>()}) {
    store = std::make_shared<FakeStore>();
    store->add_customer("cu-1", "Dana Reyes", IdentityKind::Email, "dana@example.com");
    log = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    delivery = std::make_unique<PromptDelivery>(options.delivery_queue_limit, metrics);
    delivery->add_listener([this](const DeliveredPrompt& p) {
      std::lock_guard lock(mutex);
      prompts.push_back(Json::parse(p.json));
    });
    outcomes = std::make_unique<OutcomeWriter>(store, 10000, metrics, log);
    lookup = std::make_unique<HistoryLookup>(store, "US", 2, 100, metrics, log);
    engine = std::make_unique<Engine>(options, std::move(bundle), metrics, *delivery, *outcomes, *lookup, log);
    delivery->start();
    outcomes->start();
    lookup->start();
    engine->start();
  }
  ~EngineHarness() {
    engine->stop(std::chrono::milliseconds(2000));
    lookup->stop();
    delivery->stop();
    outcomes->stop(std::chrono::milliseconds(2000));
  }

  void send(const std::string& json) {
    Json j = Json::parse(json);
    CanonicalEvent ev;
    ev.event_id = j["event_id"];
    ev.type = event_type_from_name(j["type"].get<std::string>());
    ev.type_name = j["type"];
    ev.interaction_id = j["interaction_id"];
    ev.ts = *parse_rfc3339(j["ts"].get<std::string>());
    if (j.contains("channel")) ev.channel = j["channel"];
    if (j.contains("agent_id")) ev.agent_id = j["agent_id"].get<std::string>();
    if (j.contains("speaker")) ev.speaker = j["speaker"] == "agent" ? Speaker::Agent : Speaker::Customer;
    if (j.contains("text")) ev.text = j["text"];
    if (j.contains("final")) ev.final = j["final"].get<bool>();
    if (j.contains("email")) ev.customer.email = j["email"].get<std::string>();
    ASSERT_TRUE(engine->try_submit(std::move(ev)));
  }
  void drain() {
    std::promise<void> done;
    engine->when_drained([&] { done.set_value(); });
    ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(20)), std::future_status::ready);
  }
  std::vector<Json> all() {
    std::lock_guard lock(mutex);
    return prompts;
  }
  // "rule_id@agent" for each prompt, handovers marked with a '+'.
  std::vector<std::string> summary(const std::string& interaction_id) {
    std::vector<std::string> out;
    for (const auto& p : all())
      if (p["interaction_id"] == interaction_id)
        out.push_back(p["rule_id"].get<std::string>() + "@" + (p["agent_id"].is_null() ? "-" : p["agent_id"].get<std::string>()) +
                      (p.value("handover", false) ? "+" : ""));
    return out;
  }

  EngineMetrics metrics;
  std::shared_ptr<FakeStore> store;
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<PromptDelivery> delivery;
  std::unique_ptr<OutcomeWriter> outcomes;
  std::unique_ptr<HistoryLookup> lookup;
  std::unique_ptr<Engine> engine;
  std::mutex mutex;
  std::vector<Json> prompts;
};

std::string ev(const std::string& id, const std::string& type, const std::string& iid, const std::string& ts,
               const std::string& extra = "") {
  return R"({"event_id":")" + id + R"(","type":")" + type + R"(","interaction_id":")" + iid +
         R"(","ts":"2026-11-22T10:)" + ts + R"(Z")" + (extra.empty() ? "" : "," + extra) + "}";
}

TEST(Engine, ScreenPopComesFirstThenHistoryRulesOnTheJoiningEvent) {
  EngineHarness h;
  h.send(ev("e1", "interaction.started", "c1", "00:00", R"("channel":"voice","email":"Dana@Example.com")"));
  h.send(ev("e2", "agent.joined", "c1", "00:05", R"("agent_id":"a-1")"));
  h.drain();
  auto prompts = h.all();
  ASSERT_EQ(prompts.size(), 2u);
  EXPECT_EQ(prompts[0]["kind"], "screen_pop");
  EXPECT_EQ(prompts[0]["customer"]["customer_id"], "cu-1");
  EXPECT_EQ(prompts[0]["customer"]["identified_by"], "email");
  EXPECT_FALSE(prompts[0]["customer"].contains("candidates"));
  EXPECT_EQ(prompts[1]["rule_id"], "known-customer");
  EXPECT_EQ(prompts[1]["trigger_event_id"], "e2");
  EXPECT_EQ(prompts[1]["event_time"], "2026-11-22T10:00:05.000Z");
  EXPECT_EQ(prompts[1]["agent_id"], "a-1");
}

TEST(Engine, WordsSaidInTheQueueAreRaisedRightAfterTheFirstScreenPop) {
  EngineHarness h;
  h.send(ev("q1", "interaction.started", "c1", "00:00", R"("channel":"chat")"));
  h.send(ev("q2", "utterance", "c1", "00:10", R"("speaker":"customer","text":"I am angry")"));
  h.send(ev("q3", "agent.joined", "c1", "00:40", R"("agent_id":"a-9")"));
  h.send(ev("q4", "utterance", "c1", "00:50", R"("speaker":"customer","text":"still angry")"));
  h.drain();
  EXPECT_EQ(h.summary("c1"), (std::vector<std::string>{"screen_pop@a-9", "angry@a-9"}));
  auto prompts = h.all();
  EXPECT_EQ(prompts[1]["trigger_event_id"], "q2");
  EXPECT_EQ(prompts[1]["event_time"], "2026-11-22T10:00:40.000Z");
  EXPECT_EQ(prompts[0]["customer"]["customer_id"], nullptr);
  EXPECT_EQ(prompts[0]["customer"]["candidates"], 0);
}

// The real patterns and the default catalogue, as a call with a streaming recogniser hears them.
RuleBundle default_bundle() {
  Diagnostics d;
  std::shared_ptr<const LanguageAnalyzer> analyzer = load_language_analyzer(RIGHTMOMENT_SOURCE_DIR "/config/lexicons", d);
  EXPECT_TRUE(analyzer) << join_diagnostics(d);
  auto rules = compile_rule_files({RIGHTMOMENT_SOURCE_DIR "/config/rules/default.rules.jsonc"}, *analyzer, d);
  EXPECT_TRUE(rules) << join_diagnostics(d);
  return RuleBundle{rules, analyzer};
}

std::string partial(const std::string& id, const std::string& ts, const std::string& text, bool final = false) {
  return ev(id, "utterance", "c1", ts, R"("speaker":"customer","text":")" + text + R"(","final":)" + (final ? "true" : "false"));
}

TEST(Engine, AMomentOnAPartialFiresOnceAsSoonAsItsWordsAreSettledAndNeverAgainOnTheFinal) {
  EngineHarness h({}, default_bundle());
  h.send(ev("e1", "interaction.started", "c1", "00:00", R"("channel":"voice")"));
  h.send(ev("e2", "agent.joined", "c1", "00:01", R"("agent_id":"a-1")"));
  h.send(partial("p1", "00:02", "i want to cancel"));  // "... the appointment" could still follow
  h.send(partial("p2", "00:03", "i want to cancel my contract"));
  h.send(partial("p3", "00:04", "i want to cancel my contract today"));
  h.send(partial("p4", "00:05", "I want to cancel my contract today.", true));
  h.drain();
  auto prompts = h.all();
  ASSERT_EQ(h.summary("c1"), (std::vector<std::string>{"screen_pop@a-1", "churn-intent@a-1"}));
  EXPECT_EQ(prompts[1]["trigger_event_id"], "p2");
}

TEST(Engine, WordsThatAPartialsNextWordsUndoFireNothing) {
  EngineHarness h({}, default_bundle());
  h.send(ev("e1", "interaction.started", "c1", "00:00", R"("channel":"voice")"));
  h.send(ev("e2", "agent.joined", "c1", "00:01", R"("agent_id":"a-1")"));
  h.send(partial("p1", "00:02", "i want to cancel"));
  h.send(partial("p2", "00:03", "i want to cancel the engineer"));
  h.send(partial("p3", "00:04", "i want to cancel the engineer appointment please", false));
  h.send(partial("p4", "00:05", "I want to cancel the engineer appointment, please.", true));
  h.drain();
  EXPECT_EQ(h.summary("c1"), (std::vector<std::string>{"screen_pop@a-1"}));
}

TEST(Engine, AnInteractionNoAgentJoinsRaisesNothing) {
  EngineHarness h;
  h.send(ev("n1", "interaction.started", "c1", "00:00", R"("email":"dana@example.com")"));
  h.send(ev("n2", "utterance", "c1", "00:10", R"("speaker":"customer","text":"angry")"));
  h.send(ev("n3", "interaction.ended", "c1", "00:20"));
  h.drain();
  EXPECT_TRUE(h.all().empty());
}

TEST(Engine, ATransferHandsOverWhatWasRaisedAfterTheNewAgentsScreenPop) {
  EngineHarness h;
  h.send(ev("t1", "interaction.started", "c1", "00:00", R"("email":"dana@example.com")"));
  h.send(ev("t2", "agent.joined", "c1", "00:05", R"("agent_id":"a-1")"));
  h.send(ev("t3", "utterance", "c1", "00:10", R"("speaker":"customer","text":"angry")"));
  h.send(ev("t4", "agent.left", "c1", "00:20", R"("agent_id":"a-1")"));
  h.send(ev("t5", "agent.joined", "c1", "00:30", R"("agent_id":"a-2")"));
  h.send(ev("t6", "utterance", "c1", "00:40", R"("speaker":"customer","text":"angry again")"));
  h.send(ev("t7", "agent.joined", "c1", "00:50", R"("agent_id":"a-1")"));  // rejoins: no second screen pop
  h.drain();
  EXPECT_EQ(h.summary("c1"), (std::vector<std::string>{"screen_pop@a-1", "known-customer@a-1", "angry@a-1",
                                                        "screen_pop@a-2", "known-customer@a-2+", "angry@a-2+"}));
  auto prompts = h.all();
  EXPECT_EQ(prompts[4]["prompt_id"], prompts[1]["prompt_id"]);
  EXPECT_EQ(prompts[5]["trigger_event_id"], "t3");
}

TEST(Engine, InAConferenceTheNewestAgentGetsNewPromptsAndTheOthersAHandover) {
  EngineHarness h;
  h.send(ev("k1", "interaction.started", "c1", "00:00", R"("agent_id":"a-1")"));
  h.send(ev("k2", "agent.joined", "c1", "00:05", R"("agent_id":"a-2")"));
  h.send(ev("k3", "utterance", "c1", "00:10", R"("speaker":"customer","text":"angry")"));
  h.drain();
  EXPECT_EQ(h.summary("c1"), (std::vector<std::string>{"screen_pop@a-1", "screen_pop@a-2", "angry@a-2", "angry@a-1+"}));
}

TEST(Engine, ADismissedPromptIsNotHandedOver) {
  EngineHarness h;
  h.send(ev("d1", "interaction.started", "c1", "00:00", R"("email":"dana@example.com","agent_id":"a-1")"));
  h.drain();
  std::string id = h.all().at(1)["prompt_id"];
  ASSERT_TRUE(h.engine->submit_feedback(PromptFeedback{id, "dismissed", "a-1", 0}));
  h.send(ev("d2", "agent.joined", "c1", "00:30", R"("agent_id":"a-2")"));
  h.drain();
  EXPECT_EQ(h.summary("c1"), (std::vector<std::string>{"screen_pop@a-1", "known-customer@a-1", "screen_pop@a-2"}));
  EXPECT_EQ(h.metrics.feedback_by_action.snapshot()["dismissed"], 1u);
}

TEST(Engine, DuplicateEventsAreIgnored) {
  EngineHarness h;
  h.send(ev("x1", "interaction.started", "c1", "00:00", R"("agent_id":"a-1")"));
  h.send(ev("x2", "utterance", "c1", "00:10", R"("speaker":"agent","text":"hello")"));
  h.send(ev("x2", "utterance", "c1", "00:10", R"("speaker":"agent","text":"hello")"));
  h.drain();
  EXPECT_EQ(h.summary("c1"), (std::vector<std::string>{"screen_pop@a-1", "agent-said@a-1"}));
  EXPECT_EQ(h.metrics.duplicate_events.load(), 1u);
}

TEST(Engine, AHoldTimerFiresOnEventTimeAtItsDeadlineAndNotBefore) {
  EngineHarness h;
  h.send(ev("h1", "interaction.started", "c1", "00:00", R"("agent_id":"a-1")"));
  h.send(ev("h2", "hold.started", "c1", "01:00"));
  h.send(ev("h3", "hold.ended", "c1", "01:59.999"));  // 59.999 s: no
  h.send(ev("h4", "hold.started", "c1", "02:00"));
  h.send(ev("o1", "interaction.started", "other", "03:00"));  // another interaction's time passes the deadline
  h.send(ev("h5", "hold.ended", "c1", "03:05"));
  h.drain();
  EXPECT_EQ(h.summary("c1"), (std::vector<std::string>{"screen_pop@a-1", "long-hold@a-1"}));
  auto prompts = h.all();
  EXPECT_EQ(prompts[1]["trigger_event_id"], "h4");
  EXPECT_EQ(prompts[1]["event_time"], "2026-11-22T10:03:00.000Z");
}

TEST(Engine, ASlowStoreGivesAScreenPopWithoutHistoryAndHoldsUpNoOtherCall) {
  EngineOptions options;
  options.lookup_budget_ms = 100;
  EngineHarness h(options);
  h.store->delay_ms = 1500;
  h.send(ev("s1", "interaction.started", "slow", "00:00", R"("email":"dana@example.com")"));
  h.send(ev("s2", "agent.joined", "slow", "00:01", R"("agent_id":"a-1")"));
  h.send(ev("f1", "interaction.started", "fast", "00:02", R"("agent_id":"a-2")"));
  h.send(ev("s3", "utterance", "slow", "00:03", R"("speaker":"customer","text":"angry")"));
  h.drain();
  EXPECT_EQ(h.summary("slow"), (std::vector<std::string>{"screen_pop@a-1", "angry@a-1"}));
  auto prompts = h.all();
  EXPECT_EQ(prompts[0]["interaction_id"], "fast");  // not held up behind the slow lookup
  auto slow_pop = prompts[1];
  EXPECT_EQ(slow_pop["customer"]["customer_id"], nullptr);
  EXPECT_EQ(slow_pop["customer"]["history_unavailable"], true);
  EXPECT_EQ(h.metrics.lookup_budget_exceeded.load(), 1u);
}

TEST(Engine, AStoreThatIsDownGivesAScreenPopSayingSo) {
  EngineHarness h;
  h.store->down = true;
  h.send(ev("s1", "interaction.started", "c1", "00:00", R"("email":"dana@example.com","agent_id":"a-1")"));
  h.drain();
  auto prompts = h.all();
  ASSERT_EQ(prompts.size(), 1u);
  EXPECT_EQ(prompts[0]["customer"]["history_unavailable"], true);
  h.store->down = false;
  h.send(ev("s2", "interaction.started", "c2", "00:10", R"("email":"dana@example.com","agent_id":"a-1")"));
  h.drain();
  EXPECT_EQ(h.summary("c2"), (std::vector<std::string>{"screen_pop@a-1", "known-customer@a-1"}));
}

TEST(Engine, HeldOutInteractionsRecordPromptsWithoutShowingThem) {
  EngineOptions options;
  options.holdout_percent = 100;
  EngineHarness h(options);
  h.send(ev("o1", "interaction.started", "c1", "00:00", R"("email":"dana@example.com","agent_id":"a-1")"));
  h.send(ev("o2", "interaction.ended", "c1", "00:10"));
  h.drain();
  EXPECT_EQ(h.summary("c1"), (std::vector<std::string>{"screen_pop@a-1"}));
  ASSERT_TRUE(h.outcomes->flush(std::chrono::seconds(5)));
  int held = 0;
  for (const auto& rec : h.store->read_outcomes(0, INT64_MAX))
    if (auto* p = std::get_if<PromptOutcome>(&rec); p && p->held_out) ++held;
  EXPECT_EQ(held, 1);
}

TEST(Engine, ThePromptCapKeepsTheHighestPriorities) {
  EngineOptions options;
  options.max_prompts_per_interaction = 2;
  EngineHarness h(options);
  h.send(ev("p1", "interaction.started", "c1", "00:00", R"("agent_id":"a-1")"));
  for (int i = 0; i < 4; ++i)
    h.send(ev("p" + std::to_string(i + 2), "utterance", "c1", "00:1" + std::to_string(i), R"("speaker":"agent","text":"x")"));
  h.drain();
  EXPECT_EQ(h.summary("c1"), (std::vector<std::string>{"screen_pop@a-1", "agent-said@a-1", "agent-said@a-1"}));
  EXPECT_EQ(h.metrics.prompts_capped.load(), 1u);
}

// Found by the report's author: an answer given in wrap-up, after the call ended, lost its call and
// rule, so the report could not count it for the rule.
TEST(Engine, AnAnswerAfterTheCallEndedKeepsItsInteractionAndRule) {
  EngineHarness h;
  h.send(ev("w1", "interaction.started", "c1", "00:00", R"("email":"dana@example.com","agent_id":"a-1")"));
  h.send(ev("w2", "interaction.ended", "c1", "00:30"));
  h.drain();
  std::string id = h.all().at(1)["prompt_id"];
  ASSERT_TRUE(h.engine->submit_feedback(PromptFeedback{id, "accepted", "a-1", 0}));
  h.drain();
  ASSERT_TRUE(h.outcomes->flush(std::chrono::seconds(5)));
  int found = 0;
  for (const auto& rec : h.store->read_outcomes(0, INT64_MAX))
    if (auto* f = std::get_if<FeedbackOutcome>(&rec)) {
      EXPECT_EQ(f->interaction_id, "c1");
      EXPECT_EQ(f->rule_id, "known-customer");
      ++found;
    }
  EXPECT_EQ(found, 1);
}

}  // namespace
}  // namespace rightmoment
