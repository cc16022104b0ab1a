// A rule whose expression fails at run time, in a running plugin: it never fires, the others go on,
// and each failure is counted for that rule in the status (metrics.expression_errors) and on /metrics.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "plugin/runtime/plugin_runtime.hpp"
#include "plugin/runtime/prometheus.hpp"
#include "tests/support/prometheus_text.hpp"

namespace rightmoment {
namespace {

namespace fs = std::filesystem;

std::string said(int i) {
  return R"({"event_id":"u)" + std::to_string(i) + R"(","type":"utterance","interaction_id":"c-1","ts":"2026-11-22T10:00:0)" +
         std::to_string(i) + R"(Z","speaker":"customer","text":"Hello there."})";
}

TEST(RuntimeExpressionErrors, AreCountedPerRuleAndTheRuleFailsClosed) {
  const char* tmp = std::getenv("RIGHTMOMENT_TEST_TMP");
  fs::path dir = fs::path(tmp ? tmp : ::testing::TempDir()) / "expression_errors_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  // hold_count is 0 on these calls: only evaluation sees the division by zero.
  std::ofstream(dir / "errors.rules.jsonc") << R"({"rules": [
    {"id": "divides", "stage": "event", "on": ["utterance"], "when": "10 / interaction.hold_count > 1"},
    {"id": "greets", "stage": "event", "on": ["utterance"], "when": "true", "title": "Hello"}]})";
  std::string text = R"({"history": {"store": "sqlite:)" + (dir / "history.db").string() + R"("},
    "rules": {"files": [")" + (dir / "errors.rules.jsonc").string() + R"("],
              "lexicons": ")" RIGHTMOMENT_SOURCE_DIR R"(/config/lexicons"}})";
  PluginConfig config;
  Diagnostics diags;
  ASSERT_TRUE(load_plugin_config_text(text, dir.string(), config, diags)) << join_diagnostics(diags);

  std::mutex mutex;
  std::vector<std::string> prompts;
  HostHooks hooks;
  hooks.deliver_prompt = [&](std::string_view json) {
    std::lock_guard lock(mutex);
    prompts.emplace_back(json);
  };
  RuntimeResult result;
  auto rt = PluginRuntime::create(config, hooks, result);
  ASSERT_TRUE(rt) << result.message;
  ASSERT_TRUE(rt->start().ok());
  ASSERT_TRUE(rt->submit_event(R"({"event_id":"s","type":"interaction.started","interaction_id":"c-1",
    "ts":"2026-11-22T10:00:00Z","channel":"chat","direction":"inbound","agent_id":"a-1"})").ok());
  ASSERT_TRUE(rt->submit_event(said(1)).ok());
  ASSERT_TRUE(rt->submit_event(said(2)).ok());
  ASSERT_TRUE(rt->drain(std::chrono::seconds(20)).ok());

  nlohmann::json status = rt->status();
  EXPECT_EQ(status["metrics"]["expression_errors"], (nlohmann::json{{"divides", 2}}));
  EXPECT_EQ(status["metrics"]["prompts_by_rule"].value("greets", 0), 1);
  EXPECT_FALSE(status["metrics"]["prompts_by_rule"].contains("divides"));
  auto parsed = rightmoment::testing::parse_prometheus_text(render_prometheus(rt->snapshot()));
  EXPECT_EQ(parsed.value("rightmoment_expression_errors_total{rule=\"divides\"}"), 2);
  ASSERT_TRUE(rt->stop(std::chrono::milliseconds(2000)).ok());
  std::lock_guard lock(mutex);
  for (const auto& p : prompts) EXPECT_EQ(p.find("\"divides\""), std::string::npos) << p;
}

}  // namespace
}  // namespace rightmoment
