// The learned layer reads a model as fastText itself does: the same probabilities for a line, and for
// any span of it the probabilities fastText gives that span read alone. A model or manifest that is
// wrong is refused with the file, line and key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fasttext/fasttext.h>

#include "plugin/language/intent_classifier.hpp"
#include "plugin/language/learned_layer.hpp"

namespace rightmoment {
namespace {

namespace fs = std::filesystem;

// A small model trained here: a few hundred invented lines, three labels; softmax, or one-vs-all (a
// sigmoid per label, as `rightmoment-language train` trains).
std::string train_tiny_model(fasttext::loss_name loss, int word_ngrams = 2) {
  std::string dir = ::testing::TempDir() + (loss == fasttext::loss_name::ova ? "/tiny_model_ova" : "/tiny_model") +
                    (word_ngrams == 2 ? "" : "_" + std::to_string(word_ngrams));
  fs::create_directories(dir);
  std::ofstream f(dir + "/train.txt");
  const char* angry[] = {"this is a joke", "i am fuming", "nobody ever calls back", "what a shambles", "i am fed up"};
  const char* leave[] = {"i want to cancel", "i am switching provider", "close my account", "i am off to a rival"};
  const char* plain[] = {"what is my balance", "thanks that is great", "can you spell that", "the parcel came today"};
  for (int i = 0; i < 40; ++i) {
    for (auto* a : angry) f << "__label__frustration " << a << " again\n";
    for (auto* l : leave) f << "__label__churn_intent " << l << " today\n";
    for (auto* p : plain) f << "__label__none " << p << " please\n";
  }
  f.close();
  fasttext::Args a;
  a.input = dir + "/train.txt";
  a.model = fasttext::model_name::sup;
  a.loss = loss;
  a.dim = 8;
  a.epoch = 5;
  a.lr = 0.5;
  a.wordNgrams = word_ngrams;
  a.minn = 3;
  a.maxn = 5;
  a.bucket = 2000;
  a.minCount = 1;
  a.thread = 1;
  a.seed = 1;
  a.verbose = 0;
  fasttext::FastText ft;
  ft.train(a);
  ft.saveModel(dir + "/customer.bin");
  return dir + "/customer.bin";
}
const std::string& tiny_model() {
  static const std::string path = train_tiny_model(fasttext::loss_name::softmax);
  return path;
}
const std::string& tiny_trigram_model() {
  static const std::string path = train_tiny_model(fasttext::loss_name::softmax, 3);
  return path;
}
const std::string& tiny_ova_model() {
  static const std::string path = train_tiny_model(fasttext::loss_name::ova);
  return path;
}

std::vector<std::string> words_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::map<std::string, float> fasttext_says(const std::string& model, const std::string& line) {
  fasttext::FastText ft;
  ft.loadModel(model);
  std::vector<std::pair<fasttext::real, std::string>> predictions;
  std::istringstream in(line + "\n");
  ft.predictLine(in, predictions, -1, 0.0);
  std::map<std::string, float> out;
  for (auto& [p, label] : predictions) out[label.substr(9)] = p;
  return out;
}

void expect_every_span_as_fasttext_says(const std::string& model, float tolerance) {
  Diagnostics diags;
  auto c = IntentClassifier::load(model, diags);
  ASSERT_TRUE(c) << join_diagnostics(diags);
  ASSERT_EQ(c->labels().size(), 3u);
  auto words = words_of("honestly i am fuming and i want to cancel unseenword today");
  IntentClassifier::Reading reading;
  c->read(words, reading);
  std::vector<float> p;
  for (std::size_t b = 0; b < words.size(); ++b) {
    for (std::size_t e = b + 1; e <= words.size(); ++e) {
      std::string span;
      for (std::size_t k = b; k < e; ++k) span += (k > b ? " " : "") + words[k];
      auto theirs = fasttext_says(model, span);
      c->probabilities(reading, b, e, p);
      for (std::size_t l = 0; l < p.size(); ++l)
        EXPECT_NEAR(p[l], theirs[c->labels()[l]], tolerance) << "'" << span << "', " << c->labels()[l];
    }
  }
}

TEST(IntentClassifier, ScoresALineAndEverySpanOfItAsFastTextDoes) { expect_every_span_as_fasttext_says(tiny_model(), 1e-4f); }

TEST(IntentClassifier, ScoresEverySpanAsFastTextDoesWithWordTrigrams) {
  expect_every_span_as_fasttext_says(tiny_trigram_model(), 1e-4f);
}

// fastText's predictions read its sigmoid from a table (512 steps over [-8, 8], 0 and 1 beyond); the
// classifier computes it, so that scores above 0.9997 still rank.
TEST(IntentClassifier, ScoresEachLabelOnItsOwnInAOneVsAllModelAsFastTextDoes) {
  expect_every_span_as_fasttext_says(tiny_ova_model(), 0.01f);
}

TEST(IntentClassifier, AFileThatIsNoModelIsRefused) {
  std::string bad = ::testing::TempDir() + "/not_a_model.bin";
  std::ofstream(bad) << "hello";
  Diagnostics diags;
  EXPECT_FALSE(IntentClassifier::load(bad, diags));
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].file, bad);
  diags.clear();
  EXPECT_FALSE(IntentClassifier::load(bad + ".missing", diags));
  EXPECT_NE(join_diagnostics(diags).find("does not exist"), std::string::npos);
}

TEST(LearnedLayer, AManifestMistakeNamesFileLineAndKey) {
  std::string dir = ::testing::TempDir() + "/bad_manifest";
  fs::create_directories(dir);
  fs::copy_file(tiny_model(), dir + "/customer.bin", fs::copy_options::overwrite_existing);
  std::ofstream(dir + "/language.jsonc") << "{\n  \"models\": {\"customer\": \"customer.bin\"},\n"
                                            "  \"thresholds\": {\n    \"frustration\": {\"alone\": 1.5, \"with_pattern\": 0}\n  }\n}\n";
  Diagnostics diags;
  EXPECT_FALSE(load_learned_layer(dir, diags));
  ASSERT_EQ(diags.size(), 1u) << join_diagnostics(diags);
  EXPECT_EQ(diags[0].line, 4);
  EXPECT_EQ(diags[0].key, "/thresholds/frustration/alone");

  std::ofstream(dir + "/language.jsonc") << "{\"models\": {\"customer\": \"nope.bin\"}}";
  diags.clear();
  EXPECT_FALSE(load_learned_layer(dir, diags));
  EXPECT_NE(join_diagnostics(diags).find("nope.bin"), std::string::npos) << join_diagnostics(diags);

  std::ofstream(dir + "/language.jsonc") << "{\"models\": {\"customer\": \"customer.bin\"}, \"thresholds\": {}}";
  diags.clear();
  auto layer = load_learned_layer(dir, diags);
  ASSERT_TRUE(layer) << join_diagnostics(diags);
  EXPECT_TRUE(layer->customer);
  EXPECT_FALSE(layer->agent);
}

}  // namespace
}  // namespace rightmoment
