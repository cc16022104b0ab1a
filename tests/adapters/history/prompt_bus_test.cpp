// The cross-host prompt bus on a real PostgreSQL server: two buses stand for two hosts.
#include "adapters/history/open_prompt_bus.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <initializer_list>
#include <mutex>
#include <thread>

#include <spdlog/sinks/null_sink.h>

#include "tests/support/postgres_server.hpp"

namespace rightmoment {
namespace {

using namespace std::chrono_literals;

// What one host heard, with a bounded wait for it.
struct Heard {
  std::mutex m;
  std::condition_variable cv;
  std::vector<BusCard> prompts;
  std::vector<std::string> ended, answers, contacts, live, updates;
  std::vector<std::string> pages;  // agents with a page open on this host

  BusHandlers handlers() {
    BusHandlers h;
    h.on_prompt = [this](const BusCard& c) { add([&] { prompts.push_back(c); }); };
    h.on_ended = [this](const std::string& id) { add([&] { ended.push_back(id); }); };
    h.on_answer = [this](const std::string& f) { add([&] { answers.push_back(f); }); };
    h.on_contact = [this](const std::string& c) { add([&] { contacts.push_back(c); }); };
    h.on_live = [this](const std::string& s) { add([&] { live.push_back(s); }); };
    h.on_card_updated = [this](const std::string& a, const std::string& p, const std::string& x, std::int64_t) {
      add([&] { updates.push_back(a + "/" + p + "/" + x); });
    };
    h.agents_with_pages = [this] {
      std::lock_guard lock(m);
      return pages;
    };
    return h;
  }
  template <typename F>
  void add(F f) {
    {
      std::lock_guard lock(m);
      f();
    }
    cv.notify_all();
  }
  template <typename P>
  bool wait(P done, std::chrono::milliseconds limit = 10s) {
    std::unique_lock lock(m);
    return cv.wait_for(lock, limit, done);
  }
};

// Waits until every bus listens: what is published before a host's LISTEN reaches it only where a
// catch-up covers it (an agent with a page there), so a test that needs the message must wait.
bool all_listening(std::initializer_list<PromptBus*> buses) {
  auto listening = [&] { return std::all_of(buses.begin(), buses.end(), [](PromptBus* b) { return b->stats().connected; }); };
  for (int i = 0; i < 1000 && !listening(); ++i) std::this_thread::sleep_for(10ms);
  return listening();
}

std::shared_ptr<spdlog::logger> quiet() {
  return std::make_shared<spdlog::logger>("bus", std::make_shared<spdlog::sinks::null_sink_mt>());
}

TEST(PromptBus, SqliteHasNoBus) { EXPECT_EQ(open_prompt_bus("sqlite:/tmp/x.db", "h", quiet()), nullptr); }

TEST(PromptBus, PromptsAnswersEndsAndCatchUpTravelBetweenHosts) {
  if (testing::PostgresServer::find_bin().empty()) GTEST_SKIP() << "PostgreSQL is not installed";
  testing::PostgresServer server;
  ASSERT_TRUE(server.ok());
  auto a = open_prompt_bus(server.url(), "host-a", quiet());
  auto b = open_prompt_bus(server.url(), "host-a", quiet());  // the same instance name: ids still differ
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->host_id(), b->host_id());
  Heard ha, hb;
  hb.pages = {"agent-ruth"};
  a->start(ha.handlers());
  b->start(hb.handlers());
  ASSERT_TRUE(all_listening({a.get(), b.get()}));

  // A prompt raised on a reaches b, with a as its owner; a does not hear its own.
  std::string big(9000, 'x');  // past NOTIFY's 8000 bytes: read from the table instead
  ASSERT_TRUE(a->publish_prompt(BusCard{"pr-1", "call-1", "agent-ruth", a->host_id(), R"({"prompt_id":"pr-1"})", 0}));
  std::string large = R"({"prompt_id":"pr-2","pad":")" + big + "\"}";
  ASSERT_TRUE(a->publish_prompt(BusCard{"pr-2", "call-1", "agent-ruth", a->host_id(), large, 0}));
  ASSERT_TRUE(hb.wait([&] { return hb.prompts.size() >= 2; }));
  EXPECT_EQ(hb.prompts[0].owner, a->host_id());
  EXPECT_EQ(hb.prompts[0].json, R"({"prompt_id":"pr-1"})");
  EXPECT_EQ(hb.prompts[1].json, large);

