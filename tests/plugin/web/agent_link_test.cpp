#include "plugin/web/agent_link.hpp"

#include <gtest/gtest.h>

using namespace rightmoment;

TEST(WebAgentLink, SignedLinkVerifies) {
    AgentLinkSigner s("secret");
    const auto sig = s.sign("agent-7", 2000);
    EXPECT_EQ(sig.size(), 64u);
    EXPECT_EQ(s.verify("agent-7", "2000", sig, 1000), LinkCheck::ok);
}

TEST(WebAgentLink, RefusesWrongSignatureOtherAgentAndExpired) {
    AgentLinkSigner s("secret");
    const auto sig = s.sign("agent-7", 2000);
    EXPECT_EQ(s.verify("agent-8", "2000", sig, 1000), LinkCheck::bad_signature);
    EXPECT_EQ(s.verify("agent-7", "2001", sig, 1000), LinkCheck::bad_signature);
    EXPECT_EQ(AgentLinkSigner("other").verify("agent-7", "2000", sig, 1000), LinkCheck::bad_signature);
    EXPECT_EQ(s.verify("agent-7", "2000", sig, 2000), LinkCheck::expired);
    EXPECT_EQ(s.verify("agent-7", "20x0", sig, 1000), LinkCheck::malformed);
    EXPECT_EQ(s.verify("agent-7", "2000", sig.substr(1), 1000), LinkCheck::bad_signature);
}

TEST(WebAgentLink, EmptySecretIsRandom) {
    AgentLinkSigner a(""), b("");
    EXPECT_NE(a.sign("x", 1), b.sign("x", 1));
}

TEST(WebAgentLink, QueryEncodesAgent) {
    AgentLinkSigner s("k");
    const auto q = s.query_for("a b&c", std::chrono::hours(1));
    EXPECT_EQ(q.rfind("agent=a%20b%26c&exp=", 0), 0u);
}
