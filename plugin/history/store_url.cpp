#include "plugin/history/store_url.hpp"

namespace rightmoment {

StoreUrl parse_store_url(const std::string& url) {
  auto starts = [&](const char* prefix) { return url.rfind(prefix, 0) == 0; };
  if (starts("postgresql://") || starts("postgres://")) return {StoreUrl::Backend::Postgres, ""};
  if (starts("sqlite://")) return {StoreUrl::Backend::Sqlite, url.substr(9)};
  if (starts("sqlite:")) return {StoreUrl::Backend::Sqlite, url.substr(7)};
  return {StoreUrl::Backend::Sqlite, url};
}

std::string redact_store_url(const std::string& url) {
  std::string out = url;
  // user:password@ in the authority
  auto scheme = out.find("://");
  if (scheme != std::string::npos) {
    auto end = out.find_first_of("/?#", scheme + 3);
    auto at = out.rfind('@', end == std::string::npos ? std::string::npos : end);
    auto colon = out.find(':', scheme + 3);
    if (at != std::string::npos && at > scheme && colon != std::string::npos && colon < at)
      out = out.substr(0, colon + 1) + "***" + out.substr(at);
  }
  // password=... among the query parameters (libpq accepts it there too)
  for (std::size_t pos = out.find("password="); pos != std::string::npos; pos = out.find("password=", pos + 1)) {
    if (pos > 0 && out[pos - 1] != '?' && out[pos - 1] != '&') continue;
    auto value = pos + 9;
    auto end = out.find('&', value);
    out = out.substr(0, value) + "***" + (end == std::string::npos ? "" : out.substr(end));
  }
  return out;
}

}  // namespace rightmoment
