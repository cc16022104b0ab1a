// The shared store (a real PostgreSQL server) goes down during calls and comes back: screen pops say
// "history unavailable" while it is down, every call goes on, and the plugin uses the store again
// as soon as it is back, without a restart.
#include <rightmoment/plugin.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/postgres_server.hpp"

namespace {

namespace sdk = rightmoment::sdk;

TEST(StoreOutage, PostgresStoppedMidCallAndRestartedIsUsedAgainWithoutARestart) {
  if (rightmoment::testing::PostgresServer::find_bin().empty()) GTEST_SKIP() << "PostgreSQL is not installed";
  rightmoment::testing::PostgresServer server;
  ASSERT_TRUE(server.ok());
  std::mutex m;
  std::vector<nlohmann::json> prompts;
  std::string cfg = R"({"history":{"store":")" + server.url() + R"(","lookup_budget_ms":3000},
      "rules":{"files":[")" RIGHTMOMENT_SOURCE_DIR R"(/config/rules/default.rules.jsonc"],
               "lexicons":")" RIGHTMOMENT_SOURCE_DIR R"(/config/lexicons"},
      "listeners":[]})";
  sdk::Library lib(RIGHTMOMENT_PLUGIN_PATH);
  sdk::Plugin plugin(lib, sdk::ConfigText{cfg}, {[&](std::string_view json) {
                                                    std::lock_guard lock(m);
                                                    prompts.push_back(nlohmann::json::parse(json));
                                                  },
                                                  nullptr});
  std::string dir = ::testing::TempDir() + "/outage_history.jsonl";
  {
    std::ofstream h(dir);
    h << R"({"record":"customer","customer_id":"cu-1","name":"Dana Reyes"})" << "\n"
      << R"({"record":"identity","customer_id":"cu-1","kind":"email","value":"dana@example.com"})" << "\n"
      << R"({"record":"customer","customer_id":"cu-2","name":"Marcus Lee"})" << "\n"
      << R"({"record":"identity","customer_id":"cu-2","kind":"email","value":"marcus@example.com"})" << "\n";
  }
  plugin.import_history(dir);
  plugin.start();
  auto pop_arrived = [&](const std::string& id) {
    std::lock_guard lock(m);
    for (const auto& p : prompts)
      if (p["interaction_id"] == id && p["kind"] == "screen_pop") return true;
    return false;
  };
  // A drain means "committed" too, which cannot happen while the store is down: wait for the pop.
  auto call = [&](const std::string& id, const std::string& email) {
    ASSERT_EQ(plugin.submit_event(R"({"event_id":"s","type":"interaction.started","interaction_id":")" + id +
                                  R"(","ts":"2026-11-22T10:00:00Z","channel":"chat","direction":"inbound","customer":{"email":")" + email + R"("}})"),
              RM_OK);
    ASSERT_EQ(plugin.submit_event(R"({"event_id":"j","type":"agent.joined","interaction_id":")" + id +
                                  R"(","ts":"2026-11-22T10:00:05Z","agent_id":"a-1"})"),
              RM_OK);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!pop_arrived(id) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  };
  auto pop_of = [&](const std::string& id) {
    std::lock_guard lock(m);
    for (const auto& p : prompts)
      if (p["interaction_id"] == id && p["kind"] == "screen_pop") return p["customer"];
    return nlohmann::json();
  };
  call("before", "dana@example.com");
  EXPECT_EQ(pop_of("before")["customer_id"], "cu-1");
  ASSERT_TRUE(server.stop());
  call("during", "marcus@example.com");  // not in the cache: a real lookup while the server is down
  EXPECT_EQ(pop_of("during")["customer_id"], nullptr);
  EXPECT_EQ(pop_of("during")["history_unavailable"], true);
  ASSERT_TRUE(server.start());
  call("after", "marcus@example.com");  // a failed lookup is not cached: this one reaches the store again
  auto after = pop_of("after");
  EXPECT_EQ(after["customer_id"], "cu-2") << after.dump();
  plugin.drain(30000);  // the store is back: the outcome record written during the outage is committed now
  auto status = nlohmann::json::parse(plugin.status_json());
  EXPECT_GE(status["metrics"]["lookup_failures"].get<int>(), 1);
  plugin.stop();
}

}  // namespace
