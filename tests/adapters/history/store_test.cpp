// One store test suite, run against SQLite (a real file) and PostgreSQL (a real server).
#include <gtest/gtest.h>

#include <filesystem>

#include "plugin/history/history_importer.hpp"
#include "adapters/history/open_history_store.hpp"
#include "plugin/history/history_store.hpp"
#include "plugin/history/identity.hpp"
#include "tests/support/store_backend_test.hpp"

namespace rightmoment {
namespace {

class StoreTest : public testing::StoreBackendTest {
 protected:
  StoreTest() : StoreBackendTest("store_test_") {}
  void SetUp() override {
    StoreBackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store_ = open_history_store(url_);
    // A clean slate for each test: distinct ids per test keep PostgreSQL runs independent.
    prefix_ = std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()).substr(0, 12) + "-";
  }
  std::string id(const std::string& s) const { return prefix_ + s; }

  std::string prefix_;
  std::unique_ptr<HistoryStore> store_;
};

TEST_P(StoreTest, UpsertsAreIdempotentAndListsComeNewestFirst) {
  std::vector<HistoryRecord> batch;
  CustomerRecord dana;
  dana.customer_id = id("cu");
  dana.name = "Dana Reyes";
  dana.preferred_name = "Dana";
  dana.tier = "gold";
  dana.customer_since = "2019-11-25";
  dana.birthday = "11-22";
  dana.lifetime_value = 4200.0;
  dana.consent_personalisation = true;
  batch.push_back(dana);
  for (int i = 1; i <= 3; ++i) {
    ContactRecord c;
    c.customer_id = id("cu");
    c.contact_id = id("ct" + std::to_string(i));
    c.channel = "voice";
    c.started_at = 1'000'000LL * i;
    c.nps = i;
    batch.push_back(c);
  }
  FeedbackRecord f;
  f.customer_id = id("cu");
  f.feedback_id = id("fb");
  f.source = "review_site";
  f.kind = "review";
  f.rating = 2;
  f.posted_at = 5;
  f.reach = 120;
  batch.push_back(f);
  CaseRecord cs;
  cs.customer_id = id("cu");
  cs.case_id = id("cs");
  cs.status = "open";
  cs.subject = "Line fault";
  cs.opened_at = 7;
  cs.due_at = 86'400'000;
  cs.due_is_date = true;
  batch.push_back(cs);
  store_->upsert(batch);
  store_->upsert(batch);
  auto h = store_->load_customer(id("cu"), HistoryLoadLimits{});
  ASSERT_TRUE(h);
  EXPECT_EQ(h->customer.preferred_name.value_or(""), "Dana");
  EXPECT_TRUE(h->customer.consent_personalisation);
  ASSERT_EQ(h->contacts.size(), 3u);
  EXPECT_EQ(h->contacts[0].contact_id, id("ct3"));
  EXPECT_EQ(h->contacts[0].nps.value_or(-1), 3);
  ASSERT_EQ(h->feedback.size(), 1u);
  EXPECT_EQ(h->feedback[0].reach.value_or(0), 120);
  EXPECT_FALSE(h->feedback[0].responded_at);
  ASSERT_EQ(h->cases.size(), 1u);
  EXPECT_TRUE(h->cases[0].due_is_date);
  EXPECT_FALSE(store_->load_customer(id("nobody"), HistoryLoadLimits{}));
}

TEST_P(StoreTest, IdentitiesResolveAndASharedOneIsAmbiguous) {
  std::vector<HistoryRecord> batch;
  for (const char* who : {"a", "b"}) {
    CustomerRecord c;
    c.customer_id = id(who);
    c.name = who;
    batch.push_back(c);
    batch.push_back(IdentityRecord{id(who), IdentityKind::Phone, "raw", "+1555" + prefix_});
  }
  batch.push_back(IdentityRecord{id("b"), IdentityKind::AccountId, "ACC-" + prefix_, "ACC-" + prefix_});
  store_->upsert(batch);
  EXPECT_EQ(store_->find_customers(IdentityKind::Phone, "+1555" + prefix_, 10).size(), 2u);
  auto one = store_->find_customers(IdentityKind::AccountId, "ACC-" + prefix_, 10);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0], id("b"));
  EXPECT_TRUE(store_->find_customers(IdentityKind::Email, "none@example.com", 10).empty());
}

