#pragma once
// The one answer every server of the plugin (the event listeners and the web endpoints) gives a
// connection past its max_connections: "503 Service Unavailable" with Retry-After, then a close.
// A platform's client that reads a 503 knows to back off and retry; a bare close looks like a
// network fault. Over TLS the answer follows the handshake, so the client can read it.
//
// Refusing must stay cheaper than serving: each refusal is given 5 s in all, and at most 64 are in
// flight in the process at once (past that, a connection is closed at once, unanswered). Included by
// .cpp files only: Asio stays out of the plugin's other headers.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

namespace rightmoment {

// Answers socket with the 503 and closes it; over TLS when tls is given. A refusal holds no reference
// to the server, so a server that stops is not kept alive by its refusals: the TLS stream holds the
// OpenSSL context by its own reference count (SSL_new), and the server's policy sets no callbacks
// that would live in the Asio wrapper.
void answer_server_full(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context* tls);

}  // namespace rightmoment
