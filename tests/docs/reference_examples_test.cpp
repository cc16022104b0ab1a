// The examples on docs/reference/*.md, run through the real plugin as a host loads it (the SDK), so
// that the pages integrators read cannot drift from what the code does. Every JSON block on a
// reference page names what it is after its language, and the test holds it to that:
//   events              one canonical event a line: each accepted by submit_event()
//   rejected CODE       one message: refused, with that error code
//   error-reply         the refusal of the block just before it, exactly (last_error())
//   history             a history file: imported with every line good
//   history-bad         a history file with bad lines: imported with an error and the report below it
//   import-report       the report of the history-bad block just before it, exactly
//   prompt              one prompt that the page's history and events produce, exactly (by prompt_id)
//   feedback            an agent's answer: accepted by submit_feedback()
// A JSON block with no kind, or another one, fails the test: nothing on these pages goes unchecked.
// Each page gets a fresh plugin and store; its blocks run in page order, and prompts are compared
// once every event was processed. host-cli.md's option table is compared with `rightmoment-host --help`.
#include <rightmoment/plugin.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Block {
  int line = 0;              // of the opening fence
  std::string language;      // json, jsonl, sh, ...
  std::string kind;          // the word after the language
  std::string argument;      // e.g. the error code of "rejected CODE"
  std::string text;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string page_path(const std::string& page) { return std::string(RIGHTMOMENT_SOURCE_DIR) + "/docs/reference/" + page; }

// The fenced blocks of a Markdown page, with their info strings split into language, kind, argument.
std::vector<Block> blocks_of(const std::string& page) {
  std::istringstream in(read_file(page_path(page)));
  std::vector<Block> blocks;
  std::string line;
  int number = 0;
  Block* open = nullptr;
  while (std::getline(in, line)) {
    ++number;
    if (line.rfind("```", 0) == 0) {
      if (open) {
        open = nullptr;
      } else {
        std::istringstream info(line.substr(3));
        Block b;
        b.line = number;
        info >> b.language >> b.kind >> b.argument;
        blocks.push_back(b);
        open = &blocks.back();
      }
    } else if (open) {
      open->text += line + "\n";
    }
  }
  EXPECT_EQ(open, nullptr) << page << ": a code block is never closed";
  return blocks;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.find_first_not_of(" \t") != std::string::npos) out.push_back(line);
  return out;
}

std::string temp_dir() {
  const char* tmp = std::getenv("RIGHTMOMENT_TEST_TMP");
  return tmp ? tmp : "/tmp";
}

// The plugin as the example configuration sets it up (default rules and lexicons), without listeners.
std::string config_for(const std::string& page) {
  fs::path store = fs::path(temp_dir()) / ("reference_examples_" + fs::path(page).stem().string() + ".db");
  fs::remove(store);
  fs::remove(store.string() + "-wal");
  fs::remove(store.string() + "-shm");
  return R"({"history":{"store":"sqlite:)" + store.string() + R"("},
             "rules":{"files":[")" RIGHTMOMENT_SOURCE_DIR R"(/config/rules/default.rules.jsonc"],
                      "lexicons":")" RIGHTMOMENT_SOURCE_DIR R"(/config/lexicons"},
             "listeners":[]})";
}

std::string where(const std::string& page, const Block& b) { return "docs/reference/" + page + ":" + std::to_string(b.line); }

