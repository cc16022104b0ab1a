#include "plugin/engine/prompt_delivery.hpp"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <string>
#include <vector>

namespace rightmoment {
namespace {

DeliveredPrompt prompt(const std::string& id) {
  DeliveredPrompt p;
  p.json = id;
  p.interaction_id = "c1";
  p.event_arrived = std::chrono::steady_clock::now();
  return p;
}

TEST(PromptDelivery, WhatIsQueuedBeforeTheThreadLooksIsDeliveredInOrderInOnePass) {
  EngineMetrics metrics;
  PromptDelivery delivery(1000, metrics);
  std::vector<std::string> seen;
  delivery.add_listener([&](const DeliveredPrompt& p) { seen.push_back(p.json); });
  std::vector<std::string> sent;
  for (int i = 0; i < 100; ++i) {
    sent.push_back("p" + std::to_string(i));
    ASSERT_TRUE(delivery.deliver(prompt(sent.back())));
  }
  std::promise<void> done;
  delivery.barrier([&] { done.set_value(); });
  delivery.start();
  ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(seen, sent);
  // 100 prompts and a barrier: one batch, and no wake-up (the thread found them when it first looked).
  EXPECT_EQ(delivery.handoffs().batches.load(), 1u);
  EXPECT_EQ(delivery.handoffs().items.load(), 101u);
  EXPECT_EQ(delivery.handoffs().wakes.load(), 0u);
  EXPECT_EQ(metrics.prompts_delivered.load(), 100u);
  delivery.stop();
}

TEST(PromptDelivery, ALiveUpdateWakesNobodyAndStillArrivesInOrderWithThePrompts) {
  EngineMetrics metrics;
  PromptDelivery delivery(1000, metrics);
  std::mutex mutex;
  std::vector<std::string> seen;
  std::promise<void> live_seen;
  delivery.add_listener([&](const DeliveredPrompt& p) {
    std::lock_guard lock(mutex);
    seen.push_back("prompt " + p.json);
  });
  delivery.add_live_listener([&](const LiveUpdate& u) {
    std::lock_guard lock(mutex);
    seen.push_back("live " + u.interaction_id);
    if (u.interaction_id == "alone") live_seen.set_value();
  });
  delivery.start();
  std::uint64_t wakes = delivery.handoffs().wakes.load();
  LiveUpdate u;
  u.interaction_id = "alone";
  delivery.live_update(u);
  EXPECT_EQ(delivery.handoffs().wakes.load(), wakes);  // nobody was woken for it
  // With nothing behind it, it still goes out: the delivery thread looks at least every 100 ms.
  ASSERT_EQ(live_seen.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  // Behind it, a prompt: the prompt's wake-up takes the update first.
  u.interaction_id = "c1";
  delivery.live_update(u);
  ASSERT_TRUE(delivery.deliver(prompt("p1")));
  std::promise<void> done;
  delivery.barrier([&] { done.set_value(); });
  ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen, (std::vector<std::string>{"live alone", "live c1", "prompt p1"}));
  delivery.stop();
}

TEST(PromptDelivery, LiveUpdatesNeverTakeTheRoomOfPrompts) {
  // A flood of updates queued faster than they are handed over (here: before the thread starts) fills
  // half the queue at most; the prompts behind them still fit, and nothing of theirs is dropped.
  EngineMetrics metrics;
  PromptDelivery delivery(16, metrics);
  std::vector<std::string> prompts;
  std::size_t updates = 0;
  delivery.add_listener([&](const DeliveredPrompt& p) { prompts.push_back(p.json); });
  delivery.add_live_listener([&](const LiveUpdate&) { ++updates; });
  LiveUpdate u;
  u.interaction_id = "c1";
  for (int i = 0; i < 100; ++i) delivery.live_update(u);
  std::vector<std::string> sent;
  for (int i = 0; i < 8; ++i) {
    sent.push_back("p" + std::to_string(i));
    EXPECT_TRUE(delivery.deliver(prompt(sent.back())));
  }
  EXPECT_EQ(metrics.prompts_dropped.load(), 0u);
  std::promise<void> done;
  delivery.barrier([&] { done.set_value(); });
  delivery.start();
  ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(prompts, sent);
  EXPECT_EQ(updates, 8u);
  delivery.stop();
}

TEST(PromptDelivery, ACallbackCanQueueMoreWhileItsBatchIsBeingDeliveredNoLockIsHeld) {
  EngineMetrics metrics;
  PromptDelivery delivery(1000, metrics);
  std::vector<std::string> seen;
  std::promise<void> done;
  delivery.add_listener([&](const DeliveredPrompt& p) {
    seen.push_back(p.json);
    // The host calling back into the plugin from its callback: this would deadlock if the queue's
    // lock were held across the callback.
    if (p.json == "first") {
      EXPECT_TRUE(delivery.deliver(prompt("from the callback")));
      delivery.barrier([&] { done.set_value(); });
    }
  });
  ASSERT_TRUE(delivery.deliver(prompt("first")));
  ASSERT_TRUE(delivery.deliver(prompt("second")));
  delivery.start();
  ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(seen, (std::vector<std::string>{"first", "second", "from the callback"}));
  delivery.stop();
}

TEST(PromptDelivery, TheQueueLimitStillDropsTheNewest) {
  EngineMetrics metrics;
  PromptDelivery delivery(3, metrics);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(delivery.deliver(prompt("p" + std::to_string(i))));
  EXPECT_FALSE(delivery.deliver(prompt("one too many")));
  EXPECT_EQ(metrics.prompts_dropped.load(), 1u);
  EXPECT_EQ(metrics.delivery_depth.load(), 3);
  delivery.stop();
}

TEST(PromptDelivery, PromptsTakenIntoABatchCountAgainstTheLimitUntilDelivered) {
  EngineMetrics metrics;
  PromptDelivery delivery(4, metrics);
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  bool first = true;
  delivery.add_listener([&](const DeliveredPrompt&) {
    if (first) {
      first = false;
      entered.set_value();
      released.wait();  // a host that does not return
    }
  });
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(delivery.deliver(prompt("p" + std::to_string(i))));
  delivery.start();
  entered.get_future().wait();  // all three are in the thread's hand, the first at the host
  EXPECT_TRUE(delivery.deliver(prompt("p3")));  // 3 in hand + 1 queued: the limit of 4
  EXPECT_FALSE(delivery.deliver(prompt("p4")));
  EXPECT_EQ(metrics.prompts_dropped.load(), 1u);
  release.set_value();
  delivery.stop();
  EXPECT_EQ(metrics.prompts_delivered.load(), 4u);
}

}  // namespace
}  // namespace rightmoment