TEST_P(StoreTest, TheOutcomeRecordIsAppendedAndReadBack) {
  PromptOutcome p;
  p.prompt_id = id("pr");
  p.interaction_id = id("c");
  p.rule_id = "frustration";
  p.kind = "opportunity";
  p.agent_id = "a-1";
  p.event_time = 1'000'000'000;
  p.held_out = true;
  p.customer_sentiment = -0.5;
  p.prompt_json = "{}";
  PromptOutcome handover = p;
  handover.handover = true;
  handover.held_out = false;
  InteractionOutcome i;
  i.interaction_id = id("c");
  i.started_at = 1'000'000'000;
  i.ended_at = 1'000'060'000;
  i.duration_ms = 60'000;
  i.sentiment_end = 0.4;
  store_->append_outcomes({p, handover, FeedbackOutcome{id("pr"), id("c"), "frustration", std::string("a-1"), "dismissed", 1'000'000'500}, i});
  auto all = store_->read_outcomes(1'000'000'000, 1'000'000'001);
  int prompts = 0, feedback = 0, summaries = 0;
  for (const auto& r : all) {
    if (auto* x = std::get_if<PromptOutcome>(&r); x && x->prompt_id == id("pr")) {
      ++prompts;
      EXPECT_EQ(x->customer_sentiment.value_or(0), -0.5);
    }
    if (std::holds_alternative<FeedbackOutcome>(r)) ++feedback;
    if (auto* x = std::get_if<InteractionOutcome>(&r); x && x->interaction_id == id("c")) ++summaries;
  }
  EXPECT_EQ(prompts, 2);
  EXPECT_EQ(summaries, 1);
  EXPECT_EQ(feedback, 0);  // the answer came at 1'000'000'500, outside [from, to)
}

// A restarted plugin asks what it raised for an interaction before the restart.
TEST_P(StoreTest, TheOutcomeRecordOfOneInteractionIsReadBackByItsId) {
  EXPECT_TRUE(store_->read_recorded_interaction(id("nothing")).prompts.empty());
  EXPECT_FALSE(store_->read_recorded_interaction(id("nothing")).ended);
  std::vector<OutcomeRecord> batch;
  for (int i = 0; i < 3; ++i) {
    PromptOutcome p;
    p.prompt_id = "pr-" + std::to_string(i);
    p.interaction_id = id(i == 2 ? "other" : "live");
    p.rule_id = i == 0 ? "screen_pop" : "frustration";
    p.kind = i == 0 ? "screen_pop" : "opportunity";
    p.agent_id = "a-1";
    p.event_time = 1'000 + i;
    p.prompt_json = R"({"prompt_id":"pr-)" + std::to_string(i) + R"(","trigger_event_id":"e)" + std::to_string(i) + "\"}";
    batch.push_back(p);
  }
  InteractionOutcome ended;
  ended.interaction_id = id("other");
  batch.push_back(ended);
  store_->append_outcomes(batch);

  RecordedInteraction live = store_->read_recorded_interaction(id("live"));
  ASSERT_EQ(live.prompts.size(), 2u);
  EXPECT_EQ(live.prompts[0].kind, "screen_pop");  // in the order recorded
  EXPECT_EQ(live.prompts[1].rule_id, "frustration");
  EXPECT_EQ(live.prompts[1].agent_id.value_or(""), "a-1");
  EXPECT_EQ(live.prompts[1].prompt_json, R"({"prompt_id":"pr-1","trigger_event_id":"e1"})");
  EXPECT_FALSE(live.ended);
  RecordedInteraction other = store_->read_recorded_interaction(id("other"));
  EXPECT_EQ(other.prompts.size(), 1u);
  EXPECT_TRUE(other.ended);
}

TEST_P(StoreTest, TheSampleHistoryImports) {
  std::string file = RIGHTMOMENT_SHARED_DIR "/samples/history.jsonl";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << file << " not present";
  ImportReport r = import_history_file(file, *store_, "US", nullptr);
  EXPECT_EQ(r.bad_line_count, 0u);
  CustomerIdentifiers ids;
  ids.email = "  Marcus.Lee@Example.com ";
  EXPECT_EQ(resolve_caller(*store_, ids, "US").customer_id.value_or("-"), "cu-1002");
  EXPECT_TRUE(store_->ping());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

TEST(PostgresStore, AServerThatGoesDownAndComesBackIsUsedAgainWithoutARestart) {
  if (testing::PostgresServer::find_bin().empty()) GTEST_SKIP() << "PostgreSQL is not installed";
  testing::PostgresServer server;
  ASSERT_TRUE(server.ok());
  auto store = open_history_store(server.url());
  EXPECT_TRUE(store->ping());
  ASSERT_TRUE(server.stop());
  EXPECT_FALSE(store->ping());
  EXPECT_THROW(store->find_customers(IdentityKind::Phone, "+1", 1), StoreError);
  ASSERT_TRUE(server.start());
  EXPECT_TRUE(store->ping());
  EXPECT_NO_THROW(store->find_customers(IdentityKind::Phone, "+1", 1));
}

TEST(PostgresStore, AnUnreachableServerIsAClearError) {
  try {
    open_history_store("postgresql://rm@127.0.0.1:1/postgres?connect_timeout=2");
    FAIL() << "connected to nothing";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot connect"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rightmoment
