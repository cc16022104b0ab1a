#include "adapters/events/twilio_media_streams/twilio_signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>

namespace rightmoment::twilio {
namespace {

// The URL with its authority's port removed, and with the scheme's default port written out.
struct UrlForms {
  std::string without_port, with_port;
};

UrlForms port_forms(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {std::string(url), std::string(url)};
  std::size_t host_start = scheme_end + 3;
  std::size_t host_end = url.find_first_of("/?#", host_start);
  if (host_end == std::string_view::npos) host_end = url.size();
  std::string_view authority = url.substr(host_start, host_end - host_start);
  std::size_t bracket = authority.rfind(']');  // [::1]:8443
  std::size_t colon = authority.rfind(':');
  bool has_port = colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket);
  std::string_view host = has_port ? authority.substr(0, colon) : authority;
  std::string_view scheme = url.substr(0, scheme_end);
  std::string default_port = scheme == "https" || scheme == "HTTPS" ? "443" : "80";
  std::string before(url.substr(0, host_start)), after(url.substr(host_end));
  UrlForms forms;
  forms.without_port = before + std::string(host) + after;
  forms.with_port = has_port ? std::string(url) : before + std::string(host) + ":" + default_port + after;
  return forms;
}

}  // namespace

std::string signature(std::string_view auth_token, std::string_view url, const FormFields& params) {
  std::vector<const std::pair<std::string, std::string>*> sorted;
  sorted.reserve(params.size());
  for (const auto& p : params) sorted.push_back(&p);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return *a < *b; });
  std::string data(url);
  for (const auto* p : sorted) data += p->first + p->second;
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), auth_token.data(), static_cast<int>(auth_token.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac.data(), &mac_len);
  std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> encoded{};
  int n = EVP_EncodeBlock(encoded.data(), mac.data(), static_cast<int>(mac_len));
  return std::string(reinterpret_cast<const char*>(encoded.data()), static_cast<std::size_t>(n));
}

bool signature_valid(const std::vector<std::string>& auth_tokens, std::string_view url, const FormFields& params,
                     std::string_view presented) {
  UrlForms forms = port_forms(url);
  bool ok = false;
  for (const auto& token : auth_tokens) {
    for (const std::string* u : {&forms.without_port, &forms.with_port}) {
      std::string expected = signature(token, *u, params);
      ok |= expected.size() == presented.size() && CRYPTO_memcmp(expected.data(), presented.data(), expected.size()) == 0;
    }
  }
  return ok && !presented.empty();
}

}  // namespace rightmoment::twilio
