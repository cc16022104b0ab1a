// The C++ wrapper: RAII load, version check, callbacks as std::function, errors as exceptions.
#include <rightmoment/plugin.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

std::string config_text() {
  const char* tmp = std::getenv("RIGHTMOMENT_TEST_TMP");
  std::string dir = tmp ? tmp : "/tmp";
  // A fresh store each run: the outcome record of an earlier run would resume its call (issue 15).
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((dir + "/sdk_wrapper_test.db" + suffix).c_str());
  return R"({"history":{"store":"sqlite:)" + dir + R"(/sdk_wrapper_test.db"},
             "rules":{"files":[")" RIGHTMOMENT_SOURCE_DIR R"(/config/rules/default.rules.jsonc"],
                      "lexicons":")" RIGHTMOMENT_SOURCE_DIR R"(/config/lexicons"},
             "listeners":[]})";
}

TEST(SdkWrapper, LoadsCreatesAndDeliversPrompts) {
  rightmoment::sdk::Library lib(RIGHTMOMENT_PLUGIN_PATH);
  std::atomic<int> prompts{0};
  rightmoment::sdk::Plugin plugin(lib, rightmoment::sdk::ConfigText{config_text()},
                                  {[&](std::string_view) { ++prompts; }, nullptr});
  plugin.start();
  EXPECT_EQ(plugin.submit_event(R"({"event_id":"e1","type":"interaction.started","interaction_id":"w-1",
      "ts":"2026-11-22T10:00:00Z","channel":"chat","direction":"inbound","agent_id":"a-1"})"),
            RM_OK);
  plugin.drain(10000);
  EXPECT_EQ(prompts.load(), 1);
  EXPECT_NE(plugin.status_json().find("\"state\":\"started\""), std::string::npos);
  plugin.stop();
}

TEST(SdkWrapper, ABadConfigurationThrowsWithTheMessage) {
  rightmoment::sdk::Library lib(RIGHTMOMENT_PLUGIN_PATH);
  try {
    rightmoment::sdk::Plugin plugin(lib, rightmoment::sdk::ConfigText{"{ \"listeners\": 7 }"});
    FAIL() << "accepted a bad configuration";
  } catch (const rightmoment::sdk::Error& e) {
    EXPECT_EQ(e.status(), RM_ERR_CONFIG);
    EXPECT_NE(std::string(e.what()).find("listeners"), std::string::npos) << e.what();
  }
}

TEST(SdkWrapper, AMissingLibraryIsAClearError) {
  EXPECT_THROW(rightmoment::sdk::Library("/nonexistent/librightmoment.so"), rightmoment::sdk::Error);
}

}  // namespace
