// The language analyzer built from the lexicon files of config/lexicons/ and, when configured, the
// learned layer of config/models/ (docs/language.md): intents found by the phrase matcher, kept or
// dropped by scope rules (negation, hypotheticals, excluded senses, blockers), the learned layer's
// score for each intent clause by clause, the two combined by calibrated thresholds; and a
// lexicon-based sentiment estimate.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <set>
#include <unordered_map>

#include "plugin/core/jsonc_document.hpp"
#include "plugin/language/language_analyzer.hpp"
#include "plugin/language/learned_layer.hpp"
#include "plugin/language/phrase_matcher.hpp"

namespace rightmoment {

bool UtteranceSignals::has(std::string_view intent) const { return find(intent) != nullptr; }

const IntentHit* UtteranceSignals::find(std::string_view intent) const {
  for (const auto& hit : intents)
    if (hit.intent == intent) return &hit;
  return nullptr;
}

bool intent_fires(const IntentEvidence& evidence, const IntentThreshold& threshold) {
  if (evidence.score < 0) return evidence.pattern;  // patterns only
  if (evidence.pattern) return evidence.score >= threshold.with_pattern || evidence.score >= threshold.alone;
  return !evidence.excluded && evidence.score >= threshold.alone;
}

namespace {

namespace fs = std::filesystem;

struct IntentSpec {
  std::string name;
  bool for_customer = true;
  bool for_agent = false;
  bool blocked_by_negation = true;
  bool blocked_by_hypothetical = true;
  std::size_t negation_window = 4;
  std::vector<std::string> details;  // by pattern tag
};

// Tags encode (intent, role, detail): role 0 = pattern, 1 = exclude, 2 = blocker.
struct TagInfo {
  std::size_t intent;
  int role;
  std::size_t detail;
};

// How a learned model's labels map to the analyzer's intents: "life_event" is the intent's score,
// "life_event.birthday" one of its details (the best-scoring one is reported); "none" maps to nothing.
struct LabelMap {
  std::vector<int> intent;   // by label: intent index, or -1
  std::vector<std::string> detail;  // by label: empty for the intent's own label
};

class LexiconAnalyzer final : public LanguageAnalyzer {
 public:
  UtteranceSignals analyze(std::string_view text, Speaker speaker) const override;
  std::vector<std::string> intent_names() const override {
    std::vector<std::string> out;
    for (const auto& i : intents_) out.push_back(i.name);
    return out;
  }
  std::vector<IntentEvidence> evidence(std::string_view text, Speaker speaker) const override {
    std::vector<Token> tokens;
    std::vector<int> ids;
    return read(text, speaker, tokens, ids);
  }
  std::map<std::string, IntentThreshold> thresholds() const override {
    std::map<std::string, IntentThreshold> out;
    for (std::size_t i = 0; i < intents_.size(); ++i) out[intents_[i].name] = thresholds_[i];
    return out;
  }
  bool has_learned_layer() const override { return learned_ != nullptr; }

  bool load(const std::string& dir, Diagnostics& diags);
  bool load_learned(const LanguageOptions& options, Diagnostics& diags);

 private:
  // Both layers' evidence for every intent this speaker can show (in intents_ order, speaker's only).
  std::vector<IntentEvidence> read(std::string_view text, Speaker speaker, std::vector<Token>& tokens,
                                   std::vector<int>& ids) const;
  void learned_scores(std::string_view text, const std::vector<Token>& tokens, Speaker speaker,
                      std::vector<IntentEvidence>& evidence, const std::vector<int>& slot) const;
  bool negated(const std::vector<Token>& tokens, const std::vector<int>& ids, std::size_t begin, std::size_t window) const;
  bool negator_in_wildcards(const std::vector<int>& ids, const PhraseMatcher::Match& m) const {
    for (std::size_t k = 0; k < 64 && m.begin + k < m.end; ++k)
      if ((m.wildcard_mask >> k & 1) && ids[m.begin + k] >= 0 && negators_.count(ids[m.begin + k])) return true;
    return false;
  }
  bool hypothetical(const std::vector<Token>& tokens, const std::vector<int>& ids, std::size_t begin, std::size_t window) const;
  double sentiment(const std::vector<Token>& tokens, const std::vector<int>& ids) const;

