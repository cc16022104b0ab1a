#pragma once
// Signed links for the pop-up: HMAC-SHA256 over "agent_id|exp"; for another role (the supervisor
// page) over "id|exp|role", which no agent link's message can equal (it ends in digits).
#include <chrono>
#include <cstdint>
#include <string>

namespace rightmoment {

enum class LinkCheck { ok, bad_signature, expired, malformed };

class AgentLinkSigner {
public:
    // An empty secret is replaced by 32 random bytes (links then die with the process).
    explicit AgentLinkSigner(std::string secret);

    // Lower-case hex HMAC-SHA256 of "agent_id|exp".
    std::string sign(const std::string& agent_id, std::int64_t exp_unix, const std::string& role = {}) const;

    // "agent=ID&exp=UNIX&sig=HEX" (agent id percent-encoded), valid for ttl from now.
    // With a role: "ROLE=ID&exp=UNIX&sig=HEX" signed for that role.
    std::string query_for(const std::string& agent_id, std::chrono::seconds ttl, const std::string& role = {}) const;

    // Constant-time comparison (CRYPTO_memcmp); expiry checked against now_unix.
    LinkCheck verify(const std::string& agent_id, const std::string& exp, const std::string& sig_hex,
                     std::int64_t now_unix, const std::string& role = {}) const;

private:
    std::string secret_;
};

std::string percent_encode(const std::string& s);

}  // namespace rightmoment
