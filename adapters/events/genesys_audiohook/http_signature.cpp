#include "adapters/events/genesys_audiohook/http_signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <optional>
#include <set>
#include <string_view>

#include "adapters/events/genesys_audiohook/structured_fields.hpp"

namespace rightmoment::audiohook {
namespace {

constexpr std::array<std::string_view, 6> kRequiredComponents = {
    "@request-target", "@authority", "audiohook-organization-id", "audiohook-session-id", "audiohook-correlation-id",
    "x-api-key"};
constexpr std::int64_t kMaxAgeSeconds = 10;
constexpr std::int64_t kClockSkewSeconds = 3;
constexpr std::size_t kMinNonceLength = 22;  // 16 random bytes in base64; Genesys sends 18 (24 characters)

SignatureVerdict refuse(std::string reason) { return SignatureVerdict{false, std::move(reason)}; }

// A header's value with surrounding blanks removed, as the signature base takes it.
std::optional<std::string> header(const HandshakeInfo& request, std::string_view name) {
  auto it = request.headers.find(std::string(name));
  if (it == request.headers.end()) return std::nullopt;
  std::string_view v = it->second;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return std::string(v);
}

std::optional<sfv::Dictionary> dictionary_header(const HandshakeInfo& request, std::string_view name, bool& malformed) {
  auto value = header(request, name);
  if (!value) return sfv::Dictionary{};
  auto dict = sfv::parse_dictionary(*value);
  if (!dict) malformed = true;
  return dict;
}

struct SignatureParams {
  std::optional<std::string> alg, keyid, nonce;
  std::optional<std::int64_t> created, expires;
};

}  // namespace

SignatureVerdict verify_request_signature(const HandshakeInfo& request, const std::vector<unsigned char>& secret,
                                          EventTimeMs now_ms) {
  auto api_key = header(request, "x-api-key");
  if (!api_key || api_key->empty()) return refuse("the request has no X-API-KEY header");

  bool malformed = false;
  auto inputs = dictionary_header(request, "signature-input", malformed);
  if (malformed) return refuse("the Signature-Input header is not a structured-field dictionary");
  auto signatures = dictionary_header(request, "signature", malformed);
  if (malformed) return refuse("the Signature header is not a structured-field dictionary");
  if (inputs->empty() && signatures->empty()) {
    if (secret.empty()) return SignatureVerdict{true, {}};
    return refuse("the request is not signed, and this listener has a client secret");
  }
  if (inputs->empty()) return refuse("a Signature header without Signature-Input");
  if (signatures->empty()) return refuse("a Signature-Input header without Signature");

  // Every signature named must be complete and well formed; the first one is the one checked.
  const sfv::InnerList* covered = nullptr;
  const sfv::Bytes* signature = nullptr;
  SignatureParams params;
  for (const auto& input : *inputs) {
    const sfv::Member* sig = sfv::find(*signatures, input.key);
    if (!sig) return refuse("no Signature labelled '" + input.key + "'");
    const auto* sig_item = std::get_if<sfv::Item>(&sig->value);
    const auto* sig_bytes = sig_item ? std::get_if<sfv::Bytes>(&sig_item->value) : nullptr;
    if (!sig_bytes) return refuse("the Signature labelled '" + input.key + "' is not a byte sequence");
    const auto* list = std::get_if<sfv::InnerList>(&input.value);
    if (!list) return refuse("Signature-Input '" + input.key + "' is not a list of components");
    for (const auto& component : list->items)
      if (!std::holds_alternative<std::string>(component.value) || !component.params.empty())
        return refuse("Signature-Input '" + input.key + "' names a component that is not a plain string");
    SignatureParams p;
    for (const auto& param : list->params) {
      const auto* s = std::get_if<std::string>(&param.value);
      const auto* n = std::get_if<std::int64_t>(&param.value);
      if (param.key == "alg" || param.key == "keyid" || param.key == "nonce") {
        if (!s) return refuse("the signature parameter '" + param.key + "' must be a string");
        (param.key == "alg" ? p.alg : param.key == "keyid" ? p.keyid : p.nonce) = *s;
      } else if (param.key == "created" || param.key == "expires") {
        if (!n || *n < 0) return refuse("the signature parameter '" + param.key + "' must be a non-negative integer");
        (param.key == "created" ? p.created : p.expires) = *n;
      } else {
        return refuse("unknown signature parameter '" + param.key + "'");
      }
    }
    if (!covered) {
      covered = list;
      signature = sig_bytes;
      params = p;
    }
  }

  // Age, in milliseconds so that a signature exactly at the limit is judged as the reference does.
  const std::int64_t skewed_now = now_ms + kClockSkewSeconds * 1000;
  if (params.created && *params.created * 1000 > skewed_now) return refuse("the signature was created in the future");
  if (params.expires && *params.expires * 1000 < skewed_now) return refuse("the signature has expired");
  if (!params.created) return refuse("the signature has no 'created' time, so its age is unknown");
  if ((*params.created + kMaxAgeSeconds) * 1000 < skewed_now) return refuse("the signature is more than 10 s old");

  // The signature base, rebuilt from the parsed components (RFC 9421 section 2.5).
  std::string base;
  std::set<std::string> seen;
  for (const auto& component : covered->items) {
    const auto& name = std::get<std::string>(component.value);
    if (!seen.insert(name).second) return refuse("the component '" + name + "' is covered twice");
    std::optional<std::string> value;
    if (name == "@request-target") {
      value = request.target;
    } else if (name == "@authority") {
      value = header(request, "host");
    } else if (!name.empty() && name[0] == '@') {
      return refuse("the derived component '" + name + "' is not supported");
    } else if (name == "signature") {
      return refuse("a signature over the Signature header is not supported");
    } else {
      value = header(request, name);
    }
    if (!value || value->empty()) return refuse("the covered component '" + name + "' is missing from the request");
    base += sfv::serialize_string(name) + ": " + *value + "\n";
  }
  for (auto required : kRequiredComponents)
    if (!seen.count(std::string(required))) return refuse("the signature does not cover '" + std::string(required) + "'");
  base += "\"@signature-params\": " + sfv::serialize(*covered);

  if (!params.nonce) return refuse("the signature has no nonce");
  if (params.nonce->size() < kMinNonceLength) return refuse("the signature's nonce is shorter than 22 characters");
  if (params.keyid != *api_key) return refuse("the signature's keyid is not the X-API-KEY");
  if (params.alg && *params.alg != "hmac-sha256") return refuse("the signature algorithm '" + *params.alg + "' is not supported");

  static const unsigned char kNoKey = 0;  // HMAC with an empty key still needs a valid pointer
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret.empty() ? &kNoKey : secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(base.data()), base.size(), mac.data(), &mac_len);
  if (signature->size() != mac_len || CRYPTO_memcmp(signature->data(), mac.data(), mac_len) != 0)
    return refuse("the signature does not match");
  return SignatureVerdict{true, {}};
}

}  // namespace rightmoment::audiohook
