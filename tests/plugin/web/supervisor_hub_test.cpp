// The supervisor's live view without a browser (tests/browser/supervisor.test.mjs drives the page):
// what each page receives as calls change, who sees a guardrail, the alerts on event time, the
// bounds, and another host's summaries, well formed or not.
#include "plugin/web/supervisor_hub.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

using namespace rightmoment;
using Json = nlohmann::json;

namespace {

struct RecordingPage : WebSocketPeer {
  std::vector<Json> got;
  void send(std::string text) override { got.push_back(Json::parse(text)); }
  void close() override {}
  std::vector<Json> of_type(const std::string& type) const {
    std::vector<Json> out;
    for (const auto& m : got)
      if (m["type"] == type) out.push_back(m);
    return out;
  }
};

struct Published {
  std::string interaction_id;
  std::string summary;
  bool ended = false;
};

SupervisorOptions teams() {
  SupervisorOptions o;
  o.team_of_agent = {{"ruth", "north"}, {"omar", "south"}};
  o.teams_of_supervisor = {{"sup-north", {"north"}}, {"sup-south", {"south"}}};
  return o;
}

LiveUpdate update(const std::string& call, std::int64_t ts) {
  LiveUpdate u;
  u.interaction_id = call;
  u.ts = ts;
  return u;
}

DeliveredPrompt prompt(const std::string& call, const std::string& id, const std::string& rule, const std::string& kind,
                       std::int64_t at, const std::string& agent = "ruth") {
  DeliveredPrompt d;
  d.interaction_id = call;
  d.agent_id = agent;
  d.summary.prompt_id = id;
  d.summary.rule_id = rule;
  d.summary.kind = kind;
  d.summary.title = "title of " + id;
  d.summary.event_time_ms = at;
  return d;
}

struct Hub {
  std::vector<Published> published;
  SupervisorHub hub;
  explicit Hub(SupervisorOptions o = teams(), std::string host = "host-a")
      : hub(std::move(o), std::move(host), [this](const std::string& id, const std::string& summary, bool ended) {
          published.push_back({id, summary, ended});
        }) {}
  std::shared_ptr<RecordingPage> page(const std::string& supervisor) {
    auto p = std::make_shared<RecordingPage>();
    EXPECT_TRUE(hub.attach(supervisor, p));
    return p;
  }
};

}  // namespace

TEST(SupervisorHub, APageGetsASnapshotThenEveryChangeOfACall) {
  Hub h;
  LiveUpdate start = update("c1", 1000);
  start.channel = "voice";
  start.queue = "billing";
  start.agent_id = "ruth";
  start.started_at = 1000;
  h.hub.on_live(start);
  auto page = h.page("sup-north");
  ASSERT_EQ(page->got.size(), 1u);
  EXPECT_EQ(page->got[0]["type"], "snapshot");
  ASSERT_EQ(page->got[0]["interactions"].size(), 1u);
  EXPECT_EQ(page->got[0]["my_teams"], Json::array({"north"}));

  LiveUpdate said = update("c1", 2000);
  said.sentiment = -0.4567;
  h.hub.on_live(said);
  DeliveredPrompt pop = prompt("c1", "pop-1", "screen-pop", "screen_pop", 1000);
  pop.summary.customer_name = "Ada Lovelace";
  h.hub.on_prompt(pop);
  h.hub.on_prompt(prompt("c1", "p-1", "promoter-thanks", "opportunity", 1500));
  h.hub.on_prompt(prompt("c1", "p-1", "promoter-thanks", "opportunity", 1500));  // raised again: listed once
  LiveUpdate answered = update("c1", 3000);
  answered.answered_prompt_id = "p-1";
  answered.answer = "accepted";
  h.hub.on_live(answered);

  auto changes = page->of_type("interaction");
  ASSERT_EQ(changes.size(), 4u);  // the sentiment, the screen pop, the prompt, the answer
  const Json& s = changes.back()["interaction"];
  EXPECT_EQ(s["interaction_id"], "c1");
  EXPECT_EQ(s["owner"], "host-a");
  EXPECT_EQ(s["channel"], "voice");
  EXPECT_EQ(s["queue"], "billing");
  EXPECT_EQ(s["agent_id"], "ruth");
  EXPECT_EQ(s["team"], "north");
  EXPECT_EQ(s["customer"], "Ada Lovelace");
  EXPECT_EQ(s["started_at_ms"], 1000);
  EXPECT_EQ(s["last_event_ms"], 3000);
  EXPECT_EQ(s["sentiment"], Json::array({-0.46}));
  ASSERT_EQ(s["prompts"].size(), 1u);
  EXPECT_EQ(s["prompts"][0],
            (Json{{"prompt_id", "p-1"}, {"rule_id", "promoter-thanks"}, {"kind", "opportunity"}, {"title", "title of p-1"},
                  {"agent_id", "ruth"}, {"raised_ms", 1500}, {"answer", "accepted"}}));
  EXPECT_EQ(s["attention"], Json::array());

  // The bus gets the same summary at every change, then the end.
  ASSERT_FALSE(h.published.empty());
  EXPECT_EQ(Json::parse(h.published.back().summary), s);
  h.hub.on_live([] {
    LiveUpdate u = update("c1", 4000);
    u.ended = true;
    return u;
  }());
  EXPECT_TRUE(h.published.back().ended);
  EXPECT_EQ(page->got.back(), (Json{{"type", "interaction.ended"}, {"interaction_id", "c1"}}));
  EXPECT_TRUE(h.hub.live_interaction_ids().empty());
}

