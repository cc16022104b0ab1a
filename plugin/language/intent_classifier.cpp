#include "plugin/language/intent_classifier.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <sstream>

#include <fasttext/fasttext.h>

#include "plugin/language/number_words.hpp"

namespace rightmoment {

void classifier_words(const std::vector<Token>& tokens, std::vector<std::string>& words, std::vector<std::size_t>& token_of) {
  words.clear();
  token_of.clear();
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    const std::string& w = tokens[t].text;
    if (!std::any_of(w.begin(), w.end(), [](unsigned char c) { return std::isdigit(c); })) {
      words.push_back(w);
      token_of.push_back(t);
      continue;
    }
    std::string said = number_words(w);
    for (std::size_t b = 0; b < said.size();) {
      std::size_t e = said.find(' ', b);
      if (e == std::string::npos) e = said.size();
      if (e > b) {
        words.push_back(said.substr(b, e - b));
        token_of.push_back(t);
      }
      b = e + 1;
    }
  }
}

IntentClassifier::~IntentClassifier() = default;

std::unique_ptr<IntentClassifier> IntentClassifier::load(const std::string& path, Diagnostics& diags) {
  auto fail = [&](const std::string& message) {
    diags.push_back(Diagnostic{path, 0, "", message});
    return nullptr;
  };
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return fail("the model file does not exist");
  fasttext::FastText ft;
  try {
    ft.loadModel(path);
  } catch (const std::exception& e) {
    return fail(std::string("not a fastText model this build can read: ") + e.what());
  }
  fasttext::Args args = ft.getArgs();
  if (args.model != fasttext::model_name::sup) return fail("not a supervised (classifier) fastText model");
  if (args.loss != fasttext::loss_name::softmax && args.loss != fasttext::loss_name::ova)
    return fail("the classifier must be trained with -loss ova (or softmax)");
  if (args.wordNgrams < 1 || args.wordNgrams > 3) return fail("word n-grams of 1 to 3 only (-wordNgrams)");
  if (ft.isQuant() && args.qout) return fail("a model quantised with -qout is not supported");

  std::unique_ptr<IntentClassifier> c(new IntentClassifier);
  c->dict_ = ft.getDictionary();
  c->dim_ = static_cast<std::size_t>(ft.getDimension());
  c->nwords_ = c->dict_->nwords();
  c->bucket_ = args.bucket;
  c->word_ngrams_ = args.wordNgrams;
  c->one_vs_all_ = args.loss == fasttext::loss_name::ova;
  c->eos_hash_ = static_cast<std::int32_t>(c->dict_->hash(fasttext::Dictionary::EOS));
  c->eos_row_ = c->dict_->getId(fasttext::Dictionary::EOS);
  if (c->eos_row_ < 0) return fail("the model has no end-of-line word: not trained by fastText on lines");
  for (std::int32_t i = 0; i < c->dict_->nlabels(); ++i) {
    std::string label = c->dict_->getLabel(i);
    if (label.rfind(args.label, 0) == 0) label = label.substr(args.label.size());
    c->labels_.push_back(label);
  }
  if (c->labels_.empty()) return fail("the model has no labels");

  // The table of input vectors: words, then hashed subwords and word n-grams.
  std::int64_t rows = c->nwords_ + c->bucket_;
  c->input_.assign(static_cast<std::size_t>(rows) * c->dim_, 0.0f);
  fasttext::Vector v(static_cast<std::int64_t>(c->dim_));
  for (std::int64_t r = 0; r < rows; ++r) {
    ft.getInputVector(v, static_cast<std::int32_t>(r));
    std::copy(v.data(), v.data() + c->dim_, c->input_.begin() + r * static_cast<std::int64_t>(c->dim_));
  }
  auto out = ft.getOutputMatrix();
  if (out->rows() != static_cast<std::int64_t>(c->labels_.size()) || out->cols() != static_cast<std::int64_t>(c->dim_))
    return fail("the model's output matrix does not match its labels");
  c->output_.assign(out->data(), out->data() + out->rows() * out->cols());
  if (!c->check_ids(diags, path)) return nullptr;
  // A known word's rows (itself and its character n-grams) always sum to the same vector: summed once
  // here, a word read costs one row instead of five to ten scattered ones.
  c->word_sums_.assign(static_cast<std::size_t>(c->nwords_) * c->dim_, 0.0f);
  c->word_row_counts_.assign(static_cast<std::size_t>(c->nwords_), 0);
  for (std::int32_t id = 0; id < c->nwords_; ++id) {
    const auto& sub = c->dict_->getSubwords(id);
    float* sum = c->word_sums_.data() + static_cast<std::size_t>(id) * c->dim_;
    for (std::int32_t r : sub) c->add_row(r, sum);
    c->word_row_counts_[static_cast<std::size_t>(id)] = sub.size();
  }
  return c;
}

