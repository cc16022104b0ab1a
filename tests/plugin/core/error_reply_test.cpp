// The one generic error reply: its fields, and bytes it quotes that are not UTF-8 replaced, not thrown on.
#include "plugin/core/error_reply.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace rightmoment {
namespace {

TEST(ErrorReply, ARefusedEventNamesItsIdOrNull) {
  auto known = nlohmann::json::parse(error_reply(EventRejection{"missing_field", "ts is missing", "e-1"}));
  EXPECT_EQ(known, (nlohmann::json{{"type", "error"}, {"code", "missing_field"}, {"message", "ts is missing"}, {"event_id", "e-1"}}));
  auto unknown = nlohmann::json::parse(error_reply(EventRejection{"invalid_json", "not JSON", std::nullopt}));
  ASSERT_TRUE(unknown.contains("event_id"));
  EXPECT_TRUE(unknown["event_id"].is_null());
}

TEST(ErrorReply, APopupAnswerNamesItsPromptWhenThereIsOne) {
  auto with = nlohmann::json::parse(error_reply("unknown_prompt", "no such card", "p-1"));
  EXPECT_EQ(with, (nlohmann::json{{"type", "error"}, {"code", "unknown_prompt"}, {"message", "no such card"}, {"prompt_id", "p-1"}}));
  auto without = nlohmann::json::parse(error_reply("too_many_pages", "too many pages"));
  EXPECT_FALSE(without.contains("prompt_id"));
  EXPECT_FALSE(without.contains("event_id"));
}

TEST(ErrorReply, BytesThatAreNotUtf8AreReplacedNotThrownOn) {
  std::string reply;
  ASSERT_NO_THROW(reply = error_reply(EventRejection{"invalid_value", "bad \xff\xfe value", "id-\xc3"}));
  auto j = nlohmann::json::parse(reply);
  EXPECT_EQ(j["code"], "invalid_value");
}

}  // namespace
}  // namespace rightmoment
