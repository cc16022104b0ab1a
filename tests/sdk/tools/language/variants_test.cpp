// Derived rows: the same source gives the same variant, the quote stays a substring, numbers are said
// as words, and a partial variant grows to its final.
#include <gtest/gtest.h>

#include "plugin/language/number_words.hpp"
#include "sdk/tools/language/variants.hpp"

namespace rightmoment::language_tools {
namespace {

TEST(Variants, NumbersAreSaidAsWords) {
  EXPECT_EQ(number_words("3"), "three");
  EXPECT_EQ(number_words("24"), "twenty four");
  EXPECT_EQ(number_words("3rd"), "third");
  EXPECT_EQ(number_words("22nd"), "twenty second");
  EXPECT_EQ(number_words("\xC2\xA3" "40"), "forty pounds");
  EXPECT_EQ(number_words("$3.50"), "three dollars fifty");
  EXPECT_EQ(number_words("10:30"), "ten thirty");
  EXPECT_EQ(number_words("40%"), "forty percent");
  EXPECT_EQ(number_words("1999"), "nineteen ninety nine");
  EXPECT_EQ(number_words("2.5"), "two point five");
  EXPECT_EQ(number_words("07700900123"), "zero seven seven zero zero nine zero zero one two three");
  EXPECT_EQ(number_words("hello"), "hello");
}

TEST(Variants, TheRecogniserStyleIsLowerCaseWithoutPunctuationAndKeepsTheQuote) {
  CorpusLine l{"frustration", "customer", "-", "effort",
               "Hi, it's Sam. I've rung you 3 times this week, and I'm fed up!", "I'm fed up", "f.tsv:9", {}};
  CorpusLine a = recogniser_style(l);
  EXPECT_EQ(a.text, recogniser_style(l).text) << "deterministic";
  EXPECT_EQ(a.text.find_first_of(".,'!?ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), std::string::npos) << a.text;
  EXPECT_NE(a.text.find("three"), std::string::npos) << a.text;
  EXPECT_NE(a.text.find(a.quote), std::string::npos);
  EXPECT_NE(a.quote.find("fed"), std::string::npos) << a.quote;
  EXPECT_EQ(a.source, l.source);
  EXPECT_EQ(a.intent, l.intent);
}

TEST(Variants, APartialTranscriptGrowsToItsFinal) {
  CorpusLine l{"churn_intent", "customer", "-", "direct", "i want to cancel my contract today please", "i want to cancel my contract", "c.tsv:4", {}};
  auto rows = partial_transcripts(l);
  ASSERT_GE(rows.size(), 3u);
  for (std::size_t i = 0; i + 1 < rows.size(); ++i) {
    EXPECT_EQ(rows[i].quote, "-");
    EXPECT_EQ(rows[i].source, "c.tsv:4~" + std::to_string(i + 1));
    EXPECT_EQ(l.text.rfind(rows[i].text, 0), 0u) << rows[i].text;
    EXPECT_LT(rows[i].text.size(), rows[i + 1].text.size());
  }
  EXPECT_EQ(rows.back().text, l.text);
  EXPECT_EQ(rows.back().source, l.source);
  EXPECT_EQ(rows.back().quote, l.quote);
}

TEST(Variants, ALongTurnHoldsItsSourceAmongPlainLinesOfTheSameSpeaker) {
  std::vector<CorpusLine> rows{{"none", "customer", "-", "neutral", "My postcode is the same.", "-", "n:1", {}},
                               {"none", "customer", "-", "neutral", "Could you read that back?", "-", "n:2", {}},
                               {"none", "agent", "-", "neutral", "Thanks for holding.", "-", "n:3", {}},
                               {"churn_intent", "customer", "-", "direct", "I'm leaving you.", "I'm leaving you", "c:1", {}}};
  auto turns = composed_long_turns(rows);
  ASSERT_EQ(turns.size(), 1u);
  EXPECT_EQ(turns[0].intent, "churn_intent");
  EXPECT_EQ(turns[0].category, "long_turn");
  EXPECT_NE(turns[0].text.find("I'm leaving you."), std::string::npos);
  EXPECT_EQ(turns[0].text.find("Thanks for holding"), std::string::npos);
  EXPECT_EQ(turns[0].source.rfind("c:1+", 0), 0u);
}

}  // namespace
}  // namespace rightmoment::language_tools
