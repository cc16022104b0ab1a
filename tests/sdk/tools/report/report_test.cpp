// The effectiveness report from a real store (a SQLite file, and a real PostgreSQL server when one is
// installed) holding an outcome record with known figures; the numbers are asserted, then the text and
// HTML renderings and the command line.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/wait.h>

#include "adapters/history/open_history_store.hpp"
#include "plugin/history/history_store.hpp"
#include "plugin/history/store_url.hpp"
#include "sdk/tools/report/demo_outcomes.hpp"
#include "sdk/tools/report/effectiveness.hpp"
#include "sdk/tools/report/report_render.hpp"
#include "tests/support/store_backend_test.hpp"

namespace rightmoment {
namespace {

using report::Verdict;

constexpr EventTimeMs kFrom = 1'795'305'600'000;  // 2026-11-22T00:00:00Z
constexpr EventTimeMs kTo = kFrom + kMsPerDay;
constexpr EventTimeMs kMinute = 60'000;

// Builds an outcome record interaction by interaction, as the plugin writes it.
class Record {
 public:
  // One finished interaction with a screen pop and, when rule_id is set, one rule's prompt.
  std::string call(bool held_out, const std::string& rule_id, const std::string& kind,
                   std::optional<double> sentiment_at_prompt, std::optional<double> start, std::optional<double> end,
                   EventTimeMs at = 0) {
    std::string id = "call-" + std::to_string(++calls_);
    EventTimeMs t0 = at != 0 ? at : kFrom + static_cast<EventTimeMs>(calls_) * kMinute;
    prompt(id, "screen_pop", "screen_pop", false, false, std::nullopt, t0 + 1000);
    if (!rule_id.empty()) last_prompt_ = prompt(id, rule_id, kind, held_out, false, sentiment_at_prompt, t0 + 20'000);
    InteractionOutcome i;
    i.interaction_id = id;
    i.channel = "voice";
    i.direction = "inbound";
    i.started_at = t0;
    i.ended_at = t0 + 5 * kMinute;
    i.duration_ms = 5 * kMinute;
    i.sentiment_start = start;
    i.sentiment_end = end;
    i.held_out = held_out;
    i.prompts = rule_id.empty() ? 0 : 1;
    records.push_back(i);
    return id;
  }

  std::string prompt(const std::string& interaction, const std::string& rule_id, const std::string& kind,
                     bool held_out, bool handover, std::optional<double> sentiment, EventTimeMs t) {
    PromptOutcome p;
    p.prompt_id = handover ? last_prompt_ : "pr-" + std::to_string(++prompts_);
    p.interaction_id = interaction;
    p.rule_id = rule_id;
    p.kind = kind;
    p.agent_id = handover ? "agent-2" : "agent-1";
    p.event_time = t;
    p.held_out = held_out;
    p.handover = handover;
    p.customer_sentiment = sentiment;
    p.prompt_json = "{}";
    records.push_back(p);
    return p.prompt_id;
  }

  void answer(const std::string& action, EventTimeMs offset = 0) {
    FeedbackOutcome f;
    f.prompt_id = last_prompt_;
    f.interaction_id = "call-" + std::to_string(calls_);
    f.rule_id = "frustration";
    f.action = action;
    f.ts = kFrom + static_cast<EventTimeMs>(calls_) * kMinute + 30'000 + offset;
    records.push_back(f);
  }

  const std::string& last_prompt() const { return last_prompt_; }

  std::vector<OutcomeRecord> records;

 private:
  int calls_ = 0;
  int prompts_ = 0;
  std::string last_prompt_;
};

// The known outcome record:
//  frustration, shown on 40 calls: the customer's sentiment -0.2 at the prompt, +0.3 and +0.1 higher at the
//    end on alternate calls (mean +0.2); answers: 20 accepted, 8 dismissed, 4 snoozed of which 2 were later
//    accepted, the rest unanswered; 3 handover copies; plus one call still going (shown, no summary).
//  frustration, held out on 32 calls: -0.1 and +0.1 on alternate calls (mean 0); one of them fired twice.
//  churn-intent: 5 shown (+0.1) and 2 held out (-0.1), raised before the customer spoke: too few to tell.
//  10 calls where no rule fired (3 held out), and one call the day before, outside the window.
std::vector<OutcomeRecord> known_outcomes() {
  Record r;
  for (int i = 0; i < 40; ++i) {
    double change = i % 2 == 0 ? 0.3 : 0.1;
    r.call(false, "frustration", "opportunity", -0.2, -0.3, -0.2 + change);
    if (i < 20) r.answer("accepted");
    else if (i < 28) r.answer("dismissed");
    else if (i < 32) {
      r.answer("snoozed");
      if (i < 30) r.answer("accepted", kMinute / 2);  // the last answer counts
    }
    if (i < 3) r.prompt("call-" + std::to_string(i + 1), "frustration", "opportunity", false, true, -0.2,
                        kFrom + (i + 1) * kMinute + 25'000);
  }
  r.prompt("still-going", "frustration", "opportunity", false, false, -0.5, kFrom + 2 * kMinute);
  for (int i = 0; i < 32; ++i) {
    double change = i % 2 == 0 ? -0.1 : 0.1;
    std::string id = r.call(true, "frustration", "opportunity", -0.2, -0.3, -0.2 + change);
    // The second firing on the same call is counted as a prompt but not as a second interaction.
    if (i == 0) r.prompt(id, "frustration", "opportunity", true, false, 0.9, kFrom + 50 * kMinute);
  }
  for (int i = 0; i < 5; ++i) r.call(false, "churn-intent", "opportunity", std::nullopt, 0.0, 0.1);
  for (int i = 0; i < 2; ++i) r.call(true, "churn-intent", "opportunity", std::nullopt, 0.0, -0.1);
  for (int i = 0; i < 10; ++i) r.call(i < 3, "", "", std::nullopt, 0.5, -0.5);
  r.call(false, "frustration", "opportunity", -0.2, -0.3, 0.9, kFrom - kMsPerDay);  // outside the window
  return r.records;
}

void expect_known_figures(const report::Report& rep) {
  const report::Headline& h = rep.headline;
  EXPECT_EQ(h.interactions, 89u);
  EXPECT_EQ(h.held_out_interactions, 37u);
  EXPECT_EQ(h.interactions_with_prompts, 79u);
  EXPECT_EQ(h.prompts_by_kind.at("screen_pop"), 89u);
  EXPECT_EQ(h.prompts_by_kind.at("opportunity"), 46u);  // 41 frustration + 5 churn-intent
  EXPECT_EQ(h.prompts_held_out, 35u);                   // 33 frustration + 2 churn-intent
  EXPECT_EQ(h.handovers, 3u);
  EXPECT_EQ(h.feedback_by_action.at("accepted"), 22u);
  EXPECT_EQ(h.feedback_by_action.at("dismissed"), 8u);
  EXPECT_EQ(h.feedback_by_action.at("snoozed"), 4u);

  // All calls where a rule fired, first to last utterance: (40 + 5) shown, (32 + 2) held out.
  EXPECT_EQ(h.overall.shown.n, 45u);
  EXPECT_EQ(h.overall.held_out.n, 34u);
  EXPECT_NEAR(h.overall.shown.mean, 0.277778, 1e-5);
  EXPECT_NEAR(h.overall.held_out.mean, 0.088235, 1e-5);
  EXPECT_NEAR(h.overall.difference, 0.189542, 1e-5);
  EXPECT_NEAR(h.overall.ci_low, 0.139800, 1e-5);
  EXPECT_NEAR(h.overall.ci_high, 0.239285, 1e-5);
  EXPECT_EQ(h.overall.verdict, Verdict::Better);

  ASSERT_EQ(rep.rules.size(), 2u);
  const report::RuleFigures& churn = rep.rules[0];
  const report::RuleFigures& frustration = rep.rules[1];
  EXPECT_EQ(churn.rule_id, "churn-intent");
  EXPECT_EQ(frustration.rule_id, "frustration");
  EXPECT_EQ(frustration.kind, "opportunity");

  EXPECT_EQ(frustration.shown, 41u);
  EXPECT_EQ(frustration.accepted, 22u);
  EXPECT_EQ(frustration.dismissed, 8u);
  EXPECT_EQ(frustration.snoozed, 2u);
  EXPECT_EQ(frustration.unanswered, 9u);
  EXPECT_EQ(frustration.handovers, 3u);
  EXPECT_EQ(frustration.held_out, 33u);
  EXPECT_EQ(frustration.shown_interactions, 41u);
  EXPECT_EQ(frustration.held_out_interactions, 32u);
  const report::Comparison& f = frustration.sentiment;
  EXPECT_EQ(f.shown.n, 40u);  // the call still going has no end yet
  EXPECT_EQ(f.held_out.n, 32u);
  EXPECT_NEAR(f.shown.mean, 0.2, 1e-9);
  EXPECT_NEAR(f.held_out.mean, 0.0, 1e-9);
  EXPECT_NEAR(f.shown.sd, 0.101274, 1e-5);
  EXPECT_NEAR(f.held_out.sd, 0.101600, 1e-5);
  EXPECT_NEAR(f.difference, 0.2, 1e-9);
  EXPECT_TRUE(f.enough);
  EXPECT_NEAR(f.ci_low, 0.152839, 1e-5);
  EXPECT_NEAR(f.ci_high, 0.247161, 1e-5);
  EXPECT_EQ(f.verdict, Verdict::Better);
  EXPECT_EQ(f.statement,
            "Better: the customer's sentiment moved +0.20 more when the prompt was shown than when it was held out "
            "(95% CI +0.15 to +0.25, 40 shown, 32 held out).");

  EXPECT_EQ(churn.shown, 5u);
  EXPECT_EQ(churn.held_out, 2u);
  EXPECT_EQ(churn.unanswered, 5u);
  const report::Comparison& c = churn.sentiment;
  EXPECT_EQ(c.shown.n, 5u);  // raised before the customer spoke: measured from their first utterance
  EXPECT_EQ(c.held_out.n, 2u);
  EXPECT_NEAR(c.difference, 0.2, 1e-9);
  EXPECT_FALSE(c.enough);
  EXPECT_EQ(c.verdict, Verdict::TooFew);
  EXPECT_EQ(c.statement,
            "Too few interactions to tell: 5 shown and 2 held out with the customer's sentiment; at least 30 of each "
            "are needed.");
}

class rightmoment_report_store : public testing::StoreBackendTest {
 protected:
  rightmoment_report_store() : StoreBackendTest("report_test_") {}
};

TEST_P(rightmoment_report_store, FiguresFromAStoreWithKnownOutcomes) {
  auto store = open_history_store(url_);
  store->append_outcomes(known_outcomes());
  auto records = store->read_outcomes(kFrom, kTo);
  report::Report rep = report::compute_report(records, {kFrom, kTo, report::kDefaultMinSample});
  expect_known_figures(rep);
}

INSTANTIATE_TEST_SUITE_P(Backends, rightmoment_report_store, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& p) { return p.param; });

TEST(rightmoment_report, FiguresInMemoryMatchTheStore) {
  // The same record without a store (the window is the store's job; drop the call outside it).
  auto records = known_outcomes();
  records.erase(std::remove_if(records.begin(), records.end(),
                               [](const OutcomeRecord& r) {
                                 if (auto* i = std::get_if<InteractionOutcome>(&r)) return i->started_at < kFrom;
                                 if (auto* p = std::get_if<PromptOutcome>(&r)) return p->event_time < kFrom;
                                 return false;
                               }),
                records.end());
  expect_known_figures(report::compute_report(records, {kFrom, kTo, report::kDefaultMinSample}));
}

TEST(rightmoment_report, ComparisonArithmetic) {
  auto c = report::compare({1, 2, 3, 4}, {0, 0, 1, 1}, 4);
  EXPECT_NEAR(c.shown.mean, 2.5, 1e-12);
  EXPECT_NEAR(c.shown.sd, 1.290994, 1e-6);
  EXPECT_NEAR(c.held_out.sd, 0.577350, 1e-6);
  EXPECT_NEAR(c.difference, 2.0, 1e-12);
  // se = sqrt(1.6667/4 + 0.3333/4) = sqrt(0.5)
  EXPECT_NEAR(c.ci_low, 2.0 - 1.959964 * 0.707107, 1e-5);
  EXPECT_NEAR(c.ci_high, 2.0 + 1.959964 * 0.707107, 1e-5);
  EXPECT_EQ(c.verdict, Verdict::Better);

  auto worse = report::compare({-1, -1.2, -0.8, -1}, {0, 0.1, -0.1, 0}, 4);
  EXPECT_EQ(worse.verdict, Verdict::Worse);
  auto unclear = report::compare({0, 1, -1, 0.1}, {0, 1, -1, 0}, 4);
  EXPECT_EQ(unclear.verdict, Verdict::NoClearEffect);
  EXPECT_NE(unclear.statement.find("includes zero"), std::string::npos);
  auto none = report::compare({0.1, 0.2}, {}, 30);
  EXPECT_FALSE(none.has_difference);
  EXPECT_EQ(none.verdict, Verdict::TooFew);
  EXPECT_NE(none.statement.find("holdout_percent"), std::string::npos);
  EXPECT_EQ(report::signed_fixed(-0.001), "0.00");
  EXPECT_EQ(report::signed_fixed(0.125, 1), "+0.1");
}

TEST(rightmoment_report, AnswersMatchTheirInteractionWhenPromptIdsRepeat) {
  // Two hosts on one PostgreSQL store each number their prompts from pr-000001.
  std::vector<OutcomeRecord> records;
  for (const char* call : {"host-a-call", "host-b-call"}) {
    PromptOutcome p;
    p.prompt_id = "pr-000001";
    p.interaction_id = call;
    p.rule_id = "frustration";
    p.kind = "opportunity";
    p.event_time = kFrom;
    records.push_back(p);
  }
  FeedbackOutcome accepted;
  accepted.prompt_id = "pr-000001";
  accepted.interaction_id = "host-a-call";
  accepted.action = "accepted";
  accepted.ts = kFrom + 1000;
  records.push_back(accepted);
  FeedbackOutcome dismissed = accepted;
  dismissed.interaction_id = "host-b-call";
  dismissed.action = "dismissed";
  dismissed.ts = kFrom + 500;
  records.push_back(dismissed);
  auto rep = report::compute_report(records, {kFrom, kTo, report::kDefaultMinSample});
  ASSERT_EQ(rep.rules.size(), 1u);
  EXPECT_EQ(rep.rules[0].shown, 2u);
  EXPECT_EQ(rep.rules[0].accepted, 1u);
  EXPECT_EQ(rep.rules[0].dismissed, 1u);
  EXPECT_EQ(rep.rules[0].unanswered, 0u);
}

TEST(rightmoment_report, TextSummaryStatesEveryRule) {
  auto rep = report::compute_report(known_outcomes(), {kFrom, kTo, report::kDefaultMinSample});
  std::string text = report::render_text(rep, {"sqlite:/tmp/x.db", ""});
  EXPECT_NE(text.find("Interactions: 90 ended (37 held out)"), std::string::npos) << text;
  EXPECT_NE(text.find("Agents' answers: 22 accepted, 8 dismissed, 4 snoozed"), std::string::npos) << text;
  EXPECT_NE(text.find("churn-intent: Too few interactions to tell"), std::string::npos) << text;
  EXPECT_NE(text.find("too few to tell"), std::string::npos) << text;
  EXPECT_NE(text.find("frustration: Better"), std::string::npos) << text;
}

TEST(rightmoment_report, HtmlIsSelfContainedAndEscaped) {
  Record r;
  r.call(false, "<script>alert(\"x\")</script>&", "opportunity", 0.0, 0.0, 0.5);
  auto rep = report::compute_report(r.records, {kFrom, kTo, report::kDefaultMinSample});
  std::string html = report::render_html(rep, {redact_store_url("postgresql://rm:s3cret@db.internal/rm"), ""});
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;"), std::string::npos);
  EXPECT_EQ(html.find("s3cret"), std::string::npos);
  EXPECT_NE(html.find("postgresql://rm:***@db.internal/rm"), std::string::npos);
  // Nothing from the network: no links, sources, imports or fonts.
  for (const char* banned : {"http:", "https:", "src=", "href=", "@import", "url(", "//cdn"})
    EXPECT_EQ(html.find(banned), std::string::npos) << banned;
  EXPECT_NE(html.find("too few to tell"), std::string::npos);
}

TEST(rightmoment_report, DemoOutcomesAreDeterministicAndShowEveryVerdict) {
  report::DemoOptions o;
  o.interactions = 4000;
  auto a = report::generate_demo_outcomes(o);
  auto b = report::generate_demo_outcomes(o);
  ASSERT_EQ(a.size(), b.size());
  auto rep = report::compute_report(a, {o.from, o.from + o.days * kMsPerDay, report::kDefaultMinSample});
  EXPECT_EQ(rep.headline.interactions, 4000u);
  std::set<Verdict> seen;
  for (const auto& rule : rep.rules) seen.insert(rule.sentiment.verdict);
  EXPECT_TRUE(seen.count(Verdict::Better));
  EXPECT_TRUE(seen.count(Verdict::Worse));
  EXPECT_TRUE(seen.count(Verdict::TooFew));
  EXPECT_EQ(rep.headline.overall.verdict, Verdict::Better);
}

// The command line, as an operator runs it.
struct CliRun {
  int status;
  std::string out;
};

CliRun run(const std::string& args) {
  std::string cmd = std::string(RIGHTMOMENT_BINARY_DIR) + "/sdk/tools/report/rightmoment-report " + args + " 2>&1";
  CliRun r{-1, ""};
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(rightmoment_report_cli, WritesTheSummaryAndThePage) {
  auto dir = std::filesystem::path(::testing::TempDir()) / "report_cli";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string url = "sqlite:" + (dir / "store.db").string();
  open_history_store(url)->append_outcomes(known_outcomes());
  std::string html = (dir / "report.html").string();

  CliRun ok = run("--store " + url + " --from 2026-11-22T00:00:00Z --to 2026-11-23T00:00:00Z --out " + html);
  EXPECT_EQ(ok.status, 0) << ok.out;
  EXPECT_NE(ok.out.find("Interactions: 89 ended (37 held out)"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("frustration: Better"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("HTML report: " + html), std::string::npos) << ok.out;
  std::ifstream in(html);
  std::stringstream page;
  page << in.rdbuf();
  EXPECT_NE(page.str().find("<h1>RightMoment effectiveness report</h1>"), std::string::npos);

  CliRun missing = run("--store sqlite:" + (dir / "nothing.db").string() +
                    " --from 2026-11-22T00:00:00Z --to 2026-11-23T00:00:00Z");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.out.find("no SQLite store"), std::string::npos) << missing.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "nothing.db"));

  CliRun bad_time = run("--store " + url + " --from yesterday --to 2026-11-23T00:00:00Z");
  EXPECT_EQ(bad_time.status, 2);
  EXPECT_NE(bad_time.out.find("--from must be an RFC 3339 time"), std::string::npos) << bad_time.out;
  CliRun backwards = run("--store " + url + " --from 2026-11-23T00:00:00Z --to 2026-11-22T00:00:00Z");
  EXPECT_EQ(backwards.status, 2);
  CliRun help = run("--help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("--demo-store"), std::string::npos) << help.out;
  CliRun no_window = run("--store " + url);
  EXPECT_EQ(no_window.status, 2);
  CliRun unreachable = run("--store postgresql://rm@127.0.0.1:1/rm --from 2026-11-22T00:00:00Z --to 2026-11-23T00:00:00Z");
  EXPECT_EQ(unreachable.status, 1) << unreachable.out;
  CliRun bad_out = run("--store " + url + " --from 2026-11-22T00:00:00Z --to 2026-11-23T00:00:00Z --out " +
                    (dir / "no" / "such" / "dir.html").string());
  EXPECT_EQ(bad_out.status, 1) << bad_out.out;
}

}  // namespace
}  // namespace rightmoment
