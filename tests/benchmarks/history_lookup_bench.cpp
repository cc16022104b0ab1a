// Warm screen-pop lookups against a store of N customers (default 1,000,000): resolve the caller by
// phone, then load their history. Prints p50/p99/p99.9 (target: p99 < 1 ms warm in SQLite).
//   rightmoment-history-lookup-bench [--customers N] [--store sqlite:PATH] [--lookups K]
// The store file is generated once and reused (it takes about two minutes for a million customers).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "plugin/history/history_importer.hpp"
#include "adapters/history/open_history_store.hpp"
#include "plugin/history/history_store.hpp"
#include "plugin/history/identity.hpp"
#include "plugin/history/synthetic_history.hpp"

using namespace rightmoment;

int main(int argc, char** argv) {
  std::uint64_t customers = 1'000'000, lookups = 20'000;
  std::string store_url;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--customers" && i + 1 < argc) customers = std::stoull(argv[++i]);
    else if (a == "--lookups" && i + 1 < argc) lookups = std::stoull(argv[++i]);
    else if (a == "--store" && i + 1 < argc) store_url = argv[++i];
    else if (a.rfind("--benchmark_min_time", 0) == 0) {  // the CI smoke run: a small store, a few lookups
      customers = 2'000;
      lookups = 500;
    }
  }
  std::string path = "/tmp/rightmoment-bench-" + std::to_string(customers) + ".db";
  if (store_url.empty()) store_url = "sqlite://" + path;
  auto store = open_history_store(store_url);
  const EventTimeMs now = *parse_rfc3339("2026-11-22T12:00:00Z");
  CustomerIdentifiers probe;
  probe.phone = "+1 415 " + std::to_string(200 + (customers / 10000) % 800) + " " + std::to_string(customers % 10000);
  if (resolve_caller(*store, probe, "US").customer_id.value_or("") != "cu-" + std::to_string(customers)) {
    std::printf("generating %llu customers into %s ...\n", static_cast<unsigned long long>(customers), store_url.c_str());
    auto t0 = std::chrono::steady_clock::now();
    const std::uint64_t chunk = 50'000;
    for (std::uint64_t first = 0; first < customers; first += chunk) {
      // Generate in chunks so memory stays small: the generator numbers customers from 1 per call,
      // so shift ids by writing to a stream and importing it.
      std::stringstream jsonl;
      SyntheticHistoryOptions o{std::min(chunk, customers - first), 42 + first, now};
      write_synthetic_history(jsonl, o);
      std::string text = jsonl.str(), shifted;
      shifted.reserve(text.size());
      // Renumber "cu-K" -> "cu-(first+K)", "cK@" and "ACC-K" and the phone's last digits likewise.
      std::stringstream in(text);
      std::stringstream out;
      for (std::string line; std::getline(in, line);) {
        auto renumber = [&](const std::string& prefix) {
          std::size_t pos = 0;
          while ((pos = line.find(prefix, pos)) != std::string::npos) {
            std::size_t b = pos + prefix.size(), e = b;
            while (e < line.size() && std::isdigit(static_cast<unsigned char>(line[e]))) ++e;
            if (e == b) {
              pos = b;
              continue;
            }
            std::string n = std::to_string(first + std::stoull(line.substr(b, e - b)));
            line.replace(b, e - b, n);
            pos = b + n.size();
          }
        };
        renumber("\"cu-");
        renumber("\"c");
        renumber("ACC-");
        if (line.find("\"kind\":\"phone\"") != std::string::npos) {
          std::string id = line.substr(line.find("\"cu-") + 4);
          std::uint64_t k = std::stoull(id);
          char phone[32];
          std::snprintf(phone, sizeof phone, "+1 415 %llu %llu", static_cast<unsigned long long>(200 + (k / 10000) % 800),
                        static_cast<unsigned long long>(k % 10000));
          auto v = line.find("\"value\":\"");
          auto end = line.find('"', v + 9);
          line.replace(v + 9, end - v - 9, phone);
        }
        out << line << '\n';
      }
      import_history_stream(out, *store, "US", nullptr, 5000);
    }
    std::printf("generated in %.1f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }

  std::mt19937_64 rng(7);
  auto one = [&] {
    std::uint64_t k = 1 + rng() % customers;
    CustomerIdentifiers ids;
    ids.phone = "+1 415 " + std::to_string(200 + (k / 10000) % 800) + " " + std::to_string(k % 10000);
    auto t0 = std::chrono::steady_clock::now();
    CallerResolution r = resolve_caller(*store, ids, "US");
    if (r.customer_id) store->load_customer(*r.customer_id, HistoryLoadLimits{});
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  };
  for (std::uint64_t i = 0; i < std::min<std::uint64_t>(lookups, 2000); ++i) one();  // warm the page cache
  std::vector<double> us;
  us.reserve(lookups);
  for (std::uint64_t i = 0; i < lookups; ++i) us.push_back(one());
  std::sort(us.begin(), us.end());
  auto q = [&](double p) { return us[static_cast<std::size_t>(p * static_cast<double>(us.size() - 1))]; };
  std::printf("history lookup (resolve by phone + load), %llu customers, %llu warm lookups: p50 %.0f us, p99 %.0f us, "
              "p99.9 %.0f us, max %.0f us\n",
              static_cast<unsigned long long>(customers), static_cast<unsigned long long>(lookups), q(0.5), q(0.99),
              q(0.999), us.back());
  return 0;
}
