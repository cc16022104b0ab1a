#pragma once
// Percent-encoding (RFC 3986) and the form encoding of HTML and HTTP bodies
// (application/x-www-form-urlencoded), shared by the web endpoints (query strings), the webhook
// adapters (form bodies) and the identity normaliser (SIP user parts).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rightmoment {

// Decodes %XX escapes; with plus_is_space (form encoding, query strings) '+' is a space too, without
// it (a URI's user part) '+' stays a '+'. nullopt on a broken escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space = true);

using FormFields = std::vector<std::pair<std::string, std::string>>;

// name=value pairs separated by '&', each side decoded, in the order sent (a name may repeat);
// empty pieces ("a=1&&b=2") are skipped. nullopt when any escape is broken.
std::optional<FormFields> parse_form_urlencoded(std::string_view text);

}  // namespace rightmoment
