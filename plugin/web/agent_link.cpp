#include "plugin/web/agent_link.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <charconv>
#include <stdexcept>

namespace rightmoment {

AgentLinkSigner::AgentLinkSigner(std::string secret) : secret_(std::move(secret)) {
    if (secret_.empty()) {
        secret_.resize(32);
        if (RAND_bytes(reinterpret_cast<unsigned char*>(secret_.data()), 32) != 1)
            throw std::runtime_error("RAND_bytes failed");
    }
}

std::string AgentLinkSigner::sign(const std::string& agent_id, std::int64_t exp_unix, const std::string& role) const {
    const std::string msg = agent_id + "|" + std::to_string(exp_unix) + (role.empty() ? "" : "|" + role);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
         reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac, &len);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
        out += hex[mac[i] >> 4];
        out += hex[mac[i] & 15];
    }
    return out;
}

std::string percent_encode(const std::string& s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
            c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string AgentLinkSigner::query_for(const std::string& agent_id, std::chrono::seconds ttl, const std::string& role) const {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const std::int64_t exp = now + ttl.count();
    return (role.empty() ? "agent" : role) + "=" + percent_encode(agent_id) + "&exp=" + std::to_string(exp) +
           "&sig=" + sign(agent_id, exp, role);
}

LinkCheck AgentLinkSigner::verify(const std::string& agent_id, const std::string& exp, const std::string& sig_hex,
                                  std::int64_t now_unix, const std::string& role) const {
    std::int64_t exp_v = 0;
    auto [p, ec] = std::from_chars(exp.data(), exp.data() + exp.size(), exp_v);
    if (exp.empty() || ec != std::errc{} || p != exp.data() + exp.size() || agent_id.empty())
        return LinkCheck::malformed;
    const std::string want = sign(agent_id, exp_v, role);
    if (sig_hex.size() != want.size() || CRYPTO_memcmp(sig_hex.data(), want.data(), want.size()) != 0)
        return LinkCheck::bad_signature;
    if (exp_v <= now_unix) return LinkCheck::expired;
    return LinkCheck::ok;
}

}  // namespace rightmoment
