// The learned layer's options in the plugin configuration: the model folder resolves against the
// configuration's folder, and a threshold that is wrong is refused with its line and key.
#include <gtest/gtest.h>

#include "plugin/config/plugin_config.hpp"

namespace rightmoment {
namespace {

TEST(LanguageConfig, ModelsAndThresholdsAreReadWithLineAndKey) {
  PluginConfig c;
  Diagnostics d;
  ASSERT_TRUE(load_plugin_config_text(R"({"rules": {"models": "models", "intent_thresholds": {"frustration": 0.999}}})",
                                      "/etc/rightmoment", c, d))
      << join_diagnostics(d);
  EXPECT_EQ(c.model_dir, "/etc/rightmoment/models");
  EXPECT_EQ(c.intent_thresholds.at("frustration"), 0.999);

  PluginConfig none;
  ASSERT_TRUE(load_plugin_config_text("{}", "/etc/rightmoment", none, d));
  EXPECT_TRUE(none.model_dir.empty()) << "no learned layer unless configured";

  PluginConfig bad;
  d.clear();
  EXPECT_FALSE(load_plugin_config_text("{\"rules\": {\n  \"models\": \"models\",\n  \"intent_thresholds\": {\"blame\": 1.5}\n}}",
                                       "/etc/rightmoment", bad, d));
  ASSERT_EQ(d.size(), 1u) << join_diagnostics(d);
  EXPECT_EQ(d[0].line, 3);
  EXPECT_EQ(d[0].key, "/rules/intent_thresholds/blame");

  d.clear();
  EXPECT_FALSE(load_plugin_config_text(R"({"rules": {"intent_thresholds": {"blame": 0.9}}})", "/etc", bad, d));
  EXPECT_NE(join_diagnostics(d).find("rules.models"), std::string::npos) << join_diagnostics(d);
}

}  // namespace
}  // namespace rightmoment