TEST(SupervisorHub, AGuardrailAndItsLegalAlertReachOnlyTheAgentsTeam) {
  Hub h;
  auto north = h.page("sup-north");
  auto south = h.page("sup-south");
  LiveUpdate start = update("c1", 1000);
  start.agent_id = "ruth";  // north
  h.hub.on_live(start);
  h.hub.on_prompt(prompt("c1", "g-1", "agent-guardrail-legal", "guardrail", 2000));

  auto north_view = north->of_type("interaction").back()["interaction"];
  ASSERT_EQ(north_view["prompts"].size(), 1u);
  EXPECT_EQ(north_view["prompts"][0]["kind"], "guardrail");
  EXPECT_EQ(north_view["attention"], Json::array({"legal_threat"}));
  ASSERT_EQ(north->of_type("alert").size(), 1u);
  EXPECT_EQ(north->of_type("alert")[0]["alert"]["kind"], "legal_threat");
  EXPECT_EQ(north->of_type("alert")[0]["alert"]["private"], true);

  auto south_view = south->of_type("interaction").back()["interaction"];
  EXPECT_EQ(south_view["prompts"], Json::array());
  EXPECT_EQ(south_view["attention"], Json::array());
  EXPECT_TRUE(south->of_type("alert").empty());

  // A page opened later: the same rule holds for the snapshot and its alert strip.
  auto late_south = h.page("sup-south");
  EXPECT_EQ(late_south->got[0]["interactions"][0]["prompts"], Json::array());
  EXPECT_EQ(late_south->got[0]["alerts"], Json::array());
  auto late_north = h.page("sup-north");
  EXPECT_EQ(late_north->got[0]["alerts"].size(), 1u);
  // The bus carries everything: each host filters for its own pages.
  EXPECT_EQ(Json::parse(h.published.back().summary)["prompts"].size(), 1u);
}

TEST(SupervisorHub, AChurnMomentUnansweredAlertsOnEventTimeAndTheBudgetHoldsTheRest) {
  SupervisorOptions o = teams();
  o.alerts_per_window = 1;
  o.churn_unanswered = std::chrono::seconds(60);
  Hub h(o);
  auto page = h.page("sup-north");
  for (const char* call : {"c1", "c2"}) {
    LiveUpdate start = update(call, 1000);
    start.agent_id = "ruth";
    h.hub.on_live(start);
    h.hub.on_prompt(prompt(call, std::string("churn-") + call, "churn-intent", "opportunity", 1000));
  }
  h.hub.on_live(update("c1", 60999));  // 59.999 s of event time: not yet
  EXPECT_TRUE(page->of_type("alert").empty());
  h.hub.on_live(update("c1", 61000));
  ASSERT_EQ(page->of_type("alert").size(), 1u);
  EXPECT_EQ(page->of_type("alert")[0]["alert"]["kind"], "churn_unanswered");
  EXPECT_EQ(page->of_type("alert")[0]["alert"]["at_ms"], 61000);
  h.hub.on_live(update("c1", 62000));  // once per call
  h.hub.on_live(update("c2", 61000));  // over the budget: marked, not shown
  EXPECT_EQ(page->of_type("alert").size(), 1u);
  EXPECT_EQ(h.hub.stats().alerts_raised, 1u);
  EXPECT_EQ(h.hub.stats().alerts_suppressed, 1u);
  EXPECT_EQ(page->of_type("interaction").back()["interaction"]["attention"], Json::array({"churn_unanswered"}));
}

TEST(SupervisorHub, AnAnsweredChurnMomentRaisesNoAlert) {
  Hub h;
  auto page = h.page("sup-north");
  LiveUpdate start = update("c1", 1000);
  start.agent_id = "ruth";
  h.hub.on_live(start);
  h.hub.on_prompt(prompt("c1", "churn-1", "churn-intent", "opportunity", 1000));
  LiveUpdate answered = update("c1", 5000);
  answered.answered_prompt_id = "churn-1";
  answered.answer = "accepted";
  h.hub.on_live(answered);
  h.hub.on_live(update("c1", 500000));
  EXPECT_TRUE(page->of_type("alert").empty());
}

