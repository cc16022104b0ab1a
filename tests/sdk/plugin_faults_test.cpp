// Faults a host can cause, through the public SDK: start/stop many times (no stray thread, no leak
// under the sanitizers), a deliver_prompt callback that blocks (the event path goes on, prompts
// queue to their bound and the rest are dropped and counted), rule reloads while events flow.
#include <rightmoment/plugin.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

namespace {

namespace sdk = rightmoment::sdk;

std::string config(const std::string& name, const std::string& extra = "") {
  const char* tmp = std::getenv("RIGHTMOMENT_TEST_TMP");
  std::string dir = tmp ? tmp : "/tmp";
  // A fresh store each run: the outcome record of an earlier run would resume its calls (issue 15).
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((dir + "/" + name + ".db" + suffix).c_str());
  return R"({"history":{"store":"sqlite:)" + dir + "/" + name + R"(.db"},
             "rules":{"files":[")" RIGHTMOMENT_SOURCE_DIR R"(/config/rules/default.rules.jsonc"],
                      "lexicons":")" RIGHTMOMENT_SOURCE_DIR R"(/config/lexicons"},
             "listeners":[{"name":"generic","adapter":"generic","port":0,"auth":{"mode":"none"}}])" +
         extra + "}";
}

int thread_count() {
  int n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

std::string started(const std::string& iid, const std::string& agent = "a-1") {
  return R"({"event_id":"s","type":"interaction.started","interaction_id":")" + iid +
         R"(","ts":"2026-11-22T10:00:00Z","channel":"chat","direction":"inbound","agent_id":")" + agent + R"("})";
}
std::string said(const std::string& iid, int i) {
  return R"({"event_id":"u)" + std::to_string(i) + R"(","type":"utterance","interaction_id":")" + iid +
         R"(","ts":"2026-11-22T10:00:0)" + std::to_string(i % 10) + R"(Z","speaker":"customer","text":"This is the third time I have called."})";
}

TEST(PluginFaults, StartAndStopAThousandTimesLeavesNoThreadBehind) {
  sdk::Library lib(RIGHTMOMENT_PLUGIN_PATH);
  {
    // One warm-up cycle first: runtimes (a sanitizer's, the C library's) may start a thread of their
    // own the first time, and that thread is not ours.
    sdk::Plugin warm(lib, sdk::ConfigText{config("lifecycle")});
    warm.start();
    warm.stop(2000);
  }
  int before = thread_count();
  for (int i = 0; i < 1000; ++i) {
    sdk::Plugin plugin(lib, sdk::ConfigText{config("lifecycle")});
    plugin.start();
    if (i % 200 == 0) {
      ASSERT_EQ(plugin.submit_event(started("c-" + std::to_string(i))), RM_OK);
      plugin.drain(10000);
    }
    plugin.stop(2000);
  }
  EXPECT_EQ(thread_count(), before);
}

TEST(PluginFaults, ABlockingHostCallbackNeverStopsTheEventPath) {
  sdk::Library lib(RIGHTMOMENT_PLUGIN_PATH);
  std::atomic<bool> release{false};
  std::atomic<int> delivered{0};
  sdk::Plugin plugin(lib, sdk::ConfigText{config("blocking", R"(,"engine":{"delivery_queue_limit":16})")},
                     {[&](std::string_view) {
                        while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
                        ++delivered;
                      },
                      nullptr});
  plugin.start();
  // 100 calls each raise a screen pop and a frustration prompt: far more than the 16 that may wait.
  for (int i = 0; i < 100; ++i) {
    std::string iid = "c-" + std::to_string(i);
    ASSERT_EQ(plugin.submit_event(started(iid)), RM_OK);
    ASSERT_EQ(plugin.submit_event(said(iid, 1)), RM_OK);
  }
  // Every event is processed although the host has not returned from its first callback. The drops
  // are counted as the engine hands prompts over, which may come after the last event is taken (it
  // did under AddressSanitizer): wait for both.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  nlohmann::json metrics;
  while (std::chrono::steady_clock::now() < deadline) {
    metrics = nlohmann::json::parse(plugin.status_json())["metrics"];
    if (metrics["events_in"].get<int>() == 200 && metrics["prompts_dropped"].get<int>() > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(metrics["events_in"], 200);
  EXPECT_GT(metrics["prompts_dropped"].get<int>(), 0);  // the stated policy: the newest are dropped, counted
  release = true;
  plugin.drain(20000);
  // Read again: the last event's prompts may still have been on their way when events_in reached 200.
  metrics = nlohmann::json::parse(plugin.status_json())["metrics"];
  EXPECT_EQ(delivered.load() + metrics["prompts_dropped"].get<int>(), 200);
  plugin.stop();
}

TEST(PluginFaults, RulesReloadWhileEventsFlowWithoutDroppingCalls) {
  sdk::Library lib(RIGHTMOMENT_PLUGIN_PATH);
  std::atomic<int> prompts{0};
  sdk::Plugin plugin(lib, sdk::ConfigText{config("reload")}, {[&](std::string_view) { ++prompts; }, nullptr});
  plugin.start();
  std::atomic<bool> done{false};
  std::thread reloader([&] {
    while (!done) {
      plugin.reload_rules();
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  for (int i = 0; i < 300; ++i) {
    std::string iid = "r-" + std::to_string(i);
    while (plugin.submit_event(started(iid)) == RM_ERR_BUSY) std::this_thread::yield();
    while (plugin.submit_event(said(iid, 1)) == RM_ERR_BUSY) std::this_thread::yield();
  }
  plugin.drain(30000);
  done = true;
  reloader.join();
  EXPECT_EQ(prompts.load(), 600);  // a screen pop and a frustration prompt for every call
  plugin.stop();
}

}  // namespace
