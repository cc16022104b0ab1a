#pragma once
// A server's certificate chain and key, as a configuration names them: the event listeners' and the
// web endpoints' alike (plugin/transport/server_tls.hpp applies them).
#include <string>

namespace rightmoment {

struct TlsFiles {
  std::string cert_file;  // PEM chain
  std::string key_file;   // PEM key
};

}  // namespace rightmoment
