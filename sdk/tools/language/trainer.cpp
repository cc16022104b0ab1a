#include "sdk/tools/language/trainer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include <fasttext/fasttext.h>
#include <nlohmann/json.hpp>

#include "plugin/language/intent_classifier.hpp"
#include "sdk/tools/language/corpus_split.hpp"
#include "sdk/tools/language/variants.hpp"

namespace rightmoment::language_tools {
namespace fs = std::filesystem;

namespace {

// fastText's labels for a row: every intent it shows (one-vs-all: each is its own yes/no), and for a
// life event of its own also the detail ("life_event.birthday"), from which the plugin reports it.
std::string labels_of(const CorpusLine& r) {
  std::string out = "__label__" + r.intent;
  if (r.intent == "life_event") out += " __label__life_event." + r.detail;
  for (const auto& a : r.also) out += " __label__" + a;
  return out;
}

std::string feature_text(std::string_view text) {
  std::vector<std::string> words;
  std::vector<std::size_t> token_of;
  classifier_words(normalise_text(text), words, token_of);
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

}  // namespace

std::string model_file_name(const std::string& speaker, const TrainSettings& settings) {
  return speaker + (settings.quantize ? ".ftz" : ".bin");
}

std::vector<std::string> training_lines(const std::vector<CorpusLine>& train_rows, const std::string& speaker) {
  std::vector<CorpusLine> rows;
  for (const auto& r : train_rows)
    if (r.speaker == speaker) rows.push_back(r);
  std::vector<CorpusLine> all = rows;
  auto composed = composed_long_turns(rows);
  all.insert(all.end(), composed.begin(), composed.end());
  std::size_t written = all.size();
  for (std::size_t i = 0; i < written; ++i) all.push_back(recogniser_style(all[i]));
  // A quote alone shows its line's own intent; whether it shows the intents the line also shows, the
  // labels do not say, so lines with `also` give none.
  for (const auto& r : rows)
    if (r.intent != "none" && r.quote != r.text && r.also.empty()) {
      CorpusLine q = r;
      q.text = r.quote;
      all.push_back(q);
    }
  // One line per distinct (label, words), in an order fixed by their words alone.
  std::set<std::pair<std::uint64_t, std::string>> ordered;
  for (const auto& r : all) {
    std::string words = feature_text(r.text);
    if (words.empty()) continue;
    std::string line = labels_of(r) + " " + words;
    ordered.emplace(fnv1a64(line), line);
  }
  std::vector<std::string> out;
  for (auto& [h, line] : ordered) out.push_back(line);
  return out;
}

bool train_models(const std::vector<CorpusLine>& train_rows, const std::string& out_dir, const TrainSettings& settings,
                  std::ostream& log, Diagnostics& diags) {
  for (const auto& r : train_rows)
    if (split_of(r.text) != Split::Train) {
      diags.push_back(Diagnostic{r.source, 0, "", "a row outside the train split was given to training"});
      return false;
    }
  fs::create_directories(out_dir);
  for (const std::string speaker : {"customer", "agent"}) {
    auto lines = training_lines(train_rows, speaker);
    if (lines.empty()) {
      diags.push_back(Diagnostic{out_dir, 0, "", "no " + speaker + " rows in the train split"});
      return false;
    }
    std::string input = (fs::path(out_dir) / (speaker + ".train.txt")).string();
    {
      std::ofstream f(input, std::ios::binary | std::ios::trunc);
      for (const auto& l : lines) f << l << '\n';
    }
    fasttext::Args a;
    a.input = input;
    a.model = fasttext::model_name::sup;
    a.loss = fasttext::loss_name::ova;
    a.dim = settings.dim;
    a.epoch = settings.epoch;
    a.lr = settings.lr;
    a.wordNgrams = settings.word_ngrams;
    a.minn = settings.minn;
    a.maxn = settings.maxn;
    a.bucket = settings.bucket;
    a.minCount = 1;
    a.thread = 1;
    a.seed = settings.seed;
    a.pretrainedVectors = settings.pretrained_vectors;
    a.verbose = 0;
    std::string model = (fs::path(out_dir) / model_file_name(speaker, settings)).string();
    try {
      fasttext::FastText ft;
      ft.train(a);
      if (settings.quantize) {
        fasttext::Args q = a;
        q.qout = false;
        q.retrain = false;
        q.qnorm = false;
        q.cutoff = 0;
        q.dsub = 2;
        ft.quantize(q);
      }
      ft.saveModel(model);
    } catch (const std::exception& e) {
      diags.push_back(Diagnostic{model, 0, "", std::string("fastText: ") + e.what()});
      fs::remove(input);
      return false;
    }
    fs::remove(input);
    log << model << ": " << lines.size() << " training lines\n";
  }
  return true;
}

std::map<std::string, IntentThreshold> calibrate(const LanguageAnalyzer& analyzer,
                                                 const std::vector<std::vector<CorpusLine>>& dev_sets,
                                                 double target_precision, double plain_weight, std::ostream& log) {
  // Evidence once per row; every threshold pair is then a count.
  struct Seen {
    bool gold;
    bool plain;  // labelled none: plain talk or a near miss
    IntentEvidence evidence;
  };
  std::map<std::string, std::vector<std::vector<Seen>>> by_intent;  // intent -> dev set -> rows
  for (std::size_t s = 0; s < dev_sets.size(); ++s) {
    for (const auto& r : dev_sets[s]) {
      if (r.source.find('~') != std::string::npos) continue;  // a partial's prefix
      for (auto& e : analyzer.evidence(r.text, r.speaker == "agent" ? Speaker::Agent : Speaker::Customer)) {
        auto& sets = by_intent[e.intent];
        sets.resize(dev_sets.size());
        sets[s].push_back(Seen{r.shows(e.intent), r.intent == "none", std::move(e)});
      }
    }
  }
  // fastText is confident (many of its mistakes score above 0.99), so the grid goes on towards 1 in
  // steps of a tenth of what is left.
  // The learned layer may veto a pattern only when it is fairly sure the words mean something else
  // (with_pattern at most 0.5): the patterns keep their precision, and their phrasings keep firing.
  std::vector<double> alone_grid, pattern_grid{0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5};
  for (int i = 20; i <= 99; ++i) alone_grid.push_back(i / 100.0);
  for (double rest : {5e-3, 2e-3, 1e-3, 5e-4, 2e-4, 1e-4, 5e-5, 2e-5, 1e-5, 5e-6, 2e-6, 1e-6, 5e-7, 2e-7})
    alone_grid.push_back(1.0 - rest);
  std::map<std::string, IntentThreshold> out;
  for (const auto& [intent, sets] : by_intent) {
    IntentThreshold best{1.0, 1.0};
    double best_recall = -1, best_precision = 0;
    for (double with_pattern : pattern_grid) {
      for (double alone : alone_grid) {
        IntentThreshold t{alone, with_pattern};
        double worst_precision = 1, recall_sum = 0;
        for (const auto& rows : sets) {
          std::size_t tp = 0, gold = 0;
          double false_alarms = 0;
          for (const auto& seen : rows) {
            bool f = intent_fires(seen.evidence, t);
            gold += seen.gold;
            tp += f && seen.gold;
            if (f && !seen.gold) false_alarms += seen.plain ? plain_weight : 1.0;
          }
          double precision = tp + false_alarms > 0 ? double(tp) / (double(tp) + false_alarms) : 1.0;
          worst_precision = std::min(worst_precision, precision);
          recall_sum += gold ? double(tp) / double(gold) : 1.0;
        }
        double recall = recall_sum / double(sets.size());
        // The highest recall at the target precision; when no pair reaches it, the best F0.5 (precision
        // weighs twice as much as recall: a prompt on a neutral line is a false alarm an agent sees).
        auto f_half = [](double p, double r) { return p + r > 0 ? 1.25 * p * r / (0.25 * p + r) : 0.0; };
        bool meets = worst_precision >= target_precision;
        bool best_meets = best_precision >= target_precision;
        if ((meets && (!best_meets || recall > best_recall + 1e-12)) ||
            (!meets && !best_meets && f_half(worst_precision, recall) > f_half(best_precision, best_recall) + 1e-12)) {
          best = t;
          best_recall = recall;
          best_precision = worst_precision;
        }
      }
    }
    out[intent] = best;
    char line[200];
    std::snprintf(line, sizeof line, "%-24s alone >= %.7f, with a pattern >= %.2f: dev precision (weighted) %.3f, recall %.3f\n",
                  intent.c_str(), best.alone, best.with_pattern, best_precision, best_recall);
    log << line;
  }
  return out;
}

bool write_manifest(const std::string& out_dir, const std::map<std::string, IntentThreshold>& thresholds,
                    const TrainSettings& settings, const std::map<std::string, std::size_t>& counts, Diagnostics& diags) {
  nlohmann::ordered_json j;
  j["models"] = {{"customer", model_file_name("customer", settings)}, {"agent", model_file_name("agent", settings)}};
  nlohmann::ordered_json t = nlohmann::ordered_json::object();
  for (const auto& [intent, th] : thresholds) {
    // As calibrated on the grid, so that the file reads as it was chosen.
    t[intent] = {{"alone", std::round(th.alone * 1e7) / 1e7}, {"with_pattern", std::round(th.with_pattern * 100) / 100}};
  }
  j["thresholds"] = t;
  nlohmann::ordered_json trained;
  trained["by"] = "rightmoment-language train (fastText 0.9.2, one thread)";
  trained["settings"] = {{"dim", settings.dim},   {"epoch", settings.epoch},        {"lr", settings.lr},
                         {"wordNgrams", settings.word_ngrams}, {"minn", settings.minn}, {"maxn", settings.maxn},
                         {"bucket", settings.bucket}, {"seed", settings.seed},       {"quantized", settings.quantize},
                         {"target_precision", settings.target_precision}, {"plain_weight", settings.plain_weight}};
  if (!settings.pretrained_vectors.empty())
    trained["settings"]["pretrained_vectors"] = fs::path(settings.pretrained_vectors).filename().string();
  for (const auto& [k, v] : counts) trained["rows"][k] = v;
  j["trained"] = trained;
  std::string path = (fs::path(out_dir) / "language.jsonc").string();
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << "// The learned language layer (docs/language.md), written by `rightmoment-language train`: retrain\n"
       "// rather than edit. The plugin configuration may override an intent's threshold (rules.intent_thresholds).\n"
    << j.dump(2) << "\n";
  if (!f) {
    diags.push_back(Diagnostic{path, 0, "", "cannot write"});
    return false;
  }
  return true;
}

}  // namespace rightmoment::language_tools
