#include "plugin/web/popup_hub.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

using namespace rightmoment;

namespace {

struct FakePage : WebSocketPeer {
  std::vector<nlohmann::json> got;
  bool closed = false;
  void send(std::string text) override { got.push_back(nlohmann::json::parse(text)); }
  void close() override { closed = true; }
};

std::string prompt(const std::string& id, const std::string& interaction, const std::string& agent, int priority = 50) {
  return nlohmann::json{{"prompt_id", id}, {"kind", "opportunity"}, {"rule_id", "r"}, {"interaction_id", interaction},
                        {"agent_id", agent}, {"priority", priority}, {"title", "t"}}
      .dump();
}

struct Hub {
  std::vector<std::string> feedback;
  std::optional<std::string> refuse;
  PopupHub hub;
  explicit Hub(PopupHubOptions o = {})
      : hub(o, [this](const std::string& json) -> std::optional<std::string> {
          if (refuse) return refuse;
          feedback.push_back(json);
          return std::nullopt;
        }) {}
};

}  // namespace

TEST(PopupHub, APageGetsASnapshotOfActiveCardsThenLiveOnes) {
  Hub h;
  h.hub.on_prompt(prompt("p1", "c1", "ruth"), "c1", "ruth");
  h.hub.on_prompt(prompt("p2", "c1", "omar"), "c1", "omar");
  h.hub.on_prompt(prompt("p3", "c1", ""), "c1", "");  // no agent: not shown
  auto page = std::make_shared<FakePage>();
  auto handlers = h.hub.attach("ruth", page);
  ASSERT_TRUE(handlers);
  ASSERT_EQ(page->got.size(), 1u);
  EXPECT_EQ(page->got[0]["type"], "snapshot");
  ASSERT_EQ(page->got[0]["cards"].size(), 1u);
  EXPECT_EQ(page->got[0]["cards"][0]["prompt"]["prompt_id"], "p1");
  h.hub.on_prompt(prompt("p4", "c1", "ruth"), "c1", "ruth");
  ASSERT_EQ(page->got.size(), 2u);
  EXPECT_EQ(page->got[1]["type"], "prompt");
  EXPECT_EQ(page->got[1]["prompt"]["prompt_id"], "p4");
  // A handover of a card the agent already has replaces it rather than doubling it.
  h.hub.on_prompt(prompt("p4", "c1", "ruth"), "c1", "ruth");
  EXPECT_EQ(h.hub.active_prompt_ids("ruth"), (std::vector<std::string>{"p1", "p4"}));
}

TEST(PopupHub, AnEndedInteractionClearsItsCardsEverywhere) {
  Hub h;
  h.hub.on_prompt(prompt("p1", "c1", "ruth"), "c1", "ruth");
  h.hub.on_prompt(prompt("p2", "c2", "ruth"), "c2", "ruth");
  auto page = std::make_shared<FakePage>();
  auto handlers = h.hub.attach("ruth", page);
  h.hub.on_interaction_ended("c1");
  EXPECT_EQ(page->got.back()["type"], "interaction.ended");
  EXPECT_EQ(page->got.back()["interaction_id"], "c1");
  EXPECT_EQ(h.hub.active_prompt_ids("ruth"), (std::vector<std::string>{"p2"}));
  h.hub.on_interaction_ended("c-unknown");  // nothing to clear, nothing sent
  EXPECT_EQ(page->got.back()["interaction_id"], "c1");
}

