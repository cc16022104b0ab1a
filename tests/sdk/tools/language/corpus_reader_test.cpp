// The corpus reader: six columns (older files), seven with `also` (the corpus), derived files with a
// `source` column after them; and the eval's multi-label counting (a firing is right when the line
// shows the intent, as its own or in `also`).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "sdk/tools/language/corpus.hpp"
#include "sdk/tools/language/evaluation.hpp"

namespace rightmoment::language_tools {
namespace {
namespace fs = std::filesystem;

std::string write_temp(const std::string& name, const std::string& body) {
  const char* base = std::getenv("RIGHTMOMENT_TEST_TMP");
  fs::path dir = fs::path(base ? base : fs::temp_directory_path().string()) / ("corpus_reader_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << body;
  return path;
}

TEST(CorpusReader, SixColumnsWithoutAlsoStillRead) {
  Diagnostics diags;
  auto rows = read_corpus_file(write_temp("six.tsv", "intent\tspeaker\tdetail\tcategory\ttext\tquote\n"
                                                     "churn_intent\tcustomer\t-\tdirect\tI'm leaving you.\tI'm leaving you\n"),
                               diags);
  ASSERT_TRUE(diags.empty()) << diags[0].message;
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].also.empty());
  EXPECT_EQ(rows[0].source, "six.tsv:2");
}

TEST(CorpusReader, TheSeventhColumnOfTheCorpusIsAlso) {
  Diagnostics diags;
  auto rows = read_corpus_file(
      write_temp("seven.tsv", "intent\tspeaker\tdetail\tcategory\ttext\tquote\talso\n"
                              "public_feedback_threat\tcustomer\t-\tdirect\tI'm posting this on Twitter, I'm livid.\tposting this on Twitter\tfrustration,churn_intent\n"
                              "none\tcustomer\t-\tneutral\tMy postcode is the same.\t-\t-\n"),
      diags);
  ASSERT_TRUE(diags.empty()) << diags[0].message;
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].also, (std::vector<std::string>{"frustration", "churn_intent"}));
  EXPECT_EQ(rows[0].source, "seven.tsv:2") << "the seventh column is not the source";
  EXPECT_TRUE(rows[0].shows("frustration"));
  EXPECT_FALSE(rows[0].shows("life_event"));
  EXPECT_TRUE(rows[1].also.empty());
}

TEST(CorpusReader, ADerivedFileKeepsAlsoAndSourceThroughWriting) {
  Diagnostics diags;
  CorpusLine l{"churn_intent", "customer", "-", "direct", "I've had enough, I'm off.", "I'm off", "c.tsv:7", {"frustration"}};
  std::string path = write_temp("derived.tsv", "");
  ASSERT_TRUE(write_corpus_file(path, {l}, diags));
  auto rows = read_corpus_file(path, diags);
  ASSERT_TRUE(diags.empty()) << diags[0].message;
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].also, l.also);
  EXPECT_EQ(rows[0].source, "c.tsv:7");
  // a derived file of the previous format: six columns and source
  rows = read_corpus_file(write_temp("old.tsv", "intent\tspeaker\tdetail\tcategory\ttext\tquote\tsource\n"
                                                "none\tagent\t-\tneutral\tThanks for holding.\t-\tn.tsv:3\n"),
                          diags);
  ASSERT_TRUE(diags.empty()) << diags[0].message;
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].source, "n.tsv:3");
}

TEST(CorpusReader, ABadAlsoIsADiagnosticNamingFileAndLine) {
  Diagnostics diags;
  auto rows = read_corpus_file(
      write_temp("bad.tsv", "intent\tspeaker\tdetail\tcategory\ttext\tquote\talso\n"
                            "churn_intent\tcustomer\t-\tdirect\tI'm leaving.\tI'm leaving\tblame\n"            // agent's intent
                            "churn_intent\tcustomer\t-\tdirect\tI'm off.\tI'm off\tchurn_intent\n"             // its own
                            "none\tcustomer\t-\tneutral\tHello there.\t-\tfrustration\n"                       // none shows none
                            "churn_intent\tcustomer\t-\tdirect\tI'm going.\tI'm going\tgrumpy\n"               // unknown
                            "churn_intent\tcustomer\t-\tdirect\tBye now.\tBye now\tfrustration\textra\n"),     // 8 fields
      diags);
  EXPECT_TRUE(rows.empty());
  ASSERT_EQ(diags.size(), 5u);
  for (std::size_t i = 0; i < diags.size(); ++i) EXPECT_EQ(diags[i].line, static_cast<int>(i) + 2) << diags[i].message;
  EXPECT_EQ(diags[0].key, "also");
}

// An analyzer that fires a fixed set of intents on every utterance.
class Fires final : public LanguageAnalyzer {
 public:
  explicit Fires(std::vector<std::string> intents) : intents_(std::move(intents)) {}
  UtteranceSignals analyze(std::string_view text, Speaker) const override {
    UtteranceSignals s;
    for (const auto& i : intents_) s.intents.push_back(IntentHit{i, "", std::string(text)});
    return s;
  }
  std::vector<std::string> intent_names() const override { return intents_; }

 private:
  std::vector<std::string> intents_;
};

TEST(Evaluation, AFiringOnAnIntentTheLineAlsoShowsIsRightAndCountsForRecall) {
  std::vector<CorpusLine> rows{
      {"public_feedback_threat", "customer", "-", "direct", "I'm posting this, I'm livid.", "I'm posting this", "p:1", {"frustration"}},
      {"churn_intent", "customer", "-", "direct", "I'm off.", "I'm off", "c:1", {}}};
  auto both = evaluate(Fires({"public_feedback_threat", "frustration"}), rows);
  EXPECT_EQ(both.intents.at("frustration").gold, 1u);
  EXPECT_EQ(both.intents.at("frustration").true_positives, 1u);
  EXPECT_EQ(both.intents.at("frustration").fired, 2u);  // wrong on the churn line
  EXPECT_EQ(both.intents.at("public_feedback_threat").true_positives, 1u);
  EXPECT_EQ(both.intents.at("public_feedback_threat").own_true_positives, 1u);
  auto own_only = evaluate(Fires({"public_feedback_threat"}), rows);
  EXPECT_DOUBLE_EQ(own_only.intents.at("frustration").recall(), 0.0) << "an also intent not found is a miss";
  ASSERT_FALSE(own_only.mistakes.empty());
  EXPECT_EQ(own_only.mistakes[0].gold, "public_feedback_threat+frustration");
}

}  // namespace
}  // namespace rightmoment::language_tools