  PhraseMatcher matcher_;
  std::vector<IntentSpec> intents_;
  std::vector<TagInfo> tags_;
  std::set<int> negators_;
  std::set<int> hypothetical_cues_;
  std::set<int> negation_breakers_;  // "only" in "not only"
  std::set<int> subject_starts_;     // a match starting with one is not negated from before it
  std::unordered_map<int, double> sentiment_weights_;
  std::set<int> intensifiers_;
  double sentiment_scale_ = 4.0;

  std::unique_ptr<LearnedLayer> learned_;
  LabelMap customer_labels_, agent_labels_;
  std::vector<IntentThreshold> thresholds_;  // by intent
};

// The words of a clause as quoted to the agent: the whole clause, or for a run-on clause longer than
// 200 bytes only tokens [begin, end).
std::string clause_quote(std::string_view text, const std::vector<Token>& tokens, std::size_t begin, std::size_t end) {
  std::size_t first = begin, last = end - 1;
  while (first > 0 && tokens[first - 1].clause == tokens[begin].clause) --first;
  while (last + 1 < tokens.size() && tokens[last + 1].clause == tokens[begin].clause) ++last;
  std::size_t b = tokens[first].begin, e = tokens[last].end;
  if (e - b > 200) {
    b = tokens[begin].begin;
    e = tokens[end - 1].end;
  }
  return std::string(text.substr(b, e - b));
}

bool LexiconAnalyzer::negated(const std::vector<Token>& tokens, const std::vector<int>& ids, std::size_t begin,
                              std::size_t window) const {
  int clause = tokens[begin].clause;
  for (std::size_t k = 1; k <= window && k <= begin; ++k) {
    std::size_t i = begin - k;
    // A comma ends the scope: "no, I want to leave" is not negated.
    if (tokens[i].clause != clause || tokens[i + 1].comma_before) break;
    if (ids[i] >= 0 && negators_.count(ids[i])) {
      if (i + 1 < tokens.size() && ids[i + 1] >= 0 && negation_breakers_.count(ids[i + 1])) continue;
      return true;
    }
  }
  return false;
}

bool LexiconAnalyzer::hypothetical(const std::vector<Token>& tokens, const std::vector<int>& ids, std::size_t begin,
                                   std::size_t window) const {
  // The cue governs the words right after it ("if I cancelled", "if I ever did"), not a main clause
  // further on ("if this isn't fixed today I'm cancelling"): look back a few words, not past a comma.
  int clause = tokens[begin].clause;
  for (std::size_t k = 1; k <= window && k <= begin; ++k) {
    std::size_t i = begin - k;
    if (tokens[i].clause != clause || tokens[i + 1].comma_before) break;
    if (ids[i] >= 0 && hypothetical_cues_.count(ids[i])) return true;
  }
  return false;
}

double LexiconAnalyzer::sentiment(const std::vector<Token>& tokens, const std::vector<int>& ids) const {
  double sum = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (ids[i] < 0) continue;
    auto w = sentiment_weights_.find(ids[i]);
    if (w == sentiment_weights_.end()) continue;
    double v = w->second;
    if (i > 0 && ids[i - 1] >= 0 && intensifiers_.count(ids[i - 1])) v *= 1.5;
    // "not good" is mildly negative; "not bad" mildly positive.
    if (negated(tokens, ids, i, 3)) v *= -0.5;
    sum += v;
  }
  return std::tanh(sum / sentiment_scale_);
}

std::vector<IntentEvidence> LexiconAnalyzer::read(std::string_view text, Speaker speaker, std::vector<Token>& tokens,
                                                   std::vector<int>& ids) const {
  std::vector<IntentEvidence> out;
  std::vector<int> slot(intents_.size(), -1);  // intent -> index in out
  for (std::size_t i = 0; i < intents_.size(); ++i) {
    if (speaker == Speaker::Customer ? !intents_[i].for_customer : !intents_[i].for_agent) continue;
    slot[i] = static_cast<int>(out.size());
    IntentEvidence e;
    e.intent = intents_[i].name;
    e.hit.intent = intents_[i].name;
    out.push_back(std::move(e));
  }
  tokens = normalise_text(text);
  if (tokens.empty() || out.empty()) return out;
  ids = matcher_.encode(tokens);
  std::vector<PhraseMatcher::Match> matches;
  matcher_.find_all(tokens, ids, matches);

  std::vector<bool> blocked(intents_.size(), false);
  for (const auto& m : matches)
    if (tags_[static_cast<std::size_t>(m.tag)].role == 2) blocked[tags_[static_cast<std::size_t>(m.tag)].intent] = true;

  for (const auto& m : matches) {
    const TagInfo& tag = tags_[static_cast<std::size_t>(m.tag)];
    if (tag.role != 0 || slot[tag.intent] < 0 || out[static_cast<std::size_t>(slot[tag.intent])].pattern ||
        blocked[tag.intent])
      continue;
    const IntentSpec& spec = intents_[tag.intent];
    bool own_subject = ids[m.begin] >= 0 && subject_starts_.count(ids[m.begin]);
    if (spec.blocked_by_negation && !own_subject && negated(tokens, ids, m.begin, spec.negation_window)) continue;
    if (spec.blocked_by_negation && negator_in_wildcards(ids, m)) continue;  // "i am not ... cancelling"
    // "if I am cancelling" is hypothetical; "if this isn't fixed I'm cancelling" is a stated intent.
    if (spec.blocked_by_hypothetical && hypothetical(tokens, ids, m.begin, own_subject ? 1 : 5)) continue;
    bool excluded = false;
    for (const auto& x : matches) {
      const TagInfo& xt = tags_[static_cast<std::size_t>(x.tag)];
      if (xt.role == 1 && xt.intent == tag.intent && x.begin < m.end && m.begin < x.end) {
        excluded = true;
        break;
      }
    }
    if (excluded) continue;
    IntentEvidence& e = out[static_cast<std::size_t>(slot[tag.intent])];
    e.pattern = true;
    e.hit.detail = spec.details[tag.detail];
    // Quote the whole clause the words were said in: the agent needs the context, not a fragment.
    e.hit.phrase = clause_quote(text, tokens, m.begin, m.end);
  }
  if (learned_) {
    learned_scores(text, tokens, speaker, out, slot);
    // The lexicons' knowledge of other senses and of sad news holds for the learned layer too.
    for (const auto& x : matches) {
      const TagInfo& xt = tags_[static_cast<std::size_t>(x.tag)];
      if (xt.role == 0 || slot[xt.intent] < 0) continue;
      IntentEvidence& e = out[static_cast<std::size_t>(slot[xt.intent])];
      if (xt.role == 2) e.excluded = true;
      else if (x.begin < e.clause_end && e.clause_begin < x.end) e.excluded = true;
    }
  }
  return out;
}

void LexiconAnalyzer::learned_scores(std::string_view text, const std::vector<Token>& tokens, Speaker speaker,
                                     std::vector<IntentEvidence>& evidence, const std::vector<int>& slot) const {
  const IntentClassifier* model = learned_->for_speaker(speaker);
  if (!model) return;
  const LabelMap& labels = speaker == Speaker::Agent ? agent_labels_ : customer_labels_;
  // The model reads the normalised words, digits as words ("3rd" -> "third"), as it was trained.
  std::vector<std::string> words;
  std::vector<std::size_t> token_of;
  classifier_words(tokens, words, token_of);
  if (words.empty()) return;
  IntentClassifier::Reading reading;
  model->read(words, reading);

  // Clauses as word ranges.
  std::vector<std::pair<std::size_t, std::size_t>> clauses;
  for (std::size_t w = 0; w < words.size(); ++w) {
    if (w == 0 || tokens[token_of[w]].clause != tokens[token_of[w - 1]].clause) clauses.emplace_back(w, w);
    clauses.back().second = w + 1;
  }
  auto contrast_follows = [&](std::size_t c) {
    if (c + 1 >= clauses.size()) return false;
    const std::string& first = words[clauses[c + 1].first];
    return first == "but" || first == "however" || first == "although";
  };

  std::size_t n_labels = model->labels().size();
  std::vector<float> p, q;
  std::vector<double> best(evidence.size(), -1.0);
  std::vector<std::size_t> best_clause(evidence.size(), 0);
  std::vector<int> best_label(evidence.size(), -1);
  auto consider = [&](std::size_t c) {
    for (std::size_t e = 0; e < evidence.size(); ++e) {
      // this intent's probability, and its best detail
      double score = -1, top = -1;
      int top_label = -1;
      for (std::size_t l = 0; l < n_labels; ++l) {
        int i = labels.intent[l];
        if (i < 0 || slot[static_cast<std::size_t>(i)] != static_cast<int>(e)) continue;
        if (labels.detail[l].empty()) {
          score = p[l];
        } else if (p[l] > top) {
          top = p[l];
          top_label = static_cast<int>(l);
        }
      }
      if (score > best[e]) {
        best[e] = score;
        best_clause[e] = c;
        best_label[e] = top_label;
      }
    }
  };
  for (std::size_t c = 0; c < clauses.size(); ++c) {
    model->probabilities(reading, clauses[c].first, clauses[c].second, p);
    // "I was going to leave but now you've sorted it": a clause is read with the contrast that follows it.
    if (contrast_follows(c)) {
      model->probabilities(reading, clauses[c].first, clauses[c + 1].second, q);
      for (std::size_t l = 0; l < n_labels; ++l) p[l] = std::min(p[l], q[l]);
    }
    consider(c);
  }
  if (clauses.size() > 1) {
    // The whole turn: its score counts, its quote is the best clause.
    std::vector<std::size_t> keep = best_clause;
    model->probabilities(reading, 0, words.size(), p);
    consider(clauses.size());
    for (std::size_t e = 0; e < evidence.size(); ++e)
      if (best_clause[e] == clauses.size()) best_clause[e] = keep[e];
  }
  for (std::size_t e = 0; e < evidence.size(); ++e) {
    IntentEvidence& ev = evidence[e];
    ev.score = std::max(best[e], 0.0);
    if (ev.pattern) continue;  // the pattern's words and detail are the better quote
    auto [b, end] = clauses[best_clause[e]];
    ev.clause_begin = token_of[b];
    ev.clause_end = token_of[end - 1] + 1;
    ev.hit.phrase = clause_quote(text, tokens, token_of[b], token_of[end - 1] + 1);
    if (best_label[e] >= 0) ev.hit.detail = labels.detail[static_cast<std::size_t>(best_label[e])];
  }
}

UtteranceSignals LexiconAnalyzer::analyze(std::string_view text, Speaker speaker) const {
  UtteranceSignals out;
  std::vector<Token> tokens;
  std::vector<int> ids;
  std::vector<IntentEvidence> evidence = read(text, speaker, tokens, ids);
  if (tokens.empty()) return out;
  for (std::size_t i = 0, e = 0; i < intents_.size() && e < evidence.size(); ++i) {
    if (evidence[e].intent != intents_[i].name) continue;
    if (intent_fires(evidence[e], thresholds_[i])) out.intents.push_back(std::move(evidence[e].hit));
    ++e;
  }
  out.sentiment = sentiment(tokens, ids);
  if (out.has("frustration")) out.sentiment = std::min(out.sentiment, -0.5);
  return out;
}

std::vector<std::string> read_word_list(const JsoncDocument& doc, const std::string& ptr, Diagnostics& diags) {
  std::vector<std::string> out;
  nlohmann::json::json_pointer p{ptr};
  if (!doc.root().contains(p)) return out;
  const auto& v = doc.root().at(p);
  if (!v.is_array()) {
    diags.push_back(doc.error(ptr, "must be a list of words"));
    return out;
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) diags.push_back(doc.error(ptr + "/" + std::to_string(i), "must be a string"));
    else out.push_back(v[i].get<std::string>());
  }
  return out;
}

