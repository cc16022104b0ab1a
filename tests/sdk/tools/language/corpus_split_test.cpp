// The split is fixed: these keys and buckets were written down before any model was trained. If this
// test fails, the split moved, and lines the model was tuned on may now sit in the test split.
#include <gtest/gtest.h>

#include "sdk/tools/language/corpus_split.hpp"

namespace rightmoment::language_tools {
namespace {

TEST(CorpusSplit, TheKeyIsTheWordsInLowerCaseWithoutApostrophesOrPunctuation) {
  EXPECT_EQ(split_key("I\xE2\x80\x99m FED up -- again!!"), "im fed up again");
  EXPECT_EQ(split_key("  It's 3.5 GB\xE2\x80\x94no, 4 GB.  "), "its 3 5 gb no 4 gb");
  EXPECT_EQ(split_key("caf\xC3\xA9 \xE2\x80\x9Cquoted\xE2\x80\x9D"), "caf\xC3\xA9 quoted");
  EXPECT_EQ(split_key("I'm fed up"), split_key("im   FED UP."));
}

TEST(CorpusSplit, FnvIsTheStandardFnv1a64) {
  EXPECT_EQ(fnv1a64(""), 14695981039346656037ull);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(CorpusSplit, BucketsAreSeventyFifteenFifteen) {
  // Pinned examples: text, its bucket (fnv1a64(key) % 100) and split.
  struct Pin {
    const char* text;
    std::uint64_t bucket;
    Split split;
  };
  for (const Pin& p : {Pin{"I'm fed up again!", 41, Split::Train}, Pin{"Hello.", 91, Split::Test},
                       Pin{"I want to cancel my contract.", 27, Split::Train},
                       Pin{"My daughter just graduated!", 86, Split::Test},
                       Pin{"That's your fault, not ours.", 16, Split::Train}, Pin{"foobar", 68, Split::Train},
                       // the edges: 69/70 and 84/85
                       Pin{"line number 11", 70, Split::Dev}, Pin{"line number 57", 84, Split::Dev},
                       Pin{"line number 124", 85, Split::Test}}) {
    EXPECT_EQ(fnv1a64(split_key(p.text)) % 100, p.bucket) << p.text;
    EXPECT_EQ(split_of(p.text), p.split) << p.text;
  }
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 20000; ++i) ++counts[static_cast<int>(split_of("line number " + std::to_string(i)))];
  EXPECT_NEAR(counts[0] / 20000.0, 0.70, 0.02);
  EXPECT_NEAR(counts[1] / 20000.0, 0.15, 0.02);
  EXPECT_NEAR(counts[2] / 20000.0, 0.15, 0.02);
}

}  // namespace
}  // namespace rightmoment::language_tools
