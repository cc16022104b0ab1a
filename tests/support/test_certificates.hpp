#pragma once
// Certificates made for a test process by the openssl CLI: a CA, a server certificate it signed for
// 127.0.0.1 and localhost, and an unrelated self-signed one (which a client trusting the CA refuses).
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace rightmoment::testing {

struct TestCertificates {
  std::string dir;
  bool ok = false;
  std::string ca() const { return dir + "/ca.pem"; }
  std::string server_cert() const { return dir + "/server.pem"; }
  std::string server_key() const { return dir + "/server.key"; }
  std::string self_signed_cert() const { return dir + "/self.pem"; }
  std::string self_signed_key() const { return dir + "/self.key"; }

  TestCertificates() {
    // One folder per test process: ctest runs tests in parallel processes, and one must not
    // regenerate the certificates another is using.
    dir = (std::filesystem::path(::testing::TempDir()) / ("rm_tls_" + std::to_string(::getpid()))).string();
    std::filesystem::create_directories(dir);
    std::string script =
        "cd " + dir + " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -subj '/CN=RightMoment Test CA' &&"
        " openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=127.0.0.1' &&"
        " printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ext.cnf &&"
        " openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 3650 -extfile ext.cnf &&"
        " openssl req -x509 -newkey rsa:2048 -nodes -keyout self.key -out self.pem -days 3650 -subj '/CN=127.0.0.1'"
        " -addext 'subjectAltName=IP:127.0.0.1'";
    ok = std::system(("(" + script + ") > " + dir + "/openssl.log 2>&1").c_str()) == 0;
  }
};

inline const TestCertificates& test_certificates() {
  static TestCertificates c;
  return c;
}

}  // namespace rightmoment::testing