TEST(PopupHub, AnswersGoToThePluginWithTheLinksAgentAndUpdateEveryPage) {
  Hub h;
  h.hub.on_prompt(prompt("p1", "c1", "ruth"), "c1", "ruth");
  h.hub.on_prompt(prompt("p2", "c1", "ruth"), "c1", "ruth");
  auto a = std::make_shared<FakePage>(), b = std::make_shared<FakePage>();
  auto ha = h.hub.attach("ruth", a);
  auto hb = h.hub.attach("ruth", b);
  ha->on_message(R"({"type":"prompt.feedback","prompt_id":"p1","action":"accepted","agent_id":"forged"})");
  ASSERT_EQ(h.feedback.size(), 1u);
  auto fb = nlohmann::json::parse(h.feedback[0]);
  EXPECT_EQ(fb["agent_id"], "ruth");
  EXPECT_EQ(fb["action"], "accepted");
  EXPECT_FALSE(fb.contains("ts"));
  EXPECT_EQ(b->got.back()["type"], "card.updated");
  EXPECT_EQ(b->got.back()["prompt_id"], "p1");
  EXPECT_EQ(h.hub.active_prompt_ids("ruth"), (std::vector<std::string>{"p2"}));
  // Snoozed stays active, with a time to come back.
  hb->on_message(R"({"type":"prompt.feedback","prompt_id":"p2","action":"snoozed"})");
  EXPECT_TRUE(a->got.back().contains("snoozed_until_ms"));
  EXPECT_EQ(h.hub.active_prompt_ids("ruth"), (std::vector<std::string>{"p2"}));
  EXPECT_EQ(h.hub.stats().feedback_accepted, 2u);
}

TEST(PopupHub, BadOrForeignAnswersAreRefusedAndChangeNothing) {
  Hub h;
  h.hub.on_prompt(prompt("p1", "c1", "ruth"), "c1", "ruth");
  h.hub.on_prompt(prompt("p9", "c1", "omar"), "c1", "omar");
  auto page = std::make_shared<FakePage>();
  auto handlers = h.hub.attach("ruth", page);
  // A "type" that is not a string once threw out of the handler (fuzz_web: {"type":333333333074433}).
  for (const char* bad : {"not json", "[]", R"({"type":"other"})", R"({"type":333333333074433})", R"({"type":null})",
                          R"({"type":"prompt.feedback","prompt_id":"p1"})",
                          R"({"type":"prompt.feedback","prompt_id":"p1","action":"deleted"})",
                          R"({"type":"prompt.feedback","prompt_id":"p9","action":"dismissed"})"}) {
    handlers->on_message(bad);
    EXPECT_EQ(page->got.back()["type"], "error") << bad;
  }
  EXPECT_EQ(page->got.back()["code"], "unknown_prompt");
  EXPECT_TRUE(h.feedback.empty());
  EXPECT_EQ(h.hub.active_prompt_ids("omar"), (std::vector<std::string>{"p9"}));
  // The plugin refusing an answer keeps the card.
  h.refuse = "the plugin is stopping";
  handlers->on_message(R"({"type":"prompt.feedback","prompt_id":"p1","action":"accepted"})");
  EXPECT_EQ(page->got.back()["code"], "not_recorded");
  EXPECT_EQ(h.hub.active_prompt_ids("ruth"), (std::vector<std::string>{"p1"}));
  EXPECT_EQ(h.hub.stats().feedback_refused, 9u);
}

TEST(PopupHub, CardsAndPagesAreBounded) {
  PopupHubOptions o;
  o.max_cards_per_agent = 3;
  o.max_pages_per_agent = 2;
  Hub h(o);
  for (int i = 1; i <= 5; ++i) h.hub.on_prompt(prompt("p" + std::to_string(i), "c1", "ruth"), "c1", "ruth");
  EXPECT_EQ(h.hub.active_prompt_ids("ruth"), (std::vector<std::string>{"p3", "p4", "p5"}));
  EXPECT_EQ(h.hub.stats().cards_evicted, 2u);
  EXPECT_EQ(h.hub.stats().cards_active, 3);
  auto a = std::make_shared<FakePage>(), b = std::make_shared<FakePage>(), c = std::make_shared<FakePage>();
  auto ha = h.hub.attach("ruth", a);
  auto hb = h.hub.attach("ruth", b);
  EXPECT_FALSE(h.hub.attach("ruth", c));
  hb->on_closed();
  EXPECT_TRUE(h.hub.attach("ruth", c));
  EXPECT_EQ(h.hub.stats().pages_open, 2);
  EXPECT_EQ(h.hub.stats().pages_refused, 1u);
}

