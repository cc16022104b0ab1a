// rightmoment-language: the operator's tool for the language corpus and the learned layer
// (docs/language.md).
//   rightmoment-language split CORPUS... --out DIR
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "sdk/tools/language/corpus.hpp"
#include "sdk/tools/language/corpus_split.hpp"

namespace {

using namespace rightmoment;
using namespace rightmoment::language_tools;

int usage() {
  std::cerr << "usage:\n"
               "  rightmoment-language split CORPUS... --out DIR\n"
               "CORPUS: corpus TSV files or folders of them (config/language/corpus)\n";
  return 2;
}

bool report(const Diagnostics& diags) {
  for (const auto& d : diags) std::cerr << d.to_string() << "\n";
  return diags.empty();
}

// Writes DIR/train.tsv, dev.tsv and test.tsv.
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
    std::string path = out + "/" + std::string(split_name(s)) + ".tsv";
    write_corpus_file(path, parts[s], wrote);
    std::cout << path << ": " << parts[s].size() << " rows\n";
  }
  if (!report(wrote)) return 1;
  return clean ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "split") return split_command(args);
  return usage();
}