std::int32_t IntentClassifier::word_id(const std::string& word, std::int32_t& hash) const {
  std::uint32_t h = dict_->hash(word);
  hash = static_cast<std::int32_t>(h);
  return dict_->getId(word, h);
}

void IntentClassifier::word_rows(const std::string& word, std::int32_t id, std::vector<std::int32_t>& rows) const {
  if (id >= 0) {
    const auto& sub = dict_->getSubwords(id);
    rows.insert(rows.end(), sub.begin(), sub.end());
  } else {
    dict_->computeSubwords(fasttext::Dictionary::BOW + word + fasttext::Dictionary::EOW, rows);
  }
}

// fastText's word n-gram hash (Dictionary::addWordNgrams): the words' 32-bit hashes, sign-extended
// to 64 bits, combined, mod the buckets, after the words. check_ids() proves it matches.
std::int64_t IntentClassifier::bigram_row(std::int32_t a, std::int32_t b) const {
  std::uint64_t h = static_cast<std::uint64_t>(static_cast<std::int64_t>(a));
  h = h * 116049371 + static_cast<std::uint64_t>(static_cast<std::int64_t>(b));
  return nwords_ + static_cast<std::int64_t>(h % static_cast<std::uint64_t>(bucket_));
}

std::int64_t IntentClassifier::trigram_row(std::int32_t a, std::int32_t b, std::int32_t c) const {
  std::uint64_t h = static_cast<std::uint64_t>(static_cast<std::int64_t>(a));
  h = h * 116049371 + static_cast<std::uint64_t>(static_cast<std::int64_t>(b));
  h = h * 116049371 + static_cast<std::uint64_t>(static_cast<std::int64_t>(c));
  return nwords_ + static_cast<std::int64_t>(h % static_cast<std::uint64_t>(bucket_));
}

bool IntentClassifier::check_ids(Diagnostics& diags, const std::string& path) const {
  const char* probes[] = {"i want to cancel my contract", "zqxjv unseenword blorpification", "a", "the the the"};
  for (const char* probe : probes) {
    std::vector<std::int32_t> theirs, labels;
    std::istringstream in(std::string(probe) + "\n");
    dict_->getLine(in, theirs, labels);
    std::vector<std::int32_t> ours;
    std::vector<std::int32_t> hashes;
    std::istringstream words(probe);
    std::string w;
    while (words >> w) {
      std::int32_t h;
      word_rows(w, word_id(w, h), ours);
      hashes.push_back(h);
    }
    ours.push_back(static_cast<std::int32_t>(eos_row_));
    hashes.push_back(eos_hash_);
    if (word_ngrams_ >= 2)
      for (std::size_t i = 1; i < hashes.size(); ++i) ours.push_back(static_cast<std::int32_t>(bigram_row(hashes[i - 1], hashes[i])));
    if (word_ngrams_ >= 3)
      for (std::size_t i = 2; i < hashes.size(); ++i)
        ours.push_back(static_cast<std::int32_t>(trigram_row(hashes[i - 2], hashes[i - 1], hashes[i])));
    std::sort(theirs.begin(), theirs.end());
    std::sort(ours.begin(), ours.end());
    if (theirs != ours) {
      diags.push_back(Diagnostic{path, 0, "", "this model's word ids are not the ones this build computes (a pruned "
                                              "or otherwise unusual model): retrain with rightmoment-language train"});
      return false;
    }
  }
  return true;
}

void IntentClassifier::add_vector(const float* v, float* into) const {
  for (std::size_t k = 0; k < dim_; ++k) into[k] += v[k];
}

void IntentClassifier::add_row(std::int64_t row, float* into) const {
  add_vector(input_.data() + row * static_cast<std::int64_t>(dim_), into);
}

