// A listener's client secret (auth.client_secret / client_secret_env): read, checked as base64, and
// never silently absent when the configuration names one. A key the reader does not know is an error.
#include <gtest/gtest.h>

#include <cstdlib>

#include "plugin/config/transport_config_reader.hpp"

namespace rightmoment {
namespace {

struct Read {
  std::vector<ListenerConfig> listeners;
  Diagnostics diags;
};

Read read(const std::string& auth) {
  Read r;
  auto doc = JsoncDocument::parse(R"({"listeners": [{"name": "audiohook", "adapter": "genesys-audiohook", "auth": )" + auth + "}]}",
                                  "test.jsonc", r.diags);
  EXPECT_TRUE(doc);
  if (!doc) return r;
  ConfigReader reader(*doc, r.diags);
  std::vector<ClientConfig> clients;
  read_transport_config(reader, ".", r.listeners, clients);
  return r;
}

TEST(TransportConfig, AClientSecretIsReadFromTheFileOrTheEnvironment) {
  auto literal = read(R"({"mode": "api_key", "tokens": ["k"], "client_secret": "TXlTdXBlclNlY3JldA=="})");
  ASSERT_TRUE(literal.diags.empty()) << join_diagnostics(literal.diags);
  EXPECT_EQ(literal.listeners.at(0).auth.client_secret.value_or(""), "TXlTdXBlclNlY3JldA==");

  ::setenv("RM_TEST_AUDIOHOOK_SECRET", "c2VjcmV0", 1);
  auto env = read(R"({"mode": "api_key", "tokens": ["k"], "client_secret_env": "RM_TEST_AUDIOHOOK_SECRET"})");
  ASSERT_TRUE(env.diags.empty()) << join_diagnostics(env.diags);
  EXPECT_EQ(env.listeners.at(0).auth.client_secret.value_or(""), "c2VjcmV0");

  auto none = read(R"({"mode": "api_key", "tokens": ["k"]})");
  ASSERT_TRUE(none.diags.empty());
  EXPECT_FALSE(none.listeners.at(0).auth.client_secret);
}

TEST(TransportConfig, ABadOrMissingClientSecretIsAnErrorNotNoSecret) {
  ::unsetenv("RM_TEST_AUDIOHOOK_UNSET");
  for (const char* auth : {R"({"mode": "api_key", "tokens": ["k"], "client_secret": "not base64!"})",
                           R"({"mode": "api_key", "tokens": ["k"], "client_secret": ""})",
                           R"({"mode": "api_key", "tokens": ["k"], "client_secret_env": "RM_TEST_AUDIOHOOK_UNSET"})",
                           R"({"mode": "api_key", "tokens": ["k"], "client_secret": "c2VjcmV0", "client_secret_env": "X"})"}) {
    auto r = read(auth);
    ASSERT_FALSE(r.diags.empty()) << auth;
    EXPECT_NE(r.diags[0].key.find("client_secret"), std::string::npos) << r.diags[0].to_string();
  }
}

// There is no ping setting (a ping goes out after half of idle_timeout_s): a configuration that names
// one is told so, as for any key the reader does not know, rather than having it quietly ignored.
TEST(TransportConfig, APingIntervalIsAnUnknownOptionNotAQuietNoOp) {
  Diagnostics diags;
  auto doc = JsoncDocument::parse(R"({"listeners": [{"name": "g", "ping_interval_s": 20}]})", "test.jsonc", diags);
  ASSERT_TRUE(doc);
  ConfigReader reader(*doc, diags);
  std::vector<ListenerConfig> listeners;
  std::vector<ClientConfig> clients;
  read_transport_config(reader, ".", listeners, clients);
  ASSERT_EQ(diags.size(), 1u) << join_diagnostics(diags);
  EXPECT_EQ(diags[0].key, "/listeners/0/ping_interval_s");
  EXPECT_NE(diags[0].message.find("unknown option"), std::string::npos) << diags[0].to_string();
}

}  // namespace
}  // namespace rightmoment
