// The rule language and the default catalogue, on histories built in C++ at exact boundaries.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "plugin/rules/rule_set.hpp"

namespace rightmoment {
namespace {

const EventTimeMs kNow = *parse_rfc3339("2026-11-20T17:00:00Z");

const LanguageAnalyzer& analyzer() {
  static std::unique_ptr<LanguageAnalyzer> a = [] {
    Diagnostics d;
    auto x = load_language_analyzer(RIGHTMOMENT_SOURCE_DIR "/config/lexicons", d);
    if (!x) throw std::runtime_error(join_diagnostics(d));
    return x;
  }();
  return *a;
}

std::shared_ptr<const RuleSet> catalogue() {
  Diagnostics d;
  auto set = compile_rule_files({RIGHTMOMENT_SOURCE_DIR "/config/rules/default.rules.jsonc"}, analyzer(), d);
  EXPECT_TRUE(set) << join_diagnostics(d);
  return set;
}

std::string write_rules(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "/" + name + ".rules.jsonc";
  std::ofstream(path) << text;
  return path;
}

CanonicalEvent customer_says(const std::string& event_id, const std::string& text) {
  CanonicalEvent ev;
  ev.event_id = event_id;
  ev.type = EventType::Utterance;
  ev.ts = kNow;
  ev.text = text;
  return ev;
}

struct World {
  CustomerHistory h;
  InteractionFacts facts;
  CanonicalEvent join;
  World() {
    h.customer.customer_id = "cu-1";
    h.customer.name = "Dana Reyes";
    h.customer.preferred_name = "Dana";
    facts.interaction_id = "c-1";
    facts.now = kNow;
    facts.history = &h;
    join.event_id = "e2";
    join.type = EventType::AgentJoined;
    join.ts = kNow;
  }
  std::vector<std::string> history_rules() {
    auto set = catalogue();
    RuleLedger ledger;
    EvaluationContext ctx{&facts, &join, nullptr};
    std::vector<std::string> ids;
    for (const auto& f : set->evaluate_history(ctx, ledger)) {
      ids.push_back(f.rule_id);
      EXPECT_LE(f.title.size(), 240u);
      EXPECT_EQ(f.title.find('{'), std::string::npos) << f.title;
      EXPECT_EQ(f.body.find('{'), std::string::npos) << f.body;
      EXPECT_FALSE(f.evidence.empty()) << f.rule_id;
    }
    return ids;
  }
  bool fires(const std::string& id) {
    auto ids = history_rules();
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  }
  FeedbackRecord& review(int rating, EventTimeMs posted) {
    FeedbackRecord f;
    f.customer_id = "cu-1";
    f.feedback_id = "fb-" + std::to_string(h.feedback.size() + 1);
    f.source = "review_site";
    f.platform = "Trustpilot";
    f.kind = "review";
    f.rating = rating;
    f.posted_at = posted;
    f.text = "Billed twice and nobody called me back.";
    h.feedback.push_back(f);
    return h.feedback.back();
  }
};

TEST(Catalogue, EveryContractRuleIdIsThere) {
  auto ids = catalogue()->rule_ids();
  for (const char* id : {"unanswered-negative-review", "high-reach-detractor", "unanswered-question", "thank-promoter",
                         "repeat-contact", "overdue-case", "tenure-milestone", "birthday", "frustration", "churn-intent",
                         "life-event", "public-feedback-threat", "agent-guardrail-legal", "agent-guardrail-blame", "long-hold"})
    EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end()) << id;
  EXPECT_EQ(ids.size(), 15u);
}

TEST(Catalogue, ANegativeReviewCountsForExactly90TimesTwentyFourHours) {
  World w;
  w.review(2, kNow - 90 * kMsPerDay);
  EXPECT_TRUE(w.fires("unanswered-negative-review"));
  World late;
  late.review(2, kNow - 90 * kMsPerDay - 1);
  EXPECT_FALSE(late.fires("unanswered-negative-review"));
  World answered;
  answered.review(1, kNow - kMsPerDay).responded_at = kNow;
  EXPECT_FALSE(answered.fires("unanswered-negative-review"));
  World three;
  three.review(3, kNow - kMsPerDay);
  EXPECT_FALSE(three.fires("unanswered-negative-review"));
}

TEST(Catalogue, AnUnratedPostCountsWhenItsTextIsClearlyNegativeAndReachAddsTheDetractorRule) {
  World w;
  auto& f = w.review(1, kNow - 3 * kMsPerDay);
  f.rating.reset();
  f.kind = "post";
  f.text = "Day four without internet and support keeps hanging up on me. Useless.";
  f.reach = 25000;
  auto ids = w.history_rules();
  EXPECT_NE(std::find(ids.begin(), ids.end(), "unanswered-negative-review"), ids.end());
  EXPECT_NE(std::find(ids.begin(), ids.end(), "high-reach-detractor"), ids.end());
  World happy;
  auto& g = happy.review(1, kNow - 3 * kMsPerDay);
  g.rating.reset();
  g.kind = "post";
  g.text = "Great service, fast install, really helpful staff.";
  EXPECT_FALSE(happy.fires("unanswered-negative-review"));
}

TEST(Catalogue, RepeatContactNeedsTwoEarlierContactsInSevenDaysTheNewestUnresolved) {
  auto contact = [](World& w, EventTimeMs at, bool resolved) {
    ContactRecord c;
    c.customer_id = "cu-1";
    c.contact_id = "ct-" + std::to_string(w.h.contacts.size() + 1);
    c.channel = "voice";
    c.started_at = at;
    c.resolved = resolved;
    w.h.contacts.push_back(c);  // newest first, as the store returns them
  };
  World w;
  contact(w, kNow - kMsPerDay, false);
  contact(w, kNow - 3 * kMsPerDay, true);
  EXPECT_TRUE(w.fires("repeat-contact"));
  World resolved;
  contact(resolved, kNow - kMsPerDay, true);
  contact(resolved, kNow - 3 * kMsPerDay, false);
  EXPECT_FALSE(resolved.fires("repeat-contact"));
  World old;
  contact(old, kNow - 8 * kMsPerDay, false);
  contact(old, kNow - 15 * kMsPerDay, false);
  EXPECT_FALSE(old.fires("repeat-contact"));
}

TEST(Catalogue, BirthdaysNeedConsentAndCountCalendarDaysAcrossAYearEnd) {
  World w;
  w.facts.now = *parse_rfc3339("2026-12-30T09:00:00Z");
  w.join.ts = w.facts.now;
  w.h.customer.birthday = "01-02";
  w.h.customer.consent_personalisation = true;
  EXPECT_TRUE(w.fires("birthday"));  // 3 calendar days ahead, in the next year
  w.h.customer.birthday = "01-03";
  EXPECT_FALSE(w.fires("birthday"));
  w.h.customer.birthday = "01-02";
  w.h.customer.consent_personalisation = false;
  EXPECT_FALSE(w.fires("birthday"));
  World leap;
  leap.facts.now = *parse_rfc3339("2027-03-03T09:00:00Z");
  leap.join.ts = leap.facts.now;
  leap.h.customer.birthday = "02-29";  // falls on 28 February in 2027: 3 days before 3 March
  leap.h.customer.consent_personalisation = true;
  EXPECT_TRUE(leap.fires("birthday"));
}

TEST(Catalogue, TenureCountsWholeYearsToTheAnniversaryInQuestion) {
  World w;
  w.h.customer.customer_since = "2019-11-25";  // 5 days ahead: 7 years
  auto set = catalogue();
  RuleLedger ledger;
  EvaluationContext ctx{&w.facts, &w.join, nullptr};
  bool found = false;
  for (const auto& f : set->evaluate_history(ctx, ledger))
    if (f.rule_id == "tenure-milestone") {
      found = true;
      EXPECT_NE(f.title.find("7 years"), std::string::npos) << f.title;
    }
  EXPECT_TRUE(found);
  World young;
  young.h.customer.customer_since = "2026-11-14";  // 6 days a customer
  EXPECT_FALSE(young.fires("tenure-milestone"));
}

TEST(Catalogue, AnOverdueCaseIsOneWhoseDueDateHasPassed) {
  World w;
  CaseRecord c;
  c.customer_id = "cu-1";
  c.case_id = "cs-1";
  c.status = "open";
  c.subject = "Line fault";
  c.due_at = *parse_iso_date("2026-11-19") * kMsPerDay;
  c.due_is_date = true;
  w.h.cases.push_back(c);
  EXPECT_TRUE(w.fires("overdue-case"));
  World tomorrow;
  c.due_at = *parse_iso_date("2026-11-21") * kMsPerDay;
  tomorrow.h.cases.push_back(c);
  EXPECT_FALSE(tomorrow.fires("overdue-case"));
}

TEST(LiveRules, FireOnceEvenAcrossAPartialAndItsFinal) {
  auto set = catalogue();
  World w;
  RuleLedger ledger;
  CanonicalEvent partial = customer_says("e4", "We just had our first baby");
  partial.final = false;
  auto s1 = analyzer().analyze(partial.text, Speaker::Customer);
  EvaluationContext c1{&w.facts, &partial, &s1};
  auto first = set->evaluate_event(c1, ledger);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].rule_id, "life-event");
  CanonicalEvent final_event = partial;
  final_event.event_id = "e5";
  final_event.final = true;
  final_event.text = "We just had our first baby, so I'm home a lot more.";
  auto s2 = analyzer().analyze(final_event.text, Speaker::Customer);
  EvaluationContext c2{&w.facts, &final_event, &s2};
  EXPECT_TRUE(set->evaluate_event(c2, ledger).empty());
}

