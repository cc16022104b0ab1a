#pragma once
// What the AudioHook tests share: an upgrade request signed as Genesys documents it (RFC 9421 HTTP
// message signature, hmac-sha256, label sig1, keyid = the API key, the six covered components,
// created and expires), written out by hand so that it checks the plugin's verifier rather than
// sharing its code; and the media formats an open offers.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rightmoment::testing {

struct AudioHookUpgrade {
  std::string target = "/audiohook";
  std::string authority = "127.0.0.1";
  std::string organization_id = "d7934305-0972-4844-938e-9060eef73d05";
  std::string session_id = "30b0e395-84d3-4570-ac13-9a62d8f514c0";
  std::string correlation_id = "e160e428-53e2-487c-977d-96989bf5c99d";
  std::string api_key = "SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh";
};

struct SignatureHeaders {
  std::string signature_input;
  std::string signature;
};

inline std::vector<unsigned char> base64_bytes(const std::string& text) {
  std::vector<unsigned char> out(text.size() / 4 * 3 + 3);
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  std::size_t pad = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) ++pad;
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n) - pad);
  return out;
}

inline std::string base64_text(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  return out;
}

inline SignatureHeaders sign_upgrade(const AudioHookUpgrade& u, const std::string& client_secret_base64, std::int64_t created,
                                     std::int64_t expires, const std::string& nonce = "VGhpc0lzQVVuaXF1ZU5vbmNl",
                                     const std::string& keyid = "") {
  std::string params =
      R"(("@request-target" "@authority" "audiohook-organization-id" "audiohook-session-id" "audiohook-correlation-id" "x-api-key"))"
      ";keyid=\"" + (keyid.empty() ? u.api_key : keyid) + "\";nonce=\"" + nonce + "\";alg=\"hmac-sha256\";created=" +
      std::to_string(created) + ";expires=" + std::to_string(expires);
  std::string base = "\"@request-target\": " + u.target + "\n" + "\"@authority\": " + u.authority + "\n" +
                     "\"audiohook-organization-id\": " + u.organization_id + "\n" + "\"audiohook-session-id\": " + u.session_id +
                     "\n" + "\"audiohook-correlation-id\": " + u.correlation_id + "\n" + "\"x-api-key\": " + u.api_key + "\n" +
                     "\"@signature-params\": " + params;
  auto key = base64_bytes(client_secret_base64);
  static const unsigned char kNoKey = 0;
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.empty() ? &kNoKey : key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(base.data()), base.size(), mac.data(), &len);
  return SignatureHeaders{"sig1=" + params, "sig1=:" + base64_text(mac.data(), len) + ":"};
}

// An open's "media": one PCMU 8 kHz format per list of channels, in order.
inline nlohmann::json media(std::initializer_list<std::vector<std::string>> offers) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& channels : offers) list.push_back({{"type", "audio"}, {"format", "PCMU"}, {"channels", channels}, {"rate", 8000}});
  return list;
}

}  // namespace rightmoment::testing
