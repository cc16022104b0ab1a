// rightmoment-language: the operator's tool for the language corpus and the learned layer
// (docs/language.md).
//   rightmoment-language split CORPUS... --out DIR
//   rightmoment-language eval CORPUS... [--lexicons DIR] [--models DIR|none] [--mistakes N] [--floors P,R]
//   rightmoment-language train CORPUS... --out DIR [--lexicons DIR] [settings]
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "sdk/tools/language/corpus.hpp"
#include "sdk/tools/language/corpus_split.hpp"
#include "sdk/tools/language/evaluation.hpp"
#include "sdk/tools/language/trainer.hpp"
#include "sdk/tools/language/variants.hpp"

namespace {

using namespace rightmoment;
using namespace rightmoment::language_tools;

int usage() {
  std::cerr << "usage:\n"
               "  rightmoment-language split CORPUS... --out DIR\n"
               "  rightmoment-language eval CORPUS... [--lexicons DIR] [--models DIR|none] [--mistakes N] [--floors P,R]\n"
               "  rightmoment-language train CORPUS... --out DIR [--lexicons DIR] [--dim N] [--epoch N] [--lr X]\n"
               "      [--bucket N] [--minn N] [--maxn N] [--word-ngrams N] [--seed N] [--pretrained-vectors FILE.vec] [--quantize] [--target P] [--plain-weight W]\n"
               "CORPUS: corpus TSV files or folders of them (config/language/corpus)\n";
  return 2;
}

bool report(const Diagnostics& diags) {
  for (const auto& d : diags) std::cerr << d.to_string() << "\n";
  return diags.empty();
}

// Writes DIR/<split>.tsv for train, dev and test, and beside each its recogniser-style variant
// (<split>.asr.tsv) and its partial-transcript variant (<split>.partial.tsv, from the recogniser-style one).
int split_command(const std::vector<std::string>& args) {
  std::vector<std::string> inputs;
  std::string out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--out" && i + 1 < args.size()) out = args[++i];
    else if (!args[i].empty() && args[i][0] != '-') inputs.push_back(args[i]);
    else return usage();
  }
  if (inputs.empty() || out.empty()) return usage();
  Diagnostics diags;
  auto lines = read_corpus(inputs, diags);
  bool clean = report(diags);
  std::map<Split, std::vector<CorpusLine>> parts;
  for (auto& l : lines) parts[split_of(l.text)].push_back(std::move(l));
  std::filesystem::create_directories(out);
  Diagnostics wrote;
  for (Split s : {Split::Train, Split::Dev, Split::Test}) {
    std::string base = out + "/" + std::string(split_name(s));
    std::vector<CorpusLine> asr, partial;
    for (const auto& l : parts[s]) {
      asr.push_back(recogniser_style(l));
      auto p = partial_transcripts(asr.back());
      partial.insert(partial.end(), p.begin(), p.end());
    }
    write_corpus_file(base + ".tsv", parts[s], wrote);
    write_corpus_file(base + ".asr.tsv", asr, wrote);
    write_corpus_file(base + ".partial.tsv", partial, wrote);
    std::cout << base << ".tsv: " << parts[s].size() << " rows (and .asr.tsv, .partial.tsv: " << partial.size()
              << " prefixes and finals)\n";
  }
  if (!report(wrote)) return 1;
  return clean ? 0 : 1;
}

// Prints per intent precision, recall and confusions; with --floors, fails when any intent is below.
int eval_command(const std::vector<std::string>& args) {
  std::vector<std::string> inputs;
  LanguageOptions options{RIGHTMOMENT_SOURCE_DIR "/config/lexicons", RIGHTMOMENT_SOURCE_DIR "/config/models", {}};
  std::size_t mistakes = 0;
  double min_precision = -1, min_recall = -1;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--lexicons" && i + 1 < args.size()) options.lexicon_dir = args[++i];
    else if (args[i] == "--models" && i + 1 < args.size()) options.model_dir = args[++i] == "none" ? "" : args[i];
    else if (args[i] == "--mistakes" && i + 1 < args.size()) mistakes = std::stoul(args[++i]);
    else if (args[i] == "--floors" && i + 1 < args.size()) {
      if (std::sscanf(args[++i].c_str(), "%lf,%lf", &min_precision, &min_recall) != 2) return usage();
    } else if (!args[i].empty() && args[i][0] != '-') inputs.push_back(args[i]);
    else return usage();
  }
  if (inputs.empty()) return usage();
  Diagnostics diags;
  auto analyzer = load_language_analyzer(options, diags);
  if (!analyzer) {
    report(diags);
    return 1;
  }
  std::cout << "detectors: patterns (" << options.lexicon_dir << ")"
            << (analyzer->has_learned_layer() ? " and the learned layer (" + options.model_dir + ")" : "") << "\n";
  auto rows = read_corpus(inputs, diags);
  if (!report(diags)) return 1;
  auto result = evaluate(*analyzer, rows);
  std::cout << format_report(result, mistakes);
  if (min_precision < 0) return 0;
  bool ok = true;
  for (const auto& [intent, c] : result.intents) {
    if (c.gold == 0) {
      std::cout << "not judged against the floors: no row is labelled " << intent << "\n";
      continue;
    }
    if (c.precision() < min_precision || c.recall() < min_recall) {
      std::cout << "below the floors (precision " << min_precision << ", recall " << min_recall << "): " << intent << "\n";
      ok = false;
    }
  }
  return ok ? 0 : 1;
}

