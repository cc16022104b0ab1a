#include "plugin/engine/outcome_writer.hpp"

#include <gtest/gtest.h>

#include <future>

#include <spdlog/sinks/null_sink.h>

#include "tests/plugin/engine/engine_fakes.hpp"

namespace rightmoment {
namespace {

using testing::FakeStore;

// Counts the store's commits, to see how records were grouped.
class CountingStore : public FakeStore {
 public:
  void append_outcomes(const std::vector<OutcomeRecord>& batch) override {
    commits.fetch_add(1);
    FakeStore::append_outcomes(batch);
  }
  std::atomic<int> commits{0};
};

OutcomeRecord record(int i) {
  PromptOutcome p;
  p.prompt_id = "p" + std::to_string(i);
  p.interaction_id = "c1";
  return p;
}

std::shared_ptr<spdlog::logger> quiet_log() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

TEST(OutcomeWriter, RecordsThatArriveTogetherAreCommittedTogetherAndOnlyTheFirstWakesTheWriter) {
  auto store = std::make_shared<CountingStore>();
  EngineMetrics metrics;
  // A window far longer than the test: only the flush ends it, so the grouping does not depend on timing.
  OutcomeWriter writer(store, 10000, metrics, quiet_log(), std::chrono::seconds(60));
  writer.start();
  ASSERT_TRUE(writer.flush(std::chrono::seconds(5)));  // nothing queued: returns at once
  // The first record wakes the writer if it sleeps; the others find it awake, filling its group.
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(writer.append(record(i)));
  ASSERT_TRUE(writer.flush(std::chrono::seconds(5)));
  EXPECT_EQ(store->commits.load(), 1);
  EXPECT_LE(writer.handoffs().wakes.load(), 1u);
  EXPECT_EQ(writer.handoffs().batches.load(), 1u);
  EXPECT_EQ(writer.handoffs().items.load(), 100u);
  EXPECT_EQ(metrics.outcome_written.load(), 100u);
  auto written = store->read_outcomes(0, 0);
  ASSERT_EQ(written.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(std::get<PromptOutcome>(written[i]).prompt_id, "p" + std::to_string(i));
  EXPECT_TRUE(writer.stop(std::chrono::seconds(5)));
}

TEST(OutcomeWriter, ABarrierDoesNotWaitForTheGroupWindow) {
  auto store = std::make_shared<CountingStore>();
  EngineMetrics metrics;
  OutcomeWriter writer(store, 10000, metrics, quiet_log(), std::chrono::seconds(60));
  writer.start();
  ASSERT_TRUE(writer.append(record(1)));
  std::promise<void> done;
  writer.barrier([&] { done.set_value(); });
  // Far less than the window: the barrier asked for the group now.
  ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_EQ(store->commits.load(), 1);
  EXPECT_TRUE(writer.stop(std::chrono::seconds(5)));
}

TEST(OutcomeWriter, AFullBatchIsCommittedWithoutWaitingForTheWindow) {
  auto store = std::make_shared<CountingStore>();
  EngineMetrics metrics;
  OutcomeWriter writer(store, 10000, metrics, quiet_log(), std::chrono::seconds(60));
  writer.start();
  for (std::size_t i = 0; i < OutcomeWriter::kBatchLimit; ++i) ASSERT_TRUE(writer.append(record(static_cast<int>(i))));
  for (int i = 0; i < 2000 && metrics.outcome_written.load() < OutcomeWriter::kBatchLimit; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(metrics.outcome_written.load(), OutcomeWriter::kBatchLimit);
  EXPECT_TRUE(writer.stop(std::chrono::seconds(5)));
}

}  // namespace
}  // namespace rightmoment
