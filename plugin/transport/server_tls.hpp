#pragma once
// The one server-side TLS policy of the plugin (TLS 1.2 or later, ECDHE with AES-GCM or ChaCha20),
// shared by the event listeners and the web endpoints. Included by .cpp files only: Asio stays out
// of the plugin's other headers.
#include <optional>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "plugin/transport/tls_files.hpp"

namespace rightmoment {

// Applies the policy to ctx and loads the certificate chain and key; the reason on failure.
std::optional<std::string> configure_server_tls(boost::asio::ssl::context& ctx, const TlsFiles& files);

}  // namespace rightmoment