TEST(LiveRules, PlatformSentimentAloneFiresFrustrationAtMinusHalf) {
  auto set = catalogue();
  World w;
  for (double s : {-0.3, -0.72}) {
    RuleLedger ledger;
    CanonicalEvent ev = customer_says("e8", "Okay. Fine.");
    ev.sentiment = s;
    auto signals = analyzer().analyze(ev.text, Speaker::Customer);
    EvaluationContext ctx{&w.facts, &ev, &signals};
    EXPECT_EQ(set->evaluate_event(ctx, ledger).size(), s <= -0.5 ? 1u : 0u) << s;
  }
}

// Found on fresh calls (issue 13): an angry threat to go public raised two prompts for one moment.
// The threat's prompt already asks for grace and a fix; frustration waits for its own moment.
TEST(LiveRules, AnAngryThreatToGoPublicRaisesTheThreatPromptNotFrustrationToo) {
  auto set = catalogue();
  World w;
  RuleLedger ledger;
  CanonicalEvent threat = customer_says("e6", "Sort it today or every one of my followers hears about this.");
  threat.sentiment = -0.8;
  UtteranceSignals both;
  both.intents.push_back({"frustration", "", "sort it today"});
  both.intents.push_back({"public_feedback_threat", "", "every one of my followers hears about this"});
  EvaluationContext c1{&w.facts, &threat, &both};
  std::vector<std::string> ids;
  for (const auto& f : set->evaluate_event(c1, ledger)) ids.push_back(f.rule_id);
  EXPECT_EQ(ids, std::vector<std::string>{"public-feedback-threat"});

  CanonicalEvent later = customer_says("e9", "This is the third time I have explained it.");
  UtteranceSignals angry;
  angry.intents.push_back({"frustration", "", "the third time"});
  EvaluationContext c2{&w.facts, &later, &angry};
  auto second = set->evaluate_event(c2, ledger);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].rule_id, "frustration");
}

