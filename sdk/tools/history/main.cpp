// rightmoment-history: import a customer-history file into a store, or generate a synthetic one.
//   rightmoment-history import FILE.jsonl --store URL [--region US]
//   rightmoment-history generate --customers N [--seed S] [--now RFC3339] [--out FILE]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "adapters/history/open_history_store.hpp"
#include "plugin/history/history_importer.hpp"
#include "plugin/history/synthetic_history.hpp"

namespace {

int usage() {
  std::cerr << "usage:\n"
               "  rightmoment-history import FILE.jsonl --store URL [--region US]\n"
               "  rightmoment-history generate --customers N [--seed S] [--now RFC3339] [--out FILE]\n"
               "URL: sqlite:PATH or postgresql://user:password@host/db\n";
  return 2;
}

int import_command(int argc, char** argv) {
  std::string file, store_url, region = "US";
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--store" && i + 1 < argc) store_url = argv[++i];
    else if (a == "--region" && i + 1 < argc) region = argv[++i];
    else if (file.empty() && a[0] != '-') file = a;
    else return usage();
  }
  if (file.empty() || store_url.empty()) return usage();
  std::error_code ec;
  auto total = std::filesystem::file_size(file, ec);
  bool bar = isatty(STDERR_FILENO) && !ec && total > 0;
  auto started = std::chrono::steady_clock::now();
  try {
    auto store = rightmoment::open_history_store(store_url);
    rightmoment::ImportProgress progress = [&](std::size_t bytes, std::size_t lines) {
      if (!bar) return;
      int pct = static_cast<int>(100.0 * static_cast<double>(bytes) / static_cast<double>(total));
      int filled = pct / 5;
      std::fprintf(stderr, "\r[%-20s] %3d%%  %zu lines", std::string(static_cast<std::size_t>(filled), '#').c_str(), pct, lines);
      std::fflush(stderr);
    };
    auto report = rightmoment::import_history_file(file, *store, region, progress);
    if (bar) std::fprintf(stderr, "\n");
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cerr << "imported " << file << ": " << report.lines << " lines in " << secs << " s";
    for (const auto& [kind, n] : report.imported) std::cerr << ", " << n << " " << kind;
    std::cerr << "\n";
    for (const auto& b : report.bad_lines) std::cerr << file << ":" << b.line << ": " << b.reason << "\n";
    if (report.bad_line_count > report.bad_lines.size())
      std::cerr << "... and " << report.bad_line_count - report.bad_lines.size() << " more bad lines\n";
    if (report.bad_line_count > 0) {
      std::cerr << report.bad_line_count << " bad lines were skipped\n";
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "rightmoment-history: " << e.what() << "\n";
    return 1;
  }
}

int generate_command(int argc, char** argv) {
  rightmoment::SyntheticHistoryOptions o;
  o.now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::string out_path;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    std::string v = argv[++i];
    try {
      if (a == "--customers") o.customers = std::stoull(v);
      else if (a == "--seed") o.seed = std::stoull(v);
      else if (a == "--now") {
        auto t = rightmoment::parse_rfc3339(v);
        if (!t) {
          std::cerr << "rightmoment-history: --now must be RFC 3339 with an offset\n";
          return 2;
        }
        o.now = *t;
      } else if (a == "--out") out_path = v;
      else return usage();
    } catch (const std::exception&) {
      return usage();
    }
  }
  std::ofstream file;
  if (!out_path.empty()) {
    file.open(out_path);
    if (!file) {
      std::cerr << "rightmoment-history: cannot write " << out_path << "\n";
      return 1;
    }
  }
  std::ostream& out = out_path.empty() ? std::cout : file;
  auto lines = rightmoment::write_synthetic_history(out, o);
  std::cerr << "generated " << o.customers << " customers, " << lines << " lines\n";
  return out ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string command = argv[1];
  if (command == "import") return import_command(argc, argv);
  if (command == "generate") return generate_command(argc, argv);
  return usage();
}
