// The learned language layer through the public SDK: the plugin loads the model folder its
// configuration names at start, a moment only the model sees is raised, and a reload with a broken
// model is refused with the old bundle still running.
#include <rightmoment/plugin.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

namespace sdk = rightmoment::sdk;
namespace fs = std::filesystem;

std::string temp_dir(const std::string& name) {
  const char* tmp = std::getenv("RIGHTMOMENT_TEST_TMP");
  std::string dir = std::string(tmp ? tmp : "/tmp") + "/" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string config(const std::string& dir, const std::string& models) {
  return R"({"history":{"store":"sqlite:)" + dir + R"(/store.db"},
             "rules":{"files":[")" RIGHTMOMENT_SOURCE_DIR R"(/config/rules/default.rules.jsonc"],
                      "lexicons":")" RIGHTMOMENT_SOURCE_DIR R"(/config/lexicons", "models":")" + models + R"("}})";
}

std::string event(const std::string& iid, const std::string& id, const std::string& rest) {
  return R"({"event_id":")" + id + R"(","interaction_id":")" + iid + R"(","ts":"2026-11-22T10:00:0)" + id.substr(1) + R"(Z",)" + rest + "}";
}

// No pattern of config/lexicons matches these words; the shipped model reads them as frustration.
const char* kOnlyTheModelSeesIt = "Honest to god it's like pulling teeth getting a straight answer out of your lot.";

std::vector<std::string> rules_raised(sdk::Plugin& plugin, std::mutex& m, std::vector<nlohmann::json>& prompts,
                                      const std::string& iid) {
  EXPECT_EQ(plugin.submit_event(event(iid, "e1", R"("type":"interaction.started","channel":"chat","direction":"inbound","agent_id":"a-1")")), RM_OK);
  EXPECT_EQ(plugin.submit_event(event(iid, "e2", R"("type":"utterance","speaker":"customer","text":")" + std::string(kOnlyTheModelSeesIt) + "\"")),
            RM_OK);
  plugin.drain(10000);
  std::lock_guard lock(m);
  std::vector<std::string> out;
  for (const auto& p : prompts)
    if (p["interaction_id"] == iid && p.contains("rule_id")) out.push_back(p["rule_id"]);
  return out;
}

TEST(LearnedLayer, LoadsAtStartAndABrokenModelOnReloadKeepsTheOldBundle) {
  std::string dir = temp_dir("learned_layer_reload");
  std::string models = dir + "/models";
  fs::copy(RIGHTMOMENT_SOURCE_DIR "/config/models", models, fs::copy_options::recursive);
  sdk::Library lib(RIGHTMOMENT_PLUGIN_PATH);
  std::mutex m;
  std::vector<nlohmann::json> prompts;
  sdk::Plugin plugin(lib, sdk::ConfigText{config(dir, models)}, {[&](std::string_view json) {
                       std::lock_guard lock(m);
                       prompts.push_back(nlohmann::json::parse(json));
                     },
                                                               nullptr});
  plugin.start();
  EXPECT_EQ(rules_raised(plugin, m, prompts, "c-1"), (std::vector<std::string>{"screen_pop", "frustration"}));

  std::ofstream(models + "/customer.bin", std::ios::trunc) << "not a model any more";
  EXPECT_THROW(plugin.reload_rules(), sdk::Error);
  EXPECT_EQ(rules_raised(plugin, m, prompts, "c-2"), (std::vector<std::string>{"screen_pop", "frustration"}));
  plugin.stop();

  // A plugin configured with the broken folder does not start, and says which file.
  try {
    sdk::Plugin broken(lib, sdk::ConfigText{config(dir, models)});
    ADD_FAILURE() << "a broken model was accepted";
  } catch (const sdk::Error& e) {
    EXPECT_NE(std::string(e.what()).find("customer.bin"), std::string::npos) << e.what();
  }
}

}  // namespace