TEST(LiveRules, LongHoldFiresOncePerHoldAtMostThreeTimes) {
  auto set = catalogue();
  World w;
  RuleLedger ledger;
  CanonicalEvent hold;
  hold.type = EventType::HoldStarted;
  hold.ts = kNow;
  auto timers = set->timers_armed_by(hold);
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].delay_ms, 60'000);
  CanonicalEvent ended;
  ended.type = EventType::HoldEnded;
  EXPECT_TRUE(set->timer_cancelled_by(timers[0].rule_index, ended));
  int fired = 0;
  for (int i = 0; i < 5; ++i) {
    hold.event_id = "h" + std::to_string(i);
    EvaluationContext ctx{&w.facts, &hold, nullptr};
    if (set->evaluate_timer(timers[0].rule_index, ctx, ledger)) ++fired;
    if (set->evaluate_timer(timers[0].rule_index, ctx, ledger)) ++fired;  // the same hold again: no
  }
  EXPECT_EQ(fired, 3);
}

TEST(RuleFiles, ErrorsNameTheFileTheLineAndTheRule) {
  std::string path = ::testing::TempDir() + "/bad.rules.jsonc";
  std::ofstream(path) << "{\n  \"rules\": [\n    {\n      \"id\": \"typo\",\n      \"when\": \"agee_days(now) > 1\"\n    },\n"
                         "    {\n      \"id\": \"bad-intent\",\n      \"stage\": \"event\",\n      \"on\": [\"utterance\"],\n"
                         "      \"when\": \"intent('teleportation')\"\n    },\n"
                         "    {\n      \"id\": \"bad-field\",\n      \"select\": \"feedback.filter(f, f.ratting <= 2)\"\n    }\n  ]\n}\n";
  Diagnostics d;
  EXPECT_FALSE(compile_rule_files({path}, analyzer(), d));
  ASSERT_EQ(d.size(), 3u) << join_diagnostics(d);
  EXPECT_EQ(d[0].line, 5);
  EXPECT_NE(d[0].message.find("agee_days"), std::string::npos);
  EXPECT_NE(d[0].message.find("typo"), std::string::npos);
  EXPECT_NE(d[1].message.find("teleportation"), std::string::npos);
  EXPECT_NE(d[2].message.find("ratting"), std::string::npos);
}

