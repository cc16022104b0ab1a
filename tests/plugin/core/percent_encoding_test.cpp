#include "plugin/core/percent_encoding.hpp"

#include <gtest/gtest.h>

namespace rightmoment {
namespace {

TEST(PercentEncoding, FormPlusIsASpaceButAUriPlusIsAPlus) {
  EXPECT_EQ(percent_decode("a+b%20c").value_or("?"), "a b c");
  EXPECT_EQ(percent_decode("%2B1415+x", false).value_or("?"), "+1415+x");
  EXPECT_FALSE(percent_decode("%2"));
  EXPECT_FALSE(percent_decode("%zz"));
  EXPECT_FALSE(percent_decode("abc%"));
}

TEST(PercentEncoding, AFormKeepsOrderRepeatsAndEmptyValues) {
  auto f = parse_form_urlencoded("TranscriptionData=%7B%22transcript%22%3A%22hi+there%22%7D&Final=true&&Track=&Track=x&flag");
  ASSERT_TRUE(f);
  ASSERT_EQ(f->size(), 5u);
  EXPECT_EQ((*f)[0], (std::pair<std::string, std::string>{"TranscriptionData", R"({"transcript":"hi there"})"}));
  EXPECT_EQ((*f)[2], (std::pair<std::string, std::string>{"Track", ""}));
  EXPECT_EQ((*f)[3].second, "x");
  EXPECT_EQ((*f)[4], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_TRUE(parse_form_urlencoded("")->empty());
  EXPECT_FALSE(parse_form_urlencoded("a=1&b=%G1"));
}

}  // namespace
}  // namespace rightmoment
