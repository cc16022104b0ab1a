// rightmoment-report: the effectiveness report, read from the outcome record.
//   rightmoment-report --store URL --from RFC3339 --to RFC3339 [--out report.html] [--min-sample N]
//   rightmoment-report --demo-store URL [--seed N] [--interactions N] [--from RFC3339]
// The first prints the plain-text summary on standard output and, with --out, writes the HTML page.
// The second writes a synthetic outcome record (a week of calls with a 20% holdout) to try it on.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "plugin/core/event_time.hpp"
#include "adapters/history/open_history_store.hpp"
#include "plugin/history/history_store.hpp"
#include "plugin/history/store_url.hpp"
#include "sdk/tools/report/demo_outcomes.hpp"
#include "sdk/tools/report/effectiveness.hpp"
#include "sdk/tools/report/report_render.hpp"

namespace {

namespace report = rightmoment::report;

int usage(const std::string& problem = "", bool asked = false) {
  if (!problem.empty()) std::cerr << "rightmoment-report: " << problem << "\n";
  (asked ? std::cout : std::cerr) << "usage:\n"
               "  rightmoment-report --store URL --from RFC3339 --to RFC3339 [--out report.html] [--min-sample N]\n"
               "  rightmoment-report --demo-store URL [--seed N] [--interactions N] [--from RFC3339]\n"
               "URL: sqlite:PATH or postgresql://user:password@host/db\n"
               "Times are event time with an offset, e.g. 2026-11-16T00:00:00Z; the window is [from, to).\n";
  return asked ? 0 : 2;
}

std::optional<std::uint64_t> parse_count(const std::string& v) {
  if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 12) return std::nullopt;
  return std::stoull(v);
}

std::string now_rfc3339() {
  return rightmoment::format_rfc3339(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

int demo_store(const std::string& url, const report::DemoOptions& options) {
  auto records = report::generate_demo_outcomes(options);
  auto store = rightmoment::open_history_store(url);
  const std::size_t batch_size = 2000;
  for (std::size_t i = 0; i < records.size(); i += batch_size) {
    std::vector<rightmoment::OutcomeRecord> batch(records.begin() + static_cast<std::ptrdiff_t>(i),
                                                  records.begin() + static_cast<std::ptrdiff_t>(std::min(records.size(), i + batch_size)));
    store->append_outcomes(batch);
  }
  std::cerr << "rightmoment-report: wrote " << records.size() << " outcome records (" << options.interactions
            << " interactions from " << rightmoment::format_rfc3339(options.from) << ", " << options.holdout_percent
            << "% held out) to " << rightmoment::redact_store_url(url) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string store_url, demo_url, out_path;
  std::optional<rightmoment::EventTimeMs> from, to;
  report::ReportOptions options;
  report::DemoOptions demo;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") return usage("", true);
    if (i + 1 >= argc) return usage(a.rfind("--", 0) == 0 ? a + " needs a value" : "unknown argument '" + a + "'");
    std::string v = argv[++i];
    if (a == "--store") store_url = v;
    else if (a == "--demo-store") demo_url = v;
    else if (a == "--out") out_path = v;
    else if (a == "--from" || a == "--to") {
      auto t = rightmoment::parse_rfc3339(v);
      if (!t) return usage(a + " must be an RFC 3339 time with an offset (e.g. 2026-11-16T00:00:00Z), not '" + v + "'");
      (a == "--from" ? from : to) = *t;
    } else if (a == "--min-sample" || a == "--seed" || a == "--interactions") {
      auto n = parse_count(v);
      if (!n || (a != "--seed" && *n == 0)) return usage(a + " must be a positive whole number, not '" + v + "'");
      if (a == "--min-sample") options.min_sample = static_cast<std::size_t>(*n);
      else if (a == "--seed") demo.seed = *n;
      else demo.interactions = static_cast<std::size_t>(*n);
    } else {
      return usage("unknown argument '" + a + "'");
    }
  }

  try {
    if (!demo_url.empty()) {
      if (!store_url.empty() || !out_path.empty() || to) return usage("--demo-store takes only --seed, --interactions and --from");
      if (from) demo.from = *from;
      return demo_store(demo_url, demo);
    }
    if (store_url.empty()) return usage("--store URL is required");
    if (!from || !to) return usage("--from and --to are required");
    if (*from >= *to) return usage("--from must be before --to");
    if (auto u = rightmoment::parse_store_url(store_url);
        u.backend == rightmoment::StoreUrl::Backend::Sqlite && !std::filesystem::exists(u.sqlite_path)) {
      std::cerr << "rightmoment-report: no SQLite store at '" << u.sqlite_path << "'\n";
      return 1;
    }
    options.from = *from;
    options.to = *to;

    auto store = rightmoment::open_history_store(store_url);
    auto records = store->read_outcomes(*from, *to);
    report::Report r = report::compute_report(records, options);
    report::RenderContext context{rightmoment::redact_store_url(store_url), now_rfc3339()};

    if (!out_path.empty()) {
      std::ofstream file(out_path, std::ios::binary | std::ios::trunc);
      file << report::render_html(r, context);
      file.close();
      if (!file) {
        std::cerr << "rightmoment-report: cannot write '" << out_path << "'\n";
        return 1;
      }
    }
    std::cout << report::render_text(r, context);
    if (!out_path.empty()) std::cout << "\nHTML report: " << out_path << "\n";
    std::cout.flush();
    return std::cout ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "rightmoment-report: " << e.what() << "\n";
    return 1;
  }
}