TEST(SupervisorHub, TheTrendAndThePromptListAreBounded) {
  Hub h;
  for (int i = 0; i < 30; ++i) {
    LiveUpdate u = update("c1", 1000 + i);
    u.sentiment = i / 100.0;
    h.hub.on_live(u);
  }
  for (int i = 0; i < 40; ++i)
    h.hub.on_prompt(prompt("c1", "p-" + std::to_string(i), "r", "opportunity", 2000 + i));
  Json s = Json::parse(h.published.back().summary);
  ASSERT_EQ(s["sentiment"].size(), InteractionSummary::kTrendPoints);
  EXPECT_DOUBLE_EQ(s["sentiment"].front().get<double>(), 0.10);  // the oldest ten are gone
  EXPECT_DOUBLE_EQ(s["sentiment"].back().get<double>(), 0.29);
  ASSERT_EQ(s["prompts"].size(), InteractionSummary::kPromptsShown);
  EXPECT_EQ(s["prompts"].back()["prompt_id"], "p-31");
}

TEST(SupervisorHub, AnotherHostsSummaryIsShownAndAMalformedOneIsRefusedAndChangesNothing) {
  Hub a(teams(), "host-a");
  LiveUpdate start = update("c9", 1000);
  start.agent_id = "omar";
  start.queue = "sales";
  a.hub.on_live(start);
  a.hub.on_prompt(prompt("c9", "p-1", "r", "opportunity", 1200, "omar"));
  std::string from_a = a.published.back().summary;

  Hub b(teams(), "host-b");
  auto page = b.page("sup-south");
  b.hub.on_remote(from_a);
  ASSERT_EQ(page->of_type("interaction").size(), 1u);
  Json shown = page->of_type("interaction")[0]["interaction"];
  EXPECT_EQ(shown, Json::parse(from_a));  // read back into the struct and written again: the same
  EXPECT_EQ(shown["owner"], "host-a");
  EXPECT_TRUE(b.published.empty());  // not ours: never published again

  std::size_t messages = page->got.size();
  Json valid = Json::parse(from_a);
  std::vector<std::string> malformed = {
      "not json",
      "[1, 2]",
      R"({"prompts": [], "sentiment": []})",
      R"({"interaction_id": "c9", "prompts": {}, "sentiment": []})",
      R"({"interaction_id": "c9", "prompts": [], "sentiment": ["low"]})",
      R"({"interaction_id": "c9", "prompts": [], "sentiment": [], "team": 5})",
      R"({"interaction_id": "c9", "prompts": [7], "sentiment": []})",
      R"({"interaction_id": "c9", "prompts": [{"prompt_id": 1}], "sentiment": []})",
      R"({"interaction_id": "c9", "prompts": [], "sentiment": [], "last_event_ms": "late"})",
      R"({"interaction_id": "c9", "prompts": [], "sentiment": [], "attention": "all"})",
      R"({"interaction_id": "c9", "ended": "yes"})",
  };
  for (const auto& m : malformed) b.hub.on_remote(m);
  EXPECT_EQ(page->got.size(), messages);  // nothing reached the page
  EXPECT_EQ(b.hub.stats().remote_refused, malformed.size());
  EXPECT_EQ(b.hub.live_interaction_ids(), std::vector<std::string>{"c9"});
  auto late = b.page("sup-south");
  EXPECT_EQ(late->got[0]["interactions"][0], shown);  // what was shown before still stands

  b.hub.on_remote(R"({"interaction_id": "c9", "ended": true})");
  EXPECT_TRUE(b.hub.live_interaction_ids().empty());
  EXPECT_EQ(page->got.back()["type"], "interaction.ended");
}

TEST(SupervisorHub, ACallThatMovesToThisHostBecomesOursWithItsSummary) {
  Hub a(teams(), "host-a");
  LiveUpdate start = update("c1", 1000);
  start.agent_id = "ruth";
  a.hub.on_live(start);
  a.hub.on_prompt(prompt("c1", "p-1", "r", "opportunity", 1100));
  Hub b(teams(), "host-b");
  b.hub.on_remote(a.published.back().summary);
  b.hub.on_live(update("c1", 2000));  // host-a died; host-b's engine resumed the call
  Json s = Json::parse(b.published.back().summary);
  EXPECT_EQ(s["owner"], "host-b");
  EXPECT_EQ(s["prompts"].size(), 1u);
  EXPECT_EQ(s["last_event_ms"], 2000);
  b.hub.on_remote(a.published.back().summary);  // a late copy from the old owner: ours now, ignored
  EXPECT_EQ(Json::parse(b.published.back().summary)["owner"], "host-b");
}
