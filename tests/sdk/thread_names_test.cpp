// Every thread the plugin starts is named "rm-...", so that top -H, perf and gdb say whose it is:
// the threads a started plugin adds to this process, read from /proc, with every part running (event
// listener, pop-up and admin servers, store workers, the host log forwarder, and on PostgreSQL the
// prompt bus).
#include <rightmoment/plugin.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "tests/support/postgres_server.hpp"

namespace {

namespace sdk = rightmoment::sdk;

// tid -> name of every thread of this process.
std::map<std::string, std::string> threads_now() {
  std::map<std::string, std::string> out;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    out[task.path().filename().string()] = name;
  }
  return out;
}

std::string config(const std::string& store) {
  return R"({"log":{"stderr":false},"history":{"store":")" + store + R"("},
    "rules":{"files":[")" RIGHTMOMENT_SOURCE_DIR R"(/config/rules/default.rules.jsonc"],"lexicons":")" RIGHTMOMENT_SOURCE_DIR R"(/config/lexicons"},
    "listeners":[{"name":"generic","adapter":"generic","port":0,"auth":{"mode":"none"}}],
    "popup":{"port":0,"link_secret":"0123456789abcdef-test"},
    "admin":{"port":0}})";
}

void expect_every_new_thread_named(const std::string& store) {
  auto before = threads_now();
  sdk::Library lib(RIGHTMOMENT_PLUGIN_PATH);
  {
    sdk::Plugin plugin(lib, sdk::ConfigText{config(store)},
                       sdk::Callbacks{[](std::string_view) {}, [](rm_log_level, std::string_view) {}});
    plugin.start();
    std::set<std::string> names;
    for (const auto& [tid, name] : threads_now()) {
      if (before.count(tid)) continue;
      names.insert(name);
      EXPECT_EQ(name.rfind("rm-", 0), 0u) << "thread " << tid << " is named '" << name << "'";
    }
    for (const char* expected : {"rm-engine", "rm-delivery", "rm-outcomes", "rm-lookup-0", "rm-net", "rm-web-pop-up",
                                 "rm-web-admin", "rm-hostlog"})
      EXPECT_TRUE(names.count(expected)) << expected << " is not among the plugin's threads";
    if (store.rfind("postgresql:", 0) == 0) {
      for (const char* expected : {"rm-bus-publish", "rm-bus-listen"}) EXPECT_TRUE(names.count(expected)) << expected;
    }
    plugin.stop();
  }
}

TEST(ThreadNames, EveryThreadThePluginStartsIsNamedOnSqlite) {
  const char* tmp = std::getenv("RIGHTMOMENT_TEST_TMP");
  std::string db = std::string(tmp ? tmp : "/tmp") + "/thread_names.db";
  std::filesystem::remove(db);
  expect_every_new_thread_named("sqlite:" + db);
}

TEST(ThreadNames, EveryThreadThePluginStartsIsNamedOnPostgresql) {
  if (rightmoment::testing::PostgresServer::find_bin().empty()) GTEST_SKIP() << "PostgreSQL is not installed";
  rightmoment::testing::PostgresServer server;
  expect_every_new_thread_named(server.url());
}

}  // namespace
