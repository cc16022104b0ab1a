#include "plugin/runtime/log_fields.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <spdlog/details/log_msg.h>

using namespace rightmoment;

TEST(LogFields, LeadingFieldsBecomeKeysOfTheJsonLine) {
  auto j = nlohmann::json::parse(json_log_line("warning", "rm#1", "[interaction_id=c-1 adapter=generic] refused: \"x\""));
  EXPECT_EQ(j["interaction_id"], "c-1");
  EXPECT_EQ(j["adapter"], "generic");
  EXPECT_EQ(j["msg"], "refused: \"x\"");
  EXPECT_EQ(j["level"], "warning");
}

TEST(LogFields, AMessageWithoutFieldsIsLeftAlone) {
  EXPECT_EQ(split_log_fields("[not fields] text").text, "[not fields] text");
  EXPECT_EQ(split_log_fields("plain").text, "plain");
  EXPECT_EQ(split_log_fields("[a=1").text, "[a=1");
  EXPECT_TRUE(split_log_fields("[=1] x").fields.empty());
  // A field cannot overwrite the line's own keys.
  auto j = nlohmann::json::parse(json_log_line("info", "rm", "[msg=forged level=x] real"));
  EXPECT_EQ(j["msg"], "real");
  EXPECT_EQ(j["level"], "info");
}

TEST(LogFields, TheFormatterWritesOneValidJsonObjectALine) {
  JsonLogFormatter f;
  spdlog::details::log_msg msg("rm#1", spdlog::level::info, "[interaction_id=c-2] ended \n with a newline");
  spdlog::memory_buf_t out;
  f.format(msg, out);
  std::string line(out.data(), out.size());
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["interaction_id"], "c-2");
  EXPECT_EQ(j["ts"].get<std::string>().back(), 'Z');
  EXPECT_EQ(line.rfind("{\"ts\":", 0), 0u);
}