void IntentClassifier::read(const std::vector<std::string>& words, Reading& out) const {
  std::size_t n = words.size();
  out.words_ = n;
  out.unigrams_.assign((n + 1) * dim_, 0.0f);
  out.bigrams_.assign((n + 1) * dim_, 0.0f);
  out.last_.assign(n * dim_, 0.0f);
  out.counts_.assign(n + 1, 0);
  bool trigrams = word_ngrams_ >= 3;
  out.trigrams_.assign(trigrams ? (n + 1) * dim_ : 0, 0.0f);
  out.last3_.assign(trigrams ? n * dim_ : 0, 0.0f);
  std::vector<std::int32_t> rows;
  std::int32_t previous = 0;
  std::int32_t before_previous = 0;
  for (std::size_t i = 0; i < n; ++i) {
    float* u = out.unigrams_.data() + (i + 1) * dim_;
    float* b = out.bigrams_.data() + (i + 1) * dim_;
    std::copy(u - dim_, u, u);
    std::copy(b - dim_, b, b);
    if (trigrams) {
      float* t = out.trigrams_.data() + (i + 1) * dim_;
      std::copy(t - dim_, t, t);
    }
    std::int32_t hash;
    std::int32_t id = word_id(words[i], hash);
    std::size_t nrows = 0;
    if (id >= 0) {
      add_vector(word_sums_.data() + static_cast<std::size_t>(id) * dim_, u);
      nrows = word_row_counts_[static_cast<std::size_t>(id)];
    } else {
      rows.clear();
      word_rows(words[i], id, rows);
      for (std::int32_t r : rows) add_row(r, u);
      nrows = rows.size();
    }
    out.counts_[i + 1] = out.counts_[i] + nrows;
    if (word_ngrams_ >= 2) {
      if (i > 0) add_row(bigram_row(previous, hash), b);
      add_row(bigram_row(hash, eos_hash_), out.last_.data() + i * dim_);
    }
    if (trigrams) {
      if (i > 1) add_row(trigram_row(before_previous, previous, hash), out.trigrams_.data() + (i + 1) * dim_);
      if (i > 0) add_row(trigram_row(previous, hash, eos_hash_), out.last3_.data() + i * dim_);
    }
    before_previous = previous;
    previous = hash;
  }
}

void IntentClassifier::probabilities(const Reading& reading, std::size_t begin, std::size_t end, std::vector<float>& out) const {
  out.assign(labels_.size(), 0.0f);
  if (begin >= end || end > reading.words_) return;
  // The line fastText would read: these words, then its end-of-line word and, with bigrams, the
  // bigrams inside the span and the one of its last word with the end of the line.
  std::vector<float> hidden(dim_, 0.0f);
  const float* u1 = reading.unigrams_.data() + end * dim_;
  const float* u0 = reading.unigrams_.data() + begin * dim_;
  for (std::size_t k = 0; k < dim_; ++k) hidden[k] = u1[k] - u0[k];
  std::size_t count = reading.counts_[end] - reading.counts_[begin] + 1;
  add_row(eos_row_, hidden.data());
  if (word_ngrams_ >= 2) {
    const float* b1 = reading.bigrams_.data() + end * dim_;
    const float* b0 = reading.bigrams_.data() + (begin + 1) * dim_;
    const float* last = reading.last_.data() + (end - 1) * dim_;
    for (std::size_t k = 0; k < dim_; ++k) hidden[k] += b1[k] - b0[k] + last[k];
    count += end - begin;  // (end - begin - 1) bigrams inside, one with the end of the line
  }
  if (word_ngrams_ >= 3 && end - begin >= 2) {
    // The trigrams that end inside the span (from its third word on), and the one of its last two
    // words with the end of the line.
    const float* last3 = reading.last3_.data() + (end - 1) * dim_;
    for (std::size_t k = 0; k < dim_; ++k) hidden[k] += last3[k];
    if (end - begin >= 3) {
      const float* t1 = reading.trigrams_.data() + end * dim_;
      const float* t0 = reading.trigrams_.data() + (begin + 2) * dim_;
      for (std::size_t k = 0; k < dim_; ++k) hidden[k] += t1[k] - t0[k];
    }
    count += end - begin - 1;
  }
  float scale = 1.0f / static_cast<float>(count);
  float top = -1e30f;
  for (std::size_t l = 0; l < labels_.size(); ++l) {
    const float* w = output_.data() + l * dim_;
    float s = 0;
    for (std::size_t k = 0; k < dim_; ++k) s += w[k] * hidden[k];
    out[l] = s * scale;
    top = std::max(top, out[l]);
  }
  if (one_vs_all_) {  // each label its own yes/no
    for (auto& x : out) x = 1.0f / (1.0f + std::exp(-x));
    return;
  }
  float z = 0;
  for (auto& x : out) z += (x = std::exp(x - top));
  for (auto& x : out) x /= z;
}

}  // namespace rightmoment
