// Ended calls become contacts in the shared history: a customer's third call in a week, on another
// host sharing the store, gets repeat-contact; a call replayed into the store writes no second
// contact; a guardrail never reaches the summary. Two plugin instances stand for two hosts, on a real
// SQLite file and, when PostgreSQL is installed, on a real server.
#include <rightmoment/plugin.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <mutex>

#include <nlohmann/json.hpp>

#include "adapters/history/open_history_store.hpp"
#include "plugin/history/history_store.hpp"
#include "tests/support/postgres_server.hpp"

namespace {

namespace sdk = rightmoment::sdk;
using Json = nlohmann::json;

class Host {
 public:
  Host(sdk::Library& lib, const std::string& store) {
    std::string cfg = R"({"instance_name":"h","history":{"store":")" + store + R"(","lookup_budget_ms":3000},
        "rules":{"files":[")" RIGHTMOMENT_SOURCE_DIR R"(/config/rules/default.rules.jsonc"],
                 "lexicons":")" RIGHTMOMENT_SOURCE_DIR R"(/config/lexicons"},
        "listeners":[]})";
    plugin_ = std::make_unique<sdk::Plugin>(lib, sdk::ConfigText{cfg}, sdk::Callbacks{[this](std::string_view json) {
                                                                       std::lock_guard lock(m_);
                                                                       prompts_.push_back(Json::parse(json));
                                                                     },
                                                                     nullptr});
  }
  sdk::Plugin& plugin() { return *plugin_; }
  // One call: started, agent joined, the given utterances, ended; drained (so committed) at the end.
  void call(const std::string& id, const std::string& day, const std::vector<std::pair<std::string, std::string>>& lines) {
    auto send = [&](const std::string& json) { ASSERT_EQ(plugin_->submit_event(json), RM_OK) << json; };
    std::string ts = "2026-11-" + day + "T10:00:";
    send(R"({"event_id":"s","type":"interaction.started","interaction_id":")" + id + R"(","ts":")" + ts +
         R"(00Z","channel":"voice","direction":"inbound","customer":{"email":"dana@example.com"}})");
    send(R"({"event_id":"j","type":"agent.joined","interaction_id":")" + id + R"(","ts":")" + ts + R"(05Z","agent_id":"a-1"})");
    int n = 10;
    for (const auto& [speaker, text] : lines) {
      std::string k = std::to_string(n++);
      send(R"({"event_id":"u)" + k + R"(","type":"utterance","interaction_id":")" + id + R"(","ts":")" + ts + k +
           R"(Z","speaker":")" + speaker + R"(","text":")" + text + R"(","final":true})");
    }
    send(R"({"event_id":"e","type":"interaction.ended","interaction_id":")" + id + R"(","ts":")" + ts +
         R"(50Z","reason":"customer_hangup"})");
    plugin_->drain(30000);
  }
  std::vector<std::string> rules_of(const std::string& id) {
    std::lock_guard lock(m_);
    std::vector<std::string> out;
    for (const auto& p : prompts_)
      if (p["interaction_id"] == id) out.push_back(p["rule_id"]);
    return out;
  }

 private:
  std::mutex m_;
  std::vector<Json> prompts_;
  std::unique_ptr<sdk::Plugin> plugin_;
};

void two_hosts_share_contacts(const std::string& store_url) {
  std::string history = ::testing::TempDir() + "/contacts_history.jsonl";
  {
    std::ofstream h(history);
    h << R"({"record":"customer","customer_id":"cu-1","name":"Dana Reyes"})" << "\n"
      << R"({"record":"identity","customer_id":"cu-1","kind":"email","value":"dana@example.com"})" << "\n";
  }
  sdk::Library lib(RIGHTMOMENT_PLUGIN_PATH);
  Host a(lib, store_url), b(lib, store_url);
  a.plugin().import_history(history);
  a.plugin().start();
  b.plugin().start();
  // Monday on host a, with a guardrail the summary must not carry; Tuesday on host b.
  a.call("call-1", "16", {{"customer", "I want to cancel my account, this is the third time I call"},
                          {"agent", "we will take legal action if you post that review"}});
  b.call("call-2", "17", {{"customer", "hello again"}});
  auto first_call = a.rules_of("call-1");
  EXPECT_EQ(std::count(first_call.begin(), first_call.end(), "repeat-contact"), 0);
  // Wednesday on host b: two earlier contacts this week, neither resolved, one of them from host a.
  b.call("call-3", "18", {});
  auto third = b.rules_of("call-3");
  EXPECT_NE(std::find(third.begin(), third.end(), "repeat-contact"), third.end()) << Json(third).dump();

  auto store = rightmoment::open_history_store(store_url);
  auto h = store->load_customer("cu-1", {});
  ASSERT_TRUE(h);
  ASSERT_EQ(h->contacts.size(), 3u);
  const auto& first = h->contacts.back();  // newest first
  EXPECT_EQ(first.contact_id, "call-1");
  EXPECT_EQ(first.channel, "voice");
  EXPECT_FALSE(first.resolved);
  EXPECT_EQ(first.started_at, *rightmoment::parse_rfc3339("2026-11-16T10:00:00Z"));
  ASSERT_TRUE(first.reason && first.summary);
  EXPECT_NE(first.reason->find("churn intent"), std::string::npos) << *first.reason;
  EXPECT_EQ(first.summary->find("guardrail"), std::string::npos) << *first.summary;
  EXPECT_NE(first.summary->find("churn-intent"), std::string::npos) << *first.summary;
  EXPECT_EQ(h->contacts[1].reason, "customer hangup");  // nothing heard: the platform's reason
  a.plugin().stop();
  b.plugin().stop();

  // The same call again (a platform resending it after a restart): the same contact, not a fourth.
  Host c(lib, store_url);
  c.plugin().start();
  c.call("call-1", "16", {{"customer", "I want to cancel my account, this is the third time I call"}});
  c.plugin().stop();
  EXPECT_EQ(store->load_customer("cu-1", {})->contacts.size(), 3u);
  // A recorded call that comes again stays ended (restart continuity: its events are late), so it
  // raises nothing and writes no contact of itself.
  Host d(lib, store_url);
  d.plugin().start();
  d.call("call-3", "18", {});
  EXPECT_TRUE(d.rules_of("call-3").empty()) << Json(d.rules_of("call-3")).dump();
  d.plugin().stop();
  EXPECT_EQ(store->load_customer("cu-1", {})->contacts.size(), 3u);
}

TEST(CallContacts, EndedCallsAreContactsForTheNextCallOnAnyHostOfOneSqliteFile) {
  std::string db = ::testing::TempDir() + "/contacts_" + std::to_string(::getpid()) + ".db";
  auto remove_db = [&db] {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db + suffix).c_str());
  };
  remove_db();
  two_hosts_share_contacts("sqlite:" + db);
  remove_db();  // a run leaves nothing in the shared temporary folder
}

TEST(CallContacts, EndedCallsAreContactsForTheNextCallOnAnyHostOfOnePostgresServer) {
  if (rightmoment::testing::PostgresServer::find_bin().empty()) GTEST_SKIP() << "PostgreSQL is not installed";
  rightmoment::testing::PostgresServer server;
  ASSERT_TRUE(server.ok());
  two_hosts_share_contacts(server.url());
}

}  // namespace
