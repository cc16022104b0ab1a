#include "plugin/transport/server_tls.hpp"

#include <openssl/ssl.h>

namespace rightmoment {

std::optional<std::string> configure_server_tls(boost::asio::ssl::context& ctx, const TlsFiles& files) {
  namespace ssl = boost::asio::ssl;
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  SSL_CTX_set_cipher_list(ctx.native_handle(),
                          "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                          "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(files.cert_file, ec);
  if (!ec) ctx.use_private_key_file(files.key_file, ssl::context::pem, ec);
  if (ec) return "cannot use the certificate or key (" + files.cert_file + ", " + files.key_file + "): " + ec.message();
  return std::nullopt;
}

}  // namespace rightmoment
