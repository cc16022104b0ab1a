#pragma once
// The learned layer's classifier: a fastText supervised model (docs/dependencies.md), read once at load
// into a dense table, then scored on any span of an utterance's words without reading it again.
//
// fastText represents a text as the average of the vectors of its words, their character n-grams
// (so an unseen word or spelling still counts through its pieces) and its word bigrams, and scores
// each label from that average (with -wordNgrams 3, its word trigrams too). Because the average is a sum, the vectors of each word are looked up
// once per utterance and kept as prefix sums; a clause, the whole turn or a window then costs one
// subtraction and one small matrix product. The word ids are fastText's own (its dictionary, hashing
// and n-grams); the loader checks them against fastText's getLine on probe sentences and refuses a
// model this code would read differently (a pruned model, word n-grams longer than 3).
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/core/diagnostic.hpp"
#include "plugin/language/text_normaliser.hpp"

namespace fasttext {
class Dictionary;
}

namespace rightmoment {

// The words the classifier reads, in training and in the plugin alike: the normalised tokens, digits
// said as words ("3rd" -> "third", "£40" -> "forty pounds"); token_of[i] is the token word i came from.
void classifier_words(const std::vector<Token>& tokens, std::vector<std::string>& words, std::vector<std::size_t>& token_of);

class IntentClassifier {
 public:
  // Reads a model written by fastText's saveModel (.bin, or quantised .ftz). Labels are the model's
  // own, without fastText's "__label__" prefix. On error: nullptr and a diagnostic naming the file.
  static std::unique_ptr<IntentClassifier> load(const std::string& path, Diagnostics& diags);
  ~IntentClassifier();

  const std::vector<std::string>& labels() const { return labels_; }
  std::size_t dimension() const { return dim_; }

  // The vectors of one utterance's words, as prefix sums.
  class Reading {
   public:
    std::size_t words() const { return words_; }

   private:
    friend class IntentClassifier;
    std::size_t words_ = 0;
    std::vector<float> unigrams_;   // (words + 1) x dim: prefix sums of each word's own and subword rows
    std::vector<float> bigrams_;    // (words + 1) x dim: prefix sums of the bigram (i-1, i) row, at i
    std::vector<float> last_;       // words x dim: the bigram of word i with the end of the line
    std::vector<float> trigrams_;   // (words + 1) x dim, word trigrams only: the trigram (i-2, i-1, i) row, at i
    std::vector<float> last3_;      // words x dim, word trigrams only: the trigram (i-1, i, end of line), at i
    std::vector<std::size_t> counts_;  // words + 1: prefix sums of rows per word
  };
  void read(const std::vector<std::string>& words, Reading& out) const;

  // The probability of each label (in labels() order) for words [begin, end) of the reading, read
  // as fastText reads a line of just those words: one-vs-all (each label on its own, as the models of
  // `rightmoment-language train` are), or softmax (the labels sum to 1).
  void probabilities(const Reading& reading, std::size_t begin, std::size_t end, std::vector<float>& out) const;

 private:
  IntentClassifier() = default;
  void add_vector(const float* v, float* into) const;  // into += v (dim floats)
  void add_row(std::int64_t row, float* into) const;
  bool check_ids(Diagnostics& diags, const std::string& path) const;
  // fastText's id of a word (-1 when the model lacks it), and its hash for word n-grams.
  std::int32_t word_id(const std::string& word, std::int32_t& hash) const;
  // The input rows of a word of that id: its own and its character n-grams (only those, when unknown).
  void word_rows(const std::string& word, std::int32_t id, std::vector<std::int32_t>& rows) const;
  std::int64_t bigram_row(std::int32_t a, std::int32_t b) const;
  std::int64_t trigram_row(std::int32_t a, std::int32_t b, std::int32_t c) const;

  std::shared_ptr<const fasttext::Dictionary> dict_;
  std::vector<std::string> labels_;
  std::size_t dim_ = 0;
  std::int64_t nwords_ = 0;
  std::int64_t bucket_ = 0;
  int word_ngrams_ = 1;
  bool one_vs_all_ = false;  // -loss ova: a sigmoid per label; else softmax over the labels
  std::int32_t eos_hash_ = 0;
  std::int64_t eos_row_ = -1;
  std::vector<float> input_;   // (nwords + bucket) x dim
  std::vector<float> output_;  // labels x dim
  std::vector<float> word_sums_;              // nwords x dim: each known word's rows, summed at load
  std::vector<std::size_t> word_row_counts_;  // nwords: how many rows each of those sums holds
};

}  // namespace rightmoment
