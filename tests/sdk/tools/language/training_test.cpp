// Training is reproducible: the same corpus gives the same model bytes. And a trained model folder
// loads into the analyzer, whose learned layer then fires on words no pattern lists.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "sdk/tools/language/corpus_split.hpp"
#include "sdk/tools/language/trainer.hpp"
#include "sdk/tools/language/variants.hpp"

namespace rightmoment::language_tools {
namespace {

namespace fs = std::filesystem;

// Invented rows, kept to those the split puts in train.
std::vector<CorpusLine> tiny_corpus() {
  std::vector<CorpusLine> rows;
  const char* angry[] = {"I am absolutely seething", "this is a total shambles", "nobody ever rings me back",
                         "I have had it up to here", "what a palaver this has been"};
  const char* plain[] = {"can you read me the balance", "the parcel arrived this morning", "my postcode is the same",
                         "thanks, that is lovely", "could you spell the reference"};
  const char* agent[] = {"let me check that for you", "thanks for holding", "your reference is on the email"};
  const char* blame[] = {"that is your own fault", "you should have read the terms", "you clearly did not listen"};
  for (int i = 0; i < 12; ++i) {
    std::string n = " (" + std::to_string(i) + ")";
    for (auto* a : angry) rows.push_back({"frustration", "customer", "-", "direct", a + n, a, "t:" + std::to_string(rows.size()), {}});
    for (auto* p : plain) rows.push_back({"none", "customer", "-", "neutral", p + n, "-", "t:" + std::to_string(rows.size()), {}});
    for (auto* a : agent) rows.push_back({"none", "agent", "-", "neutral", a + n, "-", "t:" + std::to_string(rows.size()), {}});
    for (auto* b : blame) rows.push_back({"blame", "agent", "-", "direct", b + n, b, "t:" + std::to_string(rows.size()), {}});
  }
  std::erase_if(rows, [](const CorpusLine& r) { return split_of(r.text) != Split::Train; });
  return rows;
}

std::string bytes_of(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST(Training, TheSameCorpusGivesTheSameModelBytes) {
  auto rows = tiny_corpus();
  ASSERT_GT(rows.size(), 50u);
  TrainSettings s;
  s.dim = 8;
  s.epoch = 3;
  s.bucket = 2000;
  std::string a = ::testing::TempDir() + "/train_a", b = ::testing::TempDir() + "/train_b";
  std::ostringstream log;
  Diagnostics diags;
  ASSERT_TRUE(train_models(rows, a, s, log, diags)) << join_diagnostics(diags);
  ASSERT_TRUE(train_models(rows, b, s, log, diags)) << join_diagnostics(diags);
  for (const char* m : {"customer.bin", "agent.bin"}) {
    std::string x = bytes_of(a + "/" + m), y = bytes_of(b + "/" + m);
    EXPECT_GT(x.size(), 1000u) << m;
    EXPECT_TRUE(x == y) << m << " differs between two trainings on the same corpus";
  }
}

// --pretrained-vectors: the corpus's words start from the vectors given (so the model differs), and
// a file of another dimension is refused with fastText's reason, naming the model.
TEST(Training, PretrainedVectorsAreTheStartAndAWrongDimensionIsADiagnostic) {
  auto rows = tiny_corpus();
  TrainSettings s;
  s.dim = 8;
  s.epoch = 3;
  s.bucket = 2000;
  std::string vec = ::testing::TempDir() + "/tiny.vec";
  std::ofstream(vec) << "3 8\nthe 1 0 0 0 0 0 0 1\ncancel 0 1 0 0 0 0 1 0\nfuming 0 0 1 0 0 1 0 0\n";
  std::string plain = ::testing::TempDir() + "/train_plain", started = ::testing::TempDir() + "/train_pretrained";
  std::ostringstream log;
  Diagnostics diags;
  ASSERT_TRUE(train_models(rows, plain, s, log, diags)) << join_diagnostics(diags);
  s.pretrained_vectors = vec;
  ASSERT_TRUE(train_models(rows, started, s, log, diags)) << join_diagnostics(diags);
  EXPECT_NE(bytes_of(plain + "/customer.bin"), bytes_of(started + "/customer.bin"));

  s.dim = 16;
  Diagnostics wrong;
  EXPECT_FALSE(train_models(rows, ::testing::TempDir() + "/train_wrong_dim", s, log, wrong));
  std::string text = join_diagnostics(wrong);
  EXPECT_NE(text.find("customer.bin"), std::string::npos) << text;
  EXPECT_NE(text.find("fastText: "), std::string::npos) << text;
  EXPECT_FALSE(std::filesystem::exists(::testing::TempDir() + "/train_wrong_dim/customer.train.txt"));
}

TEST(Training, RefusesRowsOutsideTheTrainSplit) {
  CorpusLine test_row{"none", "customer", "-", "neutral", "Hello.", "-", "x:1", {}};
  ASSERT_EQ(split_of(test_row.text), Split::Test);
  std::ostringstream log;
  Diagnostics diags;
  EXPECT_FALSE(train_models({test_row}, ::testing::TempDir() + "/train_refused", TrainSettings{}, log, diags));
  EXPECT_NE(join_diagnostics(diags).find("outside the train split"), std::string::npos);
}

TEST(Training, TheLinesOfAModelAreItsRowsTheirRecogniserStyleAndComposedLongTurns) {
  auto rows = tiny_corpus();
  auto lines = training_lines(rows, "agent");
  std::size_t agent_rows = 0;
  for (const auto& r : rows) agent_rows += r.speaker == "agent";
  EXPECT_GT(lines.size(), 2 * agent_rows);
  for (const auto& l : lines) {
    EXPECT_TRUE(l.rfind("__label__none ", 0) == 0 || l.rfind("__label__blame ", 0) == 0) << l;
    EXPECT_EQ(l.substr(l.find(' ')).find_first_of(".,'?!()"), std::string::npos) << "normalised words only: " << l;
  }
}

}  // namespace
}  // namespace rightmoment::language_tools
