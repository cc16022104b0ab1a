#include "plugin/net/session_registry.hpp"

#include <gtest/gtest.h>

namespace rightmoment::net {
namespace {

TEST(SessionRegistry, CloseAllCallsEveryCloserRegisteredAndNotTheRemovedOnes) {
  SessionRegistry r;
  int a = 0, b = 0, c = 0;
  r.add([&] { ++a; });
  auto id = r.add([&] { ++b; });
  r.add([&] { ++c; });
  r.remove(id);
  EXPECT_EQ(r.size(), 2u);
  r.close_all();
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 0);
  EXPECT_EQ(c, 1);
}

TEST(SessionRegistry, ACloserMayRemoveItselfOrAddAnotherWithoutADeadlock) {
  SessionRegistry r;
  std::uint64_t self = 0;
  int later = 0;
  self = r.add([&] {
    r.remove(self);
    r.add([&] { ++later; });
  });
  r.close_all();
  EXPECT_EQ(r.size(), 1u);
  EXPECT_EQ(later, 0);  // added after close_all took its list
  r.close_all();
  EXPECT_EQ(later, 1);
}

}  // namespace
}  // namespace rightmoment::net