// Trains on the train split, calibrates on dev, writes the model folder; never reads test rows.
int train_command(const std::vector<std::string>& args) {
  std::vector<std::string> inputs;
  std::string out, lexicons = RIGHTMOMENT_SOURCE_DIR "/config/lexicons";
  TrainSettings settings;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool value = i + 1 < args.size();
    if (a == "--out" && value) out = args[++i];
    else if (a == "--lexicons" && value) lexicons = args[++i];
    else if (a == "--dim" && value) settings.dim = std::stoi(args[++i]);
    else if (a == "--epoch" && value) settings.epoch = std::stoi(args[++i]);
    else if (a == "--lr" && value) settings.lr = std::stod(args[++i]);
    else if (a == "--bucket" && value) settings.bucket = std::stoi(args[++i]);
    else if (a == "--minn" && value) settings.minn = std::stoi(args[++i]);
    else if (a == "--maxn" && value) settings.maxn = std::stoi(args[++i]);
    else if (a == "--word-ngrams" && value) settings.word_ngrams = std::stoi(args[++i]);
    else if (a == "--seed" && value) settings.seed = std::stoi(args[++i]);
    else if (a == "--pretrained-vectors" && value) settings.pretrained_vectors = args[++i];
    else if (a == "--target" && value) settings.target_precision = std::stod(args[++i]);
    else if (a == "--plain-weight" && value) settings.plain_weight = std::stod(args[++i]);
    else if (a == "--quantize") settings.quantize = true;
    else if (!a.empty() && a[0] != '-') inputs.push_back(a);
    else return usage();
  }
  if (inputs.empty() || out.empty()) return usage();
  Diagnostics diags;
  auto lines = read_corpus(inputs, diags);
  if (!report(diags)) return 1;
  std::vector<CorpusLine> train, dev;
  std::size_t held_out = 0;
  for (auto& l : lines) {
    Split s = split_of(l.text);
    if (s == Split::Train) train.push_back(std::move(l));
    else if (s == Split::Dev) dev.push_back(std::move(l));
    else ++held_out;  // the test split: never read here
  }
  lines.clear();
  std::cout << "train " << train.size() << " rows, dev " << dev.size() << " rows (" << held_out
            << " test rows left unread)\n";
  if (!train_models(train, out, settings, std::cout, diags)) return report(diags), 1;
  // Load the new models without thresholds, calibrate on dev and its recogniser-style variant.
  std::map<std::string, std::size_t> counts{{"train", train.size()}, {"dev", dev.size()}};
  if (!write_manifest(out, {}, settings, counts, diags)) return report(diags), 1;
  LanguageOptions options{lexicons, out, {}};
  auto analyzer = load_language_analyzer(options, diags);
  if (!analyzer) return report(diags), 1;
  std::vector<CorpusLine> dev_asr;
  for (const auto& l : dev) dev_asr.push_back(recogniser_style(l));
  auto thresholds = calibrate(*analyzer, {dev, dev_asr}, settings.target_precision, settings.plain_weight, std::cout);
  if (!write_manifest(out, thresholds, settings, counts, diags)) return report(diags), 1;
  analyzer = load_language_analyzer(options, diags);
  if (!analyzer) return report(diags), 1;
  std::cout << "dev:\n" << format_report(evaluate(*analyzer, dev), 0) << "dev, recogniser-style:\n"
            << format_report(evaluate(*analyzer, dev_asr), 0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "split") return split_command(args);
  if (command == "eval") return eval_command(args);
  if (command == "train") return train_command(args);
  return usage();
}
