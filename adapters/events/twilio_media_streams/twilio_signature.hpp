#pragma once
// X-Twilio-Signature, as Twilio's own request validators compute and check it
// (twilio.com/docs/usage/webhooks/webhooks-security).
#include <string>
#include <string_view>
#include <vector>

#include "plugin/core/percent_encoding.hpp"

namespace rightmoment::twilio {

// Base64 of HMAC-SHA1, keyed with the auth token, over the full URL Twilio requested followed by
// each POST parameter name in byte order, each of its values in byte order, as name + value.
std::string signature(std::string_view auth_token, std::string_view url, const FormFields& params);

// True when presented is the signature of url (as given, and with its default port added or any
// port removed: Twilio's validators accept both, as Twilio signs either form) under one of the
// tokens. Compared in constant time.
bool signature_valid(const std::vector<std::string>& auth_tokens, std::string_view url, const FormFields& params,
                     std::string_view presented);

}  // namespace rightmoment::twilio
