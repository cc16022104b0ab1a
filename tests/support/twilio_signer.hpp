#pragma once
// X-Twilio-Signature computed the way Twilio documents it (twilio.com/docs/usage/webhooks/webhooks-security),
// written apart from the adapter's own code so that a test of one checks the other: take the full
// URL, append each POST parameter sorted by name (then value) as name immediately followed by value,
// HMAC-SHA1 that with the auth token, base64. Also the form body Twilio posts.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace rightmoment::testing {

using TwilioParams = std::vector<std::pair<std::string, std::string>>;

inline std::string twilio_signature_as_documented(const std::string& auth_token, const std::string& url, TwilioParams params) {
  std::sort(params.begin(), params.end());
  std::string data = url;
  for (const auto& [k, v] : params) data += k + v;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), auth_token.data(), static_cast<int>(auth_token.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &len);
  unsigned char b64[64];
  int n = EVP_EncodeBlock(b64, mac, static_cast<int>(len));
  return std::string(reinterpret_cast<const char*>(b64), static_cast<std::size_t>(n));
}

// application/x-www-form-urlencoded, as an HTTP client writes it (space as '+').
inline std::string form_encode(const TwilioParams& params) {
  auto enc = [](const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else if (c == ' ') {
        out += '+';
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        out += buf;
      }
    }
    return out;
  };
  std::string body;
  for (const auto& [k, v] : params) body += (body.empty() ? "" : "&") + enc(k) + "=" + enc(v);
  return body;
}

// The inverse, for reading recorded form bodies (test fixtures) back into parameters.
inline TwilioParams form_decode(const std::string& body) {
  auto dec = [](const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '+') out += ' ';
      else if (s[i] == '%' && i + 2 < s.size()) {
        out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else out += s[i];
    }
    return out;
  };
  TwilioParams params;
  std::size_t start = 0;
  while (start < body.size()) {
    std::size_t amp = body.find('&', start);
    std::string pair = body.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    std::size_t eq = pair.find('=');
    params.emplace_back(dec(pair.substr(0, eq)), eq == std::string::npos ? "" : dec(pair.substr(eq + 1)));
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return params;
}

}  // namespace rightmoment::testing