bool LexiconAnalyzer::load(const std::string& dir, Diagnostics& diags) {
  std::size_t before = diags.size();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    diags.push_back(Diagnostic{dir, 0, "", "the lexicon folder does not exist"});
    return false;
  }
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_regular_file() && entry.path().extension() == ".jsonc") files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  std::vector<JsoncDocument> docs;
  for (const auto& f : files)
    if (auto d = JsoncDocument::load(f, diags)) docs.push_back(std::move(*d));

  // Shared vocabulary first: slots, negators, hypothetical cues.
  PhraseMatcher::Slots slots;
  for (const auto& doc : docs) {
    if (!doc.root().is_object() || !doc.root().contains("slots")) continue;
    const auto& s = doc.root()["slots"];
    if (!s.is_object()) {
      diags.push_back(doc.error("/slots", "must be an object of word lists"));
      continue;
    }
    for (const auto& [name, list] : s.items()) slots[name] = read_word_list(doc, "/slots/" + name, diags);
    auto intern_set = [&](const std::string& ptr, std::set<int>& out) {
      for (const auto& w : read_word_list(doc, ptr, diags)) {
        out.insert(matcher_.intern_word(w));
      }
    };
    intern_set("/negators", negators_);
    intern_set("/hypothetical_cues", hypothetical_cues_);
    intern_set("/negation_breakers", negation_breakers_);
    intern_set("/subject_starts", subject_starts_);
  }

  for (const auto& doc : docs) {
    const auto& root = doc.root();
    if (!root.is_object()) {
      diags.push_back(doc.error("", "a lexicon file must be a JSON object"));
      continue;
    }
    if (root.contains("sentiment")) {
      const auto& s = root["sentiment"];
      if (!s.is_object()) {
        diags.push_back(doc.error("/sentiment", "must be an object"));
        continue;
      }
      for (const char* group : {"positive", "negative"}) {
        if (!s.contains(group)) continue;
        if (!s[group].is_object()) {
          diags.push_back(doc.error(std::string("/sentiment/") + group, "must map words to weights"));
          continue;
        }
        for (const auto& [word, weight] : s[group].items()) {
          if (!weight.is_number()) {
            diags.push_back(doc.error(std::string("/sentiment/") + group + "/" + word, "must be a number"));
            continue;
          }
          double w = std::abs(weight.get<double>());
          sentiment_weights_[matcher_.intern_word(word)] = std::string(group) == "positive" ? w : -w;
        }
      }
      for (const auto& w : read_word_list(doc, "/sentiment/intensifiers", diags)) {
        intensifiers_.insert(matcher_.intern_word(w));
      }
      if (s.contains("scale") && s["scale"].is_number() && s["scale"].get<double>() > 0) sentiment_scale_ = s["scale"].get<double>();
      continue;
    }
    if (!root.contains("intent")) continue;
    IntentSpec spec;
    if (!root["intent"].is_string() || root["intent"].get<std::string>().empty()) {
      diags.push_back(doc.error("/intent", "must be the intent's name"));
      continue;
    }
    spec.name = root["intent"].get<std::string>();
    for (const auto& i : intents_)
      if (i.name == spec.name) diags.push_back(doc.error("/intent", "intent '" + spec.name + "' is defined twice"));
    auto speakers = read_word_list(doc, "/speakers", diags);
    if (!speakers.empty()) {
      spec.for_customer = std::find(speakers.begin(), speakers.end(), "customer") != speakers.end();
      spec.for_agent = std::find(speakers.begin(), speakers.end(), "agent") != speakers.end();
      for (const auto& s : speakers)
        if (s != "customer" && s != "agent") diags.push_back(doc.error("/speakers", "speakers are customer and/or agent, not '" + s + "'"));
    }
    auto blocked = read_word_list(doc, "/blocked_by", diags);
    spec.blocked_by_negation = std::find(blocked.begin(), blocked.end(), "negation") != blocked.end();
    spec.blocked_by_hypothetical = std::find(blocked.begin(), blocked.end(), "hypothetical") != blocked.end();
    if (root.contains("negation_window") && root["negation_window"].is_number_unsigned())
      spec.negation_window = root["negation_window"].get<std::size_t>();
    std::size_t intent_index = intents_.size();

    auto add_patterns = [&](const std::string& ptr, int role, std::size_t detail) {
      for (std::size_t i = 0; const auto& p : read_word_list(doc, ptr, diags)) {
        int tag = static_cast<int>(tags_.size());
        tags_.push_back(TagInfo{intent_index, role, detail});
        if (auto err = matcher_.add(p, tag, slots)) diags.push_back(doc.error(ptr + "/" + std::to_string(i), *err));
        ++i;
      }
    };
    if (!root.contains("patterns")) {
      diags.push_back(doc.error("/patterns", "an intent needs patterns"));
    } else if (root["patterns"].is_array()) {
      spec.details.push_back("");
      add_patterns("/patterns", 0, 0);
    } else if (root["patterns"].is_object()) {
      for (const auto& [detail, list] : root["patterns"].items()) {
        spec.details.push_back(detail);
        add_patterns("/patterns/" + detail, 0, spec.details.size() - 1);
      }
    } else {
      diags.push_back(doc.error("/patterns", "must be a list of patterns, or an object of lists by detail"));
    }
    if (spec.details.empty()) spec.details.push_back("");
    add_patterns("/exclude", 1, 0);
    add_patterns("/blockers", 2, 0);
    intents_.push_back(std::move(spec));
  }
  if (intents_.empty() && diags.size() == before)
    diags.push_back(Diagnostic{dir, 0, "", "no intent lexicon (*.jsonc with an \"intent\") in this folder"});
  return diags.size() == before;
}