json parse_or_fail(const std::string& text, const std::string& at) {
  json j = json::parse(text, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << at << ": not valid JSON:\n" << text;
  return j;
}

// Runs every JSON block of a page through the plugin; returns how many it checked.
int check_page(const std::string& page) {
  std::vector<Block> blocks = blocks_of(page);
  rightmoment::sdk::Library lib(RIGHTMOMENT_PLUGIN_PATH);
  std::mutex mutex;
  std::map<std::string, std::vector<json>> produced;  // prompt_id -> each delivery (handovers repeat the id)
  rightmoment::sdk::Plugin plugin(lib, rightmoment::sdk::ConfigText{config_for(page)},
                                  {[&](std::string_view prompt) {
                                     std::lock_guard lock(mutex);
                                     json j = json::parse(prompt);
                                     produced[j.value("prompt_id", "")].push_back(j);
                                   },
                                   nullptr});
  plugin.start();

  int checked = 0;
  std::string last_refusal, last_report;
  std::vector<const Block*> prompts, feedback;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const Block& b = blocks[i];
    if (b.language != "json" && b.language != "jsonl") continue;
    const std::string at = where(page, b);
    ++checked;
    if (b.kind == "events") {
      for (const auto& event : lines_of(b.text))
        EXPECT_EQ(plugin.submit_event(event), RM_OK) << at << ": refused: " << plugin.last_error() << "\n" << event;
    } else if (b.kind == "rejected") {
      EXPECT_EQ(plugin.submit_event(b.text), RM_ERR_INVALID_ARGUMENT) << at << ": accepted:\n" << b.text;
      last_refusal = plugin.last_error();
      json reply = parse_or_fail(last_refusal, at + " (the plugin's refusal)");
      EXPECT_EQ(reply.value("code", ""), b.argument) << at << ": " << last_refusal;
    } else if (b.kind == "error-reply") {
      EXPECT_EQ(parse_or_fail(b.text, at), parse_or_fail(last_refusal, at)) << at << ": the plugin says " << last_refusal;
    } else if (b.kind == "history" || b.kind == "history-bad") {
      fs::path file = fs::path(temp_dir()) / ("reference_examples_" + std::to_string(b.line) + ".jsonl");
      std::ofstream(file) << b.text;
      rm_status status = RM_OK;
      last_report = plugin.import_history(file.string(), &status);
      EXPECT_EQ(status, b.kind == "history" ? RM_OK : RM_ERR_INVALID_ARGUMENT) << at << ": " << last_report;
      fs::remove(file);
    } else if (b.kind == "import-report") {
      EXPECT_EQ(parse_or_fail(b.text, at), parse_or_fail(last_report, at)) << at << ": the plugin reports " << last_report;
    } else if (b.kind == "prompt") {
      prompts.push_back(&b);
    } else if (b.kind == "feedback") {
      feedback.push_back(&b);
    } else {
      ADD_FAILURE() << at << ": a JSON block must say what it is (```json events, rejected CODE, ...), not '"
                    << b.kind << "'";
    }
  }

  plugin.drain(10000);
  {
    std::lock_guard lock(mutex);
    for (const Block* b : prompts) {
      json expected = parse_or_fail(b->text, where(page, *b));
      const std::vector<json>& deliveries = produced[expected.value("prompt_id", "")];
      bool found = false;
      std::string delivered;
      for (const json& d : deliveries) {
        found = found || d == expected;
        delivered += d.dump(2) + "\n";
      }
      EXPECT_TRUE(found) << where(page, *b) << ": the page's call delivers no such prompt; with its prompt_id: "
                         << (delivered.empty() ? "none\n" : "\n" + delivered);
    }
  }
  for (const Block* b : feedback) EXPECT_NO_THROW(plugin.submit_feedback(b->text)) << where(page, *b);
  plugin.stop();
  return checked;
}

TEST(ReferenceExamples, Events) { EXPECT_GT(check_page("events.md"), 5); }
TEST(ReferenceExamples, Prompts) { EXPECT_GT(check_page("prompts.md"), 3); }
TEST(ReferenceExamples, HistoryImport) { EXPECT_GE(check_page("history-import.md"), 3); }

// Every option of `rightmoment-host --help` has a row in host-cli.md's option table, and no row names
// an option the host does not have.
TEST(ReferenceExamples, HostCommandLine) {
  std::set<std::string> documented, actual;
  std::regex option_row(R"(^\| `(--[a-z-]+))");
  std::istringstream page(read_file(page_path("host-cli.md")));
  for (std::string line; std::getline(page, line);) {
    std::smatch m;
    if (std::regex_search(line, m, option_row)) documented.insert(m[1]);
  }
  FILE* help = popen((std::string("'") + RIGHTMOMENT_HOST_PATH + "' --help").c_str(), "r");
  ASSERT_NE(help, nullptr);
  std::string text;
  char buf[512];
  while (std::fgets(buf, sizeof buf, help)) text += buf;
  EXPECT_EQ(pclose(help), 0);
  std::regex option(R"(--[a-z][a-z-]+)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), option); it != std::sregex_iterator(); ++it)
    actual.insert(it->str());
  actual.insert("--help");  // the usage text does not list itself
  EXPECT_EQ(documented, actual) << "rightmoment-host --help:\n" << text;
}

}  // namespace
