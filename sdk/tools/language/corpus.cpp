#include "sdk/tools/language/corpus.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace rightmoment::language_tools {
namespace {

bool contains(const std::vector<std::string>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

const std::vector<std::string>& categories() {
  static const std::vector<std::string> c{
      // positives
      "direct", "idiom", "indirect", "question", "effort", "family", "regional", "informal", "long_turn", "considered",
      // hard negatives and plain talk
      "negation", "hypothetical", "third_party", "other_sense", "agent_repeat", "praise", "sad_event", "past",
      "contrast", "request", "wrong_speaker", "neutral"};
  return c;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return out;
}

}  // namespace

const std::vector<std::string>& corpus_intents() {
  static const std::vector<std::string> v{"frustration", "churn_intent", "life_event", "public_feedback_threat",
                                          "legal_threat", "blame", "none"};
  return v;
}
const std::vector<std::string>& customer_intents() {
  static const std::vector<std::string> v{"frustration", "churn_intent", "life_event", "public_feedback_threat"};
  return v;
}
const std::vector<std::string>& agent_intents() {
  static const std::vector<std::string> v{"legal_threat", "blame"};
  return v;
}
const std::vector<std::string>& life_event_details() {
  static const std::vector<std::string> v{"birthday", "wedding", "engagement", "new_baby", "new_home",
                                          "graduation", "new_job", "retirement", "anniversary"};
  return v;
}
bool is_customer_intent(std::string_view intent) { return contains(customer_intents(), intent); }

std::vector<CorpusLine> read_corpus_file(const std::string& path, Diagnostics& diags) {
  std::vector<CorpusLine> out;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.push_back(Diagnostic{path, 0, "", "cannot read this file"});
    return out;
  }
  std::string name = std::filesystem::path(path).filename().string();
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (number == 1 && line.rfind("intent\t", 0) == 0) continue;  // the header
    auto bad = [&](const std::string& key, const std::string& message) {
      diags.push_back(Diagnostic{path, number, key, message});
    };
    auto f = split_tabs(line);
    if (f.size() != 6 && f.size() != 7) {
      bad("", "a row has 6 tab-separated fields (7 in a derived file), not " + std::to_string(f.size()));
      continue;
    }
    CorpusLine c{f[0], f[1], f[2], f[3], f[4], f[5], f.size() == 7 ? f[6] : name + ":" + std::to_string(number)};
    if (!contains(corpus_intents(), c.intent)) {
      bad("intent", "unknown intent '" + c.intent + "'");
      continue;
    }
    if (c.speaker != "customer" && c.speaker != "agent") {
      bad("speaker", "the speaker is customer or agent, not '" + c.speaker + "'");
      continue;
    }
    if (c.intent != "none" && (c.speaker == "customer") != is_customer_intent(c.intent)) {
      bad("speaker", c.intent + " is said by the " + std::string(is_customer_intent(c.intent) ? "customer" : "agent") +
                         "; the same words from the other speaker are none");
      continue;
    }
    if (c.intent == "life_event" ? !contains(life_event_details(), c.detail) : c.detail != "-") {
      bad("detail", c.intent == "life_event" ? "a life event's detail is one of birthday, wedding, engagement, new_baby, "
                                               "new_home, graduation, new_job, retirement, anniversary"
                                             : "detail is '-' except for life_event");
      continue;
    }
    if (!contains(categories(), c.category)) {
      bad("category", "unknown category '" + c.category + "'");
      continue;
    }
    if (c.text.empty()) {
      bad("text", "empty text");
      continue;
    }
    // A partial transcript's earlier prefixes ("source~n") may not hold the quote yet.
    bool prefix = c.source.find('~') != std::string::npos;
    if (c.intent == "none" || (prefix && c.quote == "-") ? c.quote != "-"
                                                         : (c.quote.empty() || c.text.find(c.quote) == std::string::npos)) {
      bad("quote", c.intent == "none" ? "the quote of a none line is '-'" : "the quote must be a substring of the text");
      continue;
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<CorpusLine> read_corpus(const std::vector<std::string>& paths, Diagnostics& diags) {
  std::vector<CorpusLine> out;
  for (const auto& p : paths) {
    std::vector<std::string> files;
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      for (const auto& e : std::filesystem::directory_iterator(p, ec))
        if (e.is_regular_file() && e.path().extension() == ".tsv") files.push_back(e.path().string());
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(p);
    }
    for (const auto& f : files) {
      auto rows = read_corpus_file(f, diags);
      out.insert(out.end(), std::make_move_iterator(rows.begin()), std::make_move_iterator(rows.end()));
    }
  }
  return out;
}

bool write_corpus_file(const std::string& path, const std::vector<CorpusLine>& rows, Diagnostics& diags) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    diags.push_back(Diagnostic{path, 0, "", "cannot write this file"});
    return false;
  }
  out << "intent\tspeaker\tdetail\tcategory\ttext\tquote\tsource\n";
  for (const auto& r : rows)
    out << r.intent << '\t' << r.speaker << '\t' << r.detail << '\t' << r.category << '\t' << r.text << '\t' << r.quote
        << '\t' << r.source << '\n';
  out.flush();
  if (!out) {
    diags.push_back(Diagnostic{path, 0, "", "writing failed"});
    return false;
  }
  return true;
}

}  // namespace rightmoment::language_tools
