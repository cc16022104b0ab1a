#pragma once
// The client side of TLS, one way for every client (the event WebSocket clients and the REST calls
// of a channel they run): TLS 1.2 or later against the system trust store or a CA file, SNI, and the
// peer's certificate and host name verified unless the configuration turned that off. Included by
// .cpp files only: Asio stays out of the plugin's other headers.
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl.hpp>
#include <optional>
#include <string>

namespace rightmoment {

// A client context: the CA file (empty: the system's store); the reason when it cannot be loaded.
inline std::optional<std::string> configure_client_tls(boost::asio::ssl::context& ctx, const std::string& ca_file) {
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  if (!ca_file.empty()) ctx.load_verify_file(ca_file, ec);
  else ctx.set_default_verify_paths(ec);
  if (ec) return "cannot load the trust store" + (ca_file.empty() ? std::string() : " " + ca_file) + ": " + ec.message();
  return std::nullopt;
}

// Before the handshake of one connection to host: SNI, and verification of the peer and its name.
template <typename SslStream>
boost::system::error_code prepare_client_tls(SslStream& stream, const std::string& host, bool verify) {
  namespace ssl = boost::asio::ssl;
  if (!SSL_set_tlsext_host_name(stream.native_handle(), host.c_str()))
    return boost::system::error_code(static_cast<int>(::ERR_get_error()), boost::asio::error::get_ssl_category());
  if (verify) {
    stream.set_verify_mode(ssl::verify_peer);
    stream.set_verify_callback(ssl::host_name_verification(host));
  } else {
    stream.set_verify_mode(ssl::verify_none);
  }
  return {};
}

}  // namespace rightmoment