TEST(PopupHub, CardsInAllAndAgentsAreBoundedToo) {
  PopupHubOptions o;
  o.max_cards = 4;
  o.max_agents = 3;
  Hub h(o);
  for (const char* agent : {"a1", "a2", "a3", "a4"}) h.hub.on_prompt(prompt(std::string("p-") + agent, "c1", agent), "c1", agent);
  EXPECT_EQ(h.hub.stats().agents_with_cards, 3);  // a4 is one agent too many
  h.hub.on_prompt(prompt("p-a1-2", "c1", "a1"), "c1", "a1");
  h.hub.on_prompt(prompt("p-a1-3", "c1", "a1"), "c1", "a1");  // five cards in all: refused
  EXPECT_EQ(h.hub.stats().cards_active, 4);
  EXPECT_EQ(h.hub.stats().cards_refused, 2u);
  EXPECT_EQ(h.hub.active_prompt_ids("a1"), (std::vector<std::string>{"p-a1", "p-a1-2"}));
  h.hub.on_interaction_ended("c1");  // room again
  h.hub.on_prompt(prompt("p-a4", "c2", "a4"), "c2", "a4");
  EXPECT_EQ(h.hub.active_prompt_ids("a4"), (std::vector<std::string>{"p-a4"}));
}

// The engine's prompts come with their id typed (the JSON is not parsed on the delivery thread), and
// an interaction's end visits the agents that were given its cards: a card evicted meanwhile, or an
// agent that left, changes nothing, and a long run of interactions keeps the index bounded.
TEST(PopupHub, TypedPromptsAndTheEndOfAnInteractionReachExactlyTheAgentsItsCardsWentTo) {
  PopupHubOptions o;
  o.max_cards_per_agent = 2;
  Hub h(o);
  auto delivered = [](const std::string& id, const std::string& interaction, const std::string& agent) {
    DeliveredPrompt d;
    d.json = prompt(id, interaction, agent);
    d.interaction_id = interaction;
    d.agent_id = agent;
    d.summary.prompt_id = id;
    return d;
  };
  h.hub.on_prompt(delivered("p1", "c1", "ruth"));
  h.hub.on_prompt(delivered("p2", "c2", "omar"));
  h.hub.on_prompt(delivered("p3", "c1", "omar"));
  h.hub.on_prompt(delivered("p4", "c3", "omar"));  // evicts p2, omar's oldest
  auto page = std::make_shared<FakePage>();
  ASSERT_TRUE(h.hub.attach("omar", page));
  EXPECT_EQ(h.hub.active_prompt_ids("omar"), (std::vector<std::string>{"p3", "p4"}));
  h.hub.on_interaction_ended("c2");  // its only card was evicted: nothing to clear, no notice
  EXPECT_EQ(page->got.back()["type"], "snapshot");
  h.hub.on_interaction_ended("c1");
  EXPECT_TRUE(h.hub.active_prompt_ids("ruth").empty());
  EXPECT_EQ(h.hub.active_prompt_ids("omar"), (std::vector<std::string>{"p4"}));
  EXPECT_EQ(page->got.back()["type"], "interaction.ended");
  EXPECT_EQ(page->got.back()["interaction_id"], "c1");
  EXPECT_EQ(h.hub.stats().cards_active, 1);
  // Thousands of interactions whose ends never come (their cards evicted): the hub stays bounded.
  for (int i = 0; i < 5000; ++i) h.hub.on_prompt(delivered("q" + std::to_string(i), "d" + std::to_string(i), "omar"));
  EXPECT_EQ(h.hub.active_prompt_ids("omar").size(), 2u);
  h.hub.on_interaction_ended("d4999");
  EXPECT_EQ(h.hub.active_prompt_ids("omar"), (std::vector<std::string>{"q4998"}));
}
