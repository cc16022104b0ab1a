#pragma once
// The parts of a ws://, wss://, http:// or https:// URL that a client connects with.
#include <optional>
#include <string>

namespace rightmoment {

struct ParsedUrl {
  bool tls = false;    // wss:// or https://
  std::string host;    // without the brackets of an IPv6 literal
  std::string port;    // the scheme's default when absent
  std::string target;  // path and query, "/" at least
};

// schemes: "ws" (ws:// and wss://) or "http" (http:// and https://); nullopt for anything else.
std::optional<ParsedUrl> parse_url(const std::string& url, const std::string& scheme);

}  // namespace rightmoment
