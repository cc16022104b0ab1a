#include "plugin/core/pii_masking.hpp"

#include <gtest/gtest.h>

namespace rightmoment {
namespace {

TEST(PiiMasking, EmailsAndLongNumbersAreMaskedShortNumbersKept) {
  EXPECT_EQ(mask_pii("refused dana.reyes@example.com for c-1001"), "refused [email] for c-1001");
  EXPECT_EQ(mask_pii("card 4111 1111-1111.1111 and id 123456789"), "card [number] and id [number]");
  EXPECT_EQ(mask_pii("port 8080, 3 retries, 2026-11-22"), "port 8080, 3 retries, 2026-11-22");
  EXPECT_EQ(mask_pii("@handle and a@b"), "@handle and a@b");
  EXPECT_EQ(mask_pii(""), "");
}

TEST(PiiMasking, PhoneNumbersInEveryWrittenFormAreMasked) {
  EXPECT_EQ(mask_pii("caller +1 (415) 555-0101 unknown"), "caller [number] unknown");
  EXPECT_EQ(mask_pii("caller (415) 555-0101."), "caller [number].");
  EXPECT_EQ(mask_pii("phone 0044 20 7946 0958, retry"), "phone [number], retry");
  EXPECT_EQ(mask_pii("tel:+14155550101"), "tel:[number]");
  EXPECT_EQ(mask_pii("card 4111-1111-1111-1111"), "card [number]");
  EXPECT_EQ(mask_pii("dialled 415/555/0101"), "dialled [number]");
}

// The bug: digits inside a UUID were masked ("f738c[number]c35-..."), so a call could not be found.
TEST(PiiMasking, IdentifiersStayWhole) {
  const char* uuids[] = {"f738c3c35-4a1b-4c2e-9d3f-123456789012", "e160e428-53e2-487c-977d-96989bf5c99d",
                         "12345678-1234-1234-1234-123456789012", "090eaa2f-72fa-480a-83e0-8667ff89c0ec"};
  for (const char* id : uuids) {
    std::string line = std::string("interaction ") + id + " ended";
    EXPECT_EQ(mask_pii(line), line);
  }
  EXPECT_EQ(mask_pii("call CA5d7e2f0a1b3c4d5e6f708192a3b4c5d6 joined"), "call CA5d7e2f0a1b3c4d5e6f708192a3b4c5d6 joined");
  EXPECT_EQ(mask_pii("prompt pr-00001234 and rm-1-20261122"), "prompt pr-00001234 and rm-1-20261122");
  EXPECT_EQ(mask_pii("at 2026-11-22T10:00:00.000Z from 192.168.100.200:8443"),
            "at 2026-11-22T10:00:00.000Z from 192.168.100.200:8443");
}

TEST(PiiMasking, IdFieldsOfAStructuredLineAreKeptOtherFieldsAndTextMasked) {
  EXPECT_EQ(mask_pii("[interaction_id=41555501019 adapter=generic] caller 4155550101 unknown"),
            "[interaction_id=41555501019 adapter=generic] caller [number] unknown");
  EXPECT_EQ(mask_pii("[interaction_id=c-1 phone=4155550101] refused"), "[interaction_id=c-1 phone=[number]] refused");
  EXPECT_EQ(mask_pii("[not a field list 41555501019]"), "[not a field list [number]]");
}

}  // namespace
}  // namespace rightmoment
