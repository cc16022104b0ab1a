// A genesys-notifications client that runs its own channel, as the configuration says it: read,
// checked key by key with the file's line, and handed to the adapter as its settings.
#include <gtest/gtest.h>

#include <cstdlib>

#include "plugin/config/plugin_config.hpp"

namespace rightmoment {
namespace {

std::string config_with(const std::string& client) {
  return R"({"history": {"store": "sqlite::memory:"},
  "rules": {"files": [")" RIGHTMOMENT_SOURCE_DIR R"(/config/rules/default.rules.jsonc"], "lexicons": ")" RIGHTMOMENT_SOURCE_DIR
         R"(/config/lexicons"},
  "clients": [)" + client + "]}";
}

const char* kUser = "3f9a7c1e-0d2b-4e5f-8a6b-7c8d9e0f1a2b";

std::string all(const Diagnostics& d) {
  std::string out;
  for (const auto& x : d) out += x.to_string() + " | ";
  return out;
}

TEST(GenesysClientConfig, ARegionAClientAndItsSecretFromTheEnvironmentBecomeTheAdaptersSettings) {
  ::setenv("RM_TEST_GENESYS_SECRET", "from-the-env", 1);
  PluginConfig c;
  Diagnostics d;
  ASSERT_TRUE(load_plugin_config_text(config_with(std::string(R"({"name": "genesys", "adapter": "genesys-notifications",
      "genesys": {"region": "mypurecloud.ie", "client_id": "abc", "client_secret_env": "RM_TEST_GENESYS_SECRET",
                  "users": [")") + kUser + R"("], "queues": ["11111111-2222-3333-4444-555555555555"]}})"),
                                      "/tmp", c, d))
      << all(d);
  ASSERT_EQ(c.clients.size(), 1u);
  const auto& s = c.clients[0].settings;
  EXPECT_TRUE(c.clients[0].url.empty());
  EXPECT_EQ(s.at("api_base"), "https://api.mypurecloud.ie");
  EXPECT_EQ(s.at("login_base"), "https://login.mypurecloud.ie");
  EXPECT_EQ(s.at("client_id"), "abc");
  EXPECT_EQ(s.at("client_secret"), "from-the-env");
  EXPECT_EQ(s.at("users"), kUser);
  EXPECT_EQ(s.at("queues"), "11111111-2222-3333-4444-555555555555");
  EXPECT_EQ(s.at("transcripts"), "true");
  EXPECT_EQ(s.at("max_topics"), "1000");
}

TEST(GenesysClientConfig, EachMistakeIsNamedWithItsKey) {
  ::unsetenv("RM_TEST_GENESYS_UNSET");
  struct Case {
    std::string genesys;
    std::string expected;
  };
  std::string user = std::string(R"("users": [")") + kUser + R"("])";
  for (const Case& k : {
           Case{R"({"region": "mypurecloud.com", "client_secret": "s", )" + user + "}", "/genesys/client_id"},
           Case{R"({"region": "mypurecloud.com", "client_id": "a", "client_secret_env": "RM_TEST_GENESYS_UNSET", )" + user + "}",
                "is not set"},
           Case{R"({"region": "mypurecloud.com", "client_id": "a", )" + user + "}", "/genesys/client_secret_env"},
           Case{R"({"region": "mypurecloud.com", "client_id": "a", "client_secret": "s"})", "users or the queues"},
           Case{R"({"region": "mypurecloud.com", "client_id": "a", "client_secret": "s", "users": ["u.1.x"]})", "not a Genesys id"},
           Case{R"({"api_base": "http://api.example", "login_base": "https://l.example", "client_id": "a", "client_secret": "s", )" + user + "}",
                "https://"},
           Case{R"({"client_id": "a", "client_secret": "s", )" + user + "}", "needs a region"},
           Case{R"({"region": "mypurecloud.com", "client_id": "a", "client_secret": "s", "max_topics": 1, )" + user + "}",
                "/genesys/max_topics"},
           Case{R"({"region": "mypurecloud.com", "client_id": "a", "client_secret": "s", "regoin": "x", )" + user + "}", "regoin"},
       }) {
    PluginConfig c;
    Diagnostics d;
    EXPECT_FALSE(load_plugin_config_text(config_with(R"({"adapter": "genesys-notifications", "genesys": )" + k.genesys + "}"), "/tmp", c, d));
    EXPECT_NE(all(d).find(k.expected), std::string::npos) << k.genesys << " -> " << all(d);
  }
  PluginConfig c;
  Diagnostics d;
  EXPECT_FALSE(load_plugin_config_text(
      config_with(R"({"adapter": "generic", "genesys": {"region": "mypurecloud.com"}, "url": "wss://x.example/y"})"), "/tmp", c, d));
  EXPECT_NE(all(d).find("is for the genesys-notifications adapter"), std::string::npos) << all(d);
  Diagnostics d2;
  EXPECT_FALSE(load_plugin_config_text(config_with(R"({"adapter": "genesys-notifications", "url": "wss://x.example/y",
      "genesys": {"region": "mypurecloud.com", "client_id": "a", "client_secret": "s", )" + user + "}}"),
                                       "/tmp", c, d2));
  EXPECT_NE(all(d2).find("takes no url"), std::string::npos) << all(d2);
}

TEST(GenesysClientConfig, TheStaticFormStillNeedsItsUrl) {
  PluginConfig c;
  Diagnostics d;
  EXPECT_FALSE(load_plugin_config_text(config_with(R"({"adapter": "genesys-notifications", "settings": {"topics": "x"}})"), "/tmp", c, d));
  EXPECT_NE(all(d).find("/url"), std::string::npos) << all(d);
}

}  // namespace
}  // namespace rightmoment