bool LexiconAnalyzer::load_learned(const LanguageOptions& options, Diagnostics& diags) {
  thresholds_.assign(intents_.size(), IntentThreshold{});
  if (options.model_dir.empty()) return true;
  std::size_t before = diags.size();
  learned_ = load_learned_layer(options.model_dir, diags);
  if (!learned_) return false;
  std::string manifest = (fs::path(options.model_dir) / kLearnedLayerManifest).string();
  auto map_labels = [&](const IntentClassifier* model, LabelMap& map, Speaker speaker) {
    if (!model) return;
    std::string whose = speaker == Speaker::Agent ? "agent" : "customer";
    for (const auto& label : model->labels()) {
      std::string intent = label.substr(0, label.find('.'));
      std::string detail = label.find('.') == std::string::npos ? "" : label.substr(label.find('.') + 1);
      int index = -1;
      for (std::size_t i = 0; i < intents_.size(); ++i)
        if (intents_[i].name == intent) index = static_cast<int>(i);
      if (index < 0 && intent != "none")
        diags.push_back(Diagnostic{manifest, 0, "", "the " + whose + " model's label '" + label + "' is no intent of the lexicons"});
      const auto& all = model->labels();
      if (!detail.empty() && std::find(all.begin(), all.end(), intent) == all.end())
        diags.push_back(Diagnostic{manifest, 0, "", "the " + whose + " model has the detail '" + label + "' but no label '" +
                                                        intent + "': retrain with rightmoment-language train"});
      map.intent.push_back(index);
      map.detail.push_back(detail);
    }
  };
  map_labels(learned_->customer.get(), customer_labels_, Speaker::Customer);
  map_labels(learned_->agent.get(), agent_labels_, Speaker::Agent);
  for (std::size_t i = 0; i < intents_.size(); ++i) {
    auto t = learned_->thresholds.find(intents_[i].name);
    // An intent the manifest calibrated no threshold for fires on its patterns only.
    thresholds_[i] = t == learned_->thresholds.end() ? IntentThreshold{2.0, 0.0} : t->second;
  }
  for (const auto& [intent, alone] : options.thresholds) {
    bool known = false;
    for (std::size_t i = 0; i < intents_.size(); ++i)
      if (intents_[i].name == intent) {
        thresholds_[i].alone = alone;
        known = true;
      }
    if (!known) diags.push_back(Diagnostic{"", 0, intent, "a threshold for an intent no lexicon defines"});
  }
  return diags.size() == before;
}

}  // namespace

std::unique_ptr<LanguageAnalyzer> load_language_analyzer(const LanguageOptions& options, Diagnostics& diags) {
  auto analyzer = std::make_unique<LexiconAnalyzer>();
  if (!analyzer->load(options.lexicon_dir, diags)) return nullptr;
  if (!analyzer->load_learned(options, diags)) return nullptr;
  return analyzer;
}

std::unique_ptr<LanguageAnalyzer> load_language_analyzer(const std::string& lexicon_dir, Diagnostics& diags) {
  LanguageOptions options;
  options.lexicon_dir = lexicon_dir;
  return load_language_analyzer(options, diags);
}

}  // namespace rightmoment
