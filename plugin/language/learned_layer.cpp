#include "plugin/language/learned_layer.hpp"

#include <filesystem>

#include "plugin/core/jsonc_document.hpp"

namespace rightmoment {

std::unique_ptr<LearnedLayer> load_learned_layer(const std::string& dir, Diagnostics& diags) {
  std::size_t before = diags.size();
  std::string path = (std::filesystem::path(dir) / kLearnedLayerManifest).string();
  auto doc = JsoncDocument::load(path, diags);
  if (!doc) return nullptr;
  const auto& root = doc->root();
  if (!root.is_object()) {
    diags.push_back(doc->error("", "language.jsonc must be a JSON object"));
    return nullptr;
  }
  for (const auto& [key, value] : root.items())
    if (key != "models" && key != "thresholds" && key != "trained")
      diags.push_back(doc->error("/" + key, "unknown key (models, thresholds, trained)"));

  auto layer = std::make_unique<LearnedLayer>();
  if (!root.contains("models") || !root["models"].is_object()) {
    diags.push_back(doc->error("/models", "names the model of each speaker: {\"customer\": FILE, \"agent\": FILE}"));
  } else {
    for (const auto& [speaker, file] : root["models"].items()) {
      std::string key = "/models/" + speaker;
      if (speaker != "customer" && speaker != "agent") {
        diags.push_back(doc->error(key, "the speakers are customer and agent"));
        continue;
      }
      if (!file.is_string() || file.get<std::string>().empty()) {
        diags.push_back(doc->error(key, "must be the model's file name"));
        continue;
      }
      Diagnostics model_diags;
      auto model = IntentClassifier::load((std::filesystem::path(dir) / file.get<std::string>()).string(), model_diags);
      for (const auto& d : model_diags) diags.push_back(doc->error(key, d.file + ": " + d.message));
      (speaker == "agent" ? layer->agent : layer->customer) = std::move(model);
    }
  }
  if (root.contains("thresholds")) {
    const auto& t = root["thresholds"];
    if (!t.is_object()) diags.push_back(doc->error("/thresholds", "must map each intent to {\"alone\": P, \"with_pattern\": P}"));
    else
      for (const auto& [intent, v] : t.items()) {
        std::string key = "/thresholds/" + intent;
        IntentThreshold th;
        bool ok = v.is_object();
        for (const char* field : {"alone", "with_pattern"}) {
          if (!ok) break;
          if (!v.contains(field) || !v[field].is_number() || v[field].get<double>() < 0 || v[field].get<double>() > 1) {
            diags.push_back(doc->error(key + "/" + field, "must be a probability between 0 and 1"));
            ok = false;
          }
        }
        if (!v.is_object()) diags.push_back(doc->error(key, "must be {\"alone\": P, \"with_pattern\": P}"));
        if (!ok) continue;
        th.alone = v["alone"].get<double>();
        th.with_pattern = v["with_pattern"].get<double>();
        layer->thresholds[intent] = th;
      }
  }
  if (diags.size() != before) return nullptr;
  return layer;
}

}  // namespace rightmoment
