#include "plugin/transport/url.hpp"

namespace rightmoment {

std::optional<ParsedUrl> parse_url(const std::string& url, const std::string& scheme) {
  ParsedUrl u;
  std::string rest;
  if (url.rfind(scheme + "s://", 0) == 0) {
    u.tls = true;
    rest = url.substr(scheme.size() + 4);
  } else if (url.rfind(scheme + "://", 0) == 0) {
    rest = url.substr(scheme.size() + 3);
  } else {
    return std::nullopt;
  }
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (!authority.empty() && authority[0] == '[') {  // [::1]:port
    auto close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') u.port = authority.substr(close + 2);
  } else {
    auto colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) u.port = authority.substr(colon + 1);
  }
  if (u.port.empty()) u.port = u.tls ? "443" : "80";
  if (u.host.empty() || u.host.find('@') != std::string::npos) return std::nullopt;  // no user info
  return u;
}

}  // namespace rightmoment