  // An answer on b's page goes to a only; the card's update reaches a's pages.
  ASSERT_TRUE(b->send_answer(a->host_id(), R"({"type":"prompt.feedback","prompt_id":"pr-1","action":"accepted"})"));
  ASSERT_TRUE(b->publish_card_updated("agent-ruth", "pr-1", "accepted", 0));
  ASSERT_TRUE(ha.wait([&] { return ha.answers.size() == 1 && ha.updates.size() == 1; }));
  EXPECT_EQ(ha.updates[0], "agent-ruth/pr-1/accepted");

  // A page that connects to a third host catches up on the card still active (pr-2).
  auto c = open_prompt_bus(server.url(), "host-c", quiet());
  Heard hc;
  c->start(hc.handlers());
  ASSERT_TRUE(c->catch_up("agent-ruth"));
  ASSERT_TRUE(hc.wait([&] { return hc.prompts.size() == 1; }));
  EXPECT_EQ(hc.prompts[0].prompt_id, "pr-2");

  // The end clears it everywhere, and from the table.
  ASSERT_TRUE(a->publish_ended("call-1"));
  ASSERT_TRUE(hb.wait([&] { return hb.ended.size() == 1; }));
  hc.prompts.clear();
  c->catch_up("agent-ruth");
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(hc.prompts.empty());

  // The supervisor view's summaries, replaced and removed.
  ASSERT_TRUE(a->publish_live("call-2", R"({"interaction_id":"call-2","queue":"billing"})", false));
  ASSERT_TRUE(hb.wait([&] { return !hb.live.empty(); }));
  EXPECT_EQ(hb.live.back(), R"({"interaction_id":"call-2","queue":"billing"})");
  c->stop();
  a->stop();
  b->stop();
}

TEST(PromptBus, AListenerWhoseServerRestartedReconnectsAndCatchesUp) {
  if (testing::PostgresServer::find_bin().empty()) GTEST_SKIP() << "PostgreSQL is not installed";
  testing::PostgresServer server;
  ASSERT_TRUE(server.ok());
  auto a = open_prompt_bus(server.url(), "host-a", quiet());
  auto b = open_prompt_bus(server.url(), "host-b", quiet());
  Heard ha, hb;
  hb.pages = {"agent-omar"};
  a->start(ha.handlers());
  b->start(hb.handlers());
  for (int i = 0; i < 200 && !b->stats().connected; ++i) std::this_thread::sleep_for(50ms);  // listening before the cut
  ASSERT_TRUE(b->stats().connected);
  ASSERT_TRUE(server.stop());
  ASSERT_TRUE(server.start());
  // Published once a's publisher has its connection back (it retries with backoff).
  bool sent = false;
  for (int i = 0; i < 100 && !sent; ++i) {
    a->publish_prompt(BusCard{"pr-9", "call-9", "agent-omar", a->host_id(), R"({"prompt_id":"pr-9"})", 0});
    sent = hb.wait([&] { return !hb.prompts.empty(); }, 200ms);
  }
  EXPECT_TRUE(sent);
  EXPECT_GE(b->stats().reconnects, 1u) << b->stats().received << " connected " << b->stats().connected;
  a->stop();
  b->stop();
}

TEST(PromptBus, AHostThatStopsBeatingHasItsCallsEndedForEveryone) {
  if (testing::PostgresServer::find_bin().empty()) GTEST_SKIP() << "PostgreSQL is not installed";
  testing::PostgresServer server;
  ASSERT_TRUE(server.ok());
  auto dead = open_prompt_bus(server.url(), "host-dead", quiet());
  auto b = open_prompt_bus(server.url(), "host-b", quiet());
  Heard hd, hb;
  dead->start(hd.handlers());
  b->start(hb.handlers());
  // b must be listening before dead speaks: a prompt for an agent with no page on b is not caught up.
  ASSERT_TRUE(all_listening({dead.get(), b.get()}));
  dead->publish_live("call-d", R"({"interaction_id":"call-d"})", false);
  dead->publish_prompt(BusCard{"pr-d", "call-d", "agent-x", dead->host_id(), R"({"prompt_id":"pr-d"})", 0});
  ASSERT_TRUE(hb.wait([&] { return !hb.live.empty() && !hb.prompts.empty(); }));
  dead->stop();  // as if killed: no end is published for call-d
  // 15 s without a heartbeat, then b's next sweep (every 2 s) ends call-d for everyone.
  EXPECT_TRUE(hb.wait([&] { return std::count(hb.ended.begin(), hb.ended.end(), "call-d") >= 1; }, 25s));
  b->stop();
}

}  // namespace
}  // namespace rightmoment
