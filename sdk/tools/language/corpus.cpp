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

std::vector<std::string> split_on(const std::string& line, char separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto at = line.find(separator, start);
    out.push_back(line.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) break;
    start = at + 1;
  }
  return out;
}
std::vector<std::string> split_tabs(const std::string& line) { return split_on(line, '\t'); }

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

bool CorpusLine::shows(std::string_view i) const { return intent == i || contains(also, i); }

namespace {

// The columns a file may have, in the order a file without a header has them.
enum Column { kIntent, kSpeaker, kDetail, kCategory, kText, kQuote, kAlso, kSource, kColumns };
constexpr const char* kColumnNames[kColumns] = {"intent", "speaker", "detail", "category", "text", "quote", "also", "source"};
constexpr std::size_t kRequiredColumns = kAlso;  // the first six

// Reads a header line into column positions (by field index); an empty string when it is fine.
std::string read_header(const std::vector<std::string>& fields, std::vector<int>& column_at) {
  column_at.assign(fields.size(), -1);
  std::vector<bool> seen(kColumns, false);
  for (std::size_t f = 0; f < fields.size(); ++f) {
    int c = 0;
    while (c < kColumns && fields[f] != kColumnNames[c]) ++c;
    if (c == kColumns) return "unknown column '" + fields[f] + "' in the header";
    if (seen[static_cast<std::size_t>(c)]) return "column '" + fields[f] + "' twice in the header";
    seen[static_cast<std::size_t>(c)] = true;
    column_at[f] = c;
  }
  for (std::size_t c = 0; c < kRequiredColumns; ++c)
    if (!seen[c]) return std::string("the header lacks the column '") + kColumnNames[c] + "'";
  return "";
}

}  // namespace

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
  // Without a header: intent, speaker, detail, category, text, quote[, also].
  std::vector<int> column_at{kIntent, kSpeaker, kDetail, kCategory, kText, kQuote, kAlso};
  bool headed = false;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto bad = [&](const std::string& key, const std::string& message) {
      diags.push_back(Diagnostic{path, number, key, message});
    };
    auto f = split_tabs(line);
    if (number == 1 && line.rfind("intent\t", 0) == 0) {  // the header
      if (auto problem = read_header(f, column_at); !problem.empty()) {
        bad("", problem);
        return out;
      }
      headed = true;
      continue;
    }
    if (headed ? f.size() != column_at.size() : f.size() < kRequiredColumns || f.size() > column_at.size()) {
      bad("", "a row has " + (headed ? std::to_string(column_at.size()) + " tab-separated fields, as the header says"
                                     : std::string("6 or 7 tab-separated fields")) +
                  ", not " + std::to_string(f.size()));
      continue;
    }
    std::string field[kColumns];
    field[kAlso] = "-";
    field[kSource] = name + ":" + std::to_string(number);
    for (std::size_t i = 0; i < f.size(); ++i) field[static_cast<std::size_t>(column_at[i])] = std::move(f[i]);
    CorpusLine c{field[kIntent], field[kSpeaker], field[kDetail], field[kCategory], field[kText], field[kQuote],
                 field[kSource], {}};
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
    std::string problem;
    if (field[kAlso] != "-") {
      for (const auto& a : split_on(field[kAlso], ',')) {
        if (a == "none" || !contains(corpus_intents(), a)) problem = "'" + a + "' is no live intent";
        else if (c.intent == "none") problem = "a none line shows no intent: its intent is then '" + a + "'";
        else if (a == c.intent || contains(c.also, a)) problem = "'" + a + "' twice";
        else if (is_customer_intent(a) != (c.speaker == "customer"))
          problem = a + " is said by the " + std::string(is_customer_intent(a) ? "customer" : "agent");
        if (!problem.empty()) break;
        c.also.push_back(a);
      }
    }
    if (!problem.empty()) {
      bad("also", "also lists the other intents the line shows, comma-separated, or '-': " + problem);
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
  out << "intent\tspeaker\tdetail\tcategory\ttext\tquote\talso\tsource\n";
  for (const auto& r : rows) {
    std::string also;
    for (const auto& a : r.also) also += (also.empty() ? "" : ",") + a;
    out << r.intent << '\t' << r.speaker << '\t' << r.detail << '\t' << r.category << '\t' << r.text << '\t' << r.quote
        << '\t' << (also.empty() ? "-" : also) << '\t' << r.source << '\n';
  }
  out.flush();
  if (!out) {
    diags.push_back(Diagnostic{path, 0, "", "writing failed"});
    return false;
  }
  return true;
}

}  // namespace rightmoment::language_tools