TEST(RuleFiles, AnExpressionErrorAtRunTimeFailsTheRuleClosedAndIsCountedForItsRule) {
  // Only evaluation can see these: a division by a count that is 0, and a birthday that is not a date.
  std::string path = write_rules("runtime", R"({"rules": [
    {"id": "divides", "when": "10 / interaction.hold_count > 1"},
    {"id": "fine", "when": "true"},
    {"id": "bad-date", "when": "true", "title": "In {{days_to_anniversary(customer.birthday)}} days"}]})");
  Diagnostics d;
  std::map<std::string, int> errors;
  auto set = compile_rule_files({path}, analyzer(), d, [&](const std::string& rule) { ++errors[rule]; });
  ASSERT_TRUE(set) << join_diagnostics(d);
  World w;
  w.h.customer.birthday = "someday";
  RuleLedger ledger;
  EvaluationContext ctx{&w.facts, &w.join, nullptr};
  auto fired = set->evaluate_history(ctx, ledger);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].rule_id, "fine");
  EXPECT_EQ(errors, (std::map<std::string, int>{{"bad-date", 1}, {"divides", 1}}));
  // Nothing of a failed rule is recorded: it is tried again, and fails again, on the next evaluation.
  EXPECT_TRUE(set->evaluate_history(ctx, ledger).empty());
  EXPECT_EQ(errors["divides"], 2);
}

TEST(RuleFiles, ArityAndArgumentKindsAreCheckedAtLoadWithFileLineAndRule) {
  std::string path = write_rules("arity", "{\n  \"rules\": [\n    {\n      \"id\": \"frustration\",\n"
                                          "      \"stage\": \"event\",\n      \"on\": [\"utterance\"],\n"
                                          "      \"when\": \"age_days(event.ts, 2) > 1\"\n    },\n"
                                          "    {\n      \"id\": \"kinds\",\n      \"title\": \"{{date('today')}}\",\n"
                                          "      \"when\": \"true\"\n    }\n  ]\n}\n");
  Diagnostics d;
  EXPECT_FALSE(compile_rule_files({path}, analyzer(), d));
  ASSERT_EQ(d.size(), 2u) << join_diagnostics(d);
  EXPECT_EQ(d[0].to_string(), path + ":7: /rules/0/when: rule frustration: column 1: age_days() takes 1 argument, got 2");
  EXPECT_EQ(d[1].to_string(), path + ":11: /rules/1/title: rule kinds: in {{date('today')}}: column 1: date() takes a time, not text");
}

TEST(RuleFiles, AreReadLikeEveryConfigFileUnknownKeysRefused) {
  std::string path = write_rules("keys", "{\n  \"rules\": [\n    {\n      \"id\": \"a\",\n      \"whne\": \"true\",\n"
                                         "      \"when\": \"true\",\n      \"partials\": \"yes\"\n    },\n"
                                         "    {\n      \"id\": \"b\",\n      \"on\": [\"utterance\"],\n      \"when\": \"now\"\n    },\n"
                                         "    {\n      \"id\": \"c\",\n      \"stage\": \"timer\",\n      \"when\": \"true\",\n"
                                         "      \"timer\": {\"armed_by\": \"hold.started\", \"after_seconds\": 60, \"every\": 2}\n    }\n"
                                         "  ],\n  \"version\": 2\n}\n");
  Diagnostics d;
  EXPECT_FALSE(compile_rule_files({path}, analyzer(), d));
  std::vector<std::string> got;
  for (const auto& x : d) got.push_back(std::to_string(x.line) + " " + x.key + " " + x.message.substr(0, x.message.find(" (")));
  EXPECT_EQ(got, (std::vector<std::string>{
                     "21 /version unknown option",
                     "5 /rules/0/whne rule a: unknown option",
                     "7 /rules/0/partials rule a: must be true or false, not a string",
                     "11 /rules/1/on rule b: applies to event rules only",
                     "12 /rules/1/when rule b: must give true or false, not a number",
                     "18 /rules/2/timer/every rule c: unknown option",
                 }))
      << join_diagnostics(d);
}

TEST(RuleFiles, ALedgerKeepsItsCountsWhenUsedWithAnotherCompileOfTheSameRules) {
  World w;
  auto first = catalogue(), second = catalogue();
  RuleLedger ledger;
  CanonicalEvent ev = customer_says("e9", "I'm seriously looking at other broadband companies at this point.");
  auto signals = analyzer().analyze(ev.text, Speaker::Customer);
  EvaluationContext ctx{&w.facts, &ev, &signals};
  ASSERT_EQ(first->evaluate_event(ctx, ledger).size(), 1u);
  EXPECT_TRUE(second->evaluate_event(ctx, ledger).empty());  // churn-intent fired already, by id
}

}  // namespace
}  // namespace rightmoment
