#include "plugin/core/jsonc_document.hpp"

#include <gtest/gtest.h>

namespace rightmoment {
namespace {

TEST(JsoncDocument, KnowsTheLineOfEveryKeyAndElement) {
  Diagnostics diags;
  auto doc = JsoncDocument::parse(R"({
  // a comment
  "listeners": [
    {
      "port": 0,
      "path": "/events"   /* trailing */
    },
    { "port": 8080 }
  ],
  "store": "sqlite:///tmp/x.db"
})",
                                  "cfg.jsonc", diags);
  ASSERT_TRUE(doc) << join_diagnostics(diags);
  EXPECT_EQ(doc->line_of("/listeners"), 3);
  EXPECT_EQ(doc->line_of("/listeners/0"), 4);
  EXPECT_EQ(doc->line_of("/listeners/0/port"), 5);
  EXPECT_EQ(doc->line_of("/listeners/0/path"), 6);
  EXPECT_EQ(doc->line_of("/listeners/1/port"), 8);
  EXPECT_EQ(doc->line_of("/store"), 10);
  EXPECT_EQ(doc->line_of("/listeners/1/nothing"), 8);  // nearest enclosing value
  EXPECT_EQ(doc->error("/store", "bad").to_string(), "cfg.jsonc:10: /store: bad");
}

// Regression: found by the configuration fuzzer; nlohmann throws out_of_range, not parse_error.
TEST(JsoncDocument, ANumberTooLargeForAnyTypeIsADiagnosticNotACrash) {
  Diagnostics diags;
  EXPECT_FALSE(JsoncDocument::parse("4e1111111111111111111111111111111111111111111111", "x.jsonc", diags));
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].message.find("not valid JSON"), std::string::npos);
  diags.clear();
  EXPECT_FALSE(JsoncDocument::parse("{\"a\": 1e999999}", "x.jsonc", diags));
}

TEST(JsoncDocument, SyntaxErrorsNameTheLine) {
  Diagnostics diags;
  auto doc = JsoncDocument::parse("{\n  \"a\": 1,\n  \"b\": ,\n}", "x.jsonc", diags);
  EXPECT_FALSE(doc);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].line, 3);
  EXPECT_EQ(diags[0].file, "x.jsonc");
}

}  // namespace
}  // namespace rightmoment
