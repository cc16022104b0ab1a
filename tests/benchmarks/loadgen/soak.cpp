// rightmoment-soak: the soak benchmark of issue 15 (docs/performance.md, "Soak").
//
// A host like rightmoment-loadgen (the plugin loaded through the SDK, a generic listener on a free
// loopback port, the same scripted calls from load_driver), run for a long time with what a
// contact centre's day throws at it:
//   - connection churn: connections drop in mid-call, reconnect and resend their last events;
//   - a store outage in the middle: another connection holds SQLite's write lock (every write of the
//     outcome record fails after its busy timeout and is retried), or --outage-start/--outage-end
//     run commands of your own (e.g. pg_ctl stop / start for a PostgreSQL store);
//   - a rule reload every --reload-every seconds;
//   - pop-up pages opening and closing (--pages of them open at a time, each for 2 to 10 s).
// It prints resident memory over time and, at the end, duplicated prompts, outcome rows lost,
// error replies and prompts past their budget. Figures are printed, never judged: the exit status
// is non-zero only when the harness breaks (the plugin does not start, a connection or a drain
// barrier fails, nothing arrives).
//
//   rightmoment-soak [--interactions 2000] [--rate 2.5] [--duration 1800] [--warmup 120]
//                    [--churn-per-s 2] [--resend-last 8] [--outage 60] [--outage-at S (duration/2)]
//                    [--outage-start CMD --outage-end CMD] [--reload-every 60] [--pages 20]
//                    [--report-every 60] [--customers 20000] [--store URL] [--json FILE] [--smoke]
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <functional>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/history/open_history_store.hpp"
#include "plugin/history/history_store.hpp"
#include "plugin/history/synthetic_history.hpp"
#include "rightmoment/plugin.hpp"
#include "tests/benchmarks/loadgen/common.hpp"
#include "tests/benchmarks/loadgen/load_driver.hpp"
#include "tests/support/event_socket.hpp"

namespace lg = rightmoment::loadgen;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::size_t interactions = 2000;
  double rate = 2.5;  // events/s per interaction: 2 utterances/s
  double duration_s = 1800;
  // Memory "after warm-up" is measured from here: by then the bounded memories of ended calls are
  // full (65,536 ended interactions are remembered: 5.5 minutes at 200 calls/s).
  double warmup_s = 420;
  double churn_per_s = 2;
  std::size_t resend_last = 8;
  double outage_s = 60;
  double outage_at_s = -1;  // -1: in the middle
  std::string outage_start, outage_end;
  double reload_every_s = 60;
  std::size_t pages = 20;
  double report_every_s = 60;
  std::uint64_t customers = 20000;
  std::string store;  // empty: a fresh SQLite file
  std::string json_out;
  double budget_ms = 500;  // a prompt later than this after its trigger was sent is past its budget
};

bool parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    try {
      if (a == "--smoke") {
        o.interactions = 40;
        o.rate = 5;
        o.duration_s = 8;
        o.warmup_s = 2;
        o.churn_per_s = 4;
        o.outage_s = 2;
        o.reload_every_s = 2;
        o.pages = 3;
        o.report_every_s = 2;
        o.customers = 200;
      } else if (a == "--interactions" && value(v)) o.interactions = std::stoull(v);
      else if (a == "--rate" && value(v)) o.rate = std::stod(v);
      else if (a == "--duration" && value(v)) o.duration_s = std::stod(v);
      else if (a == "--warmup" && value(v)) o.warmup_s = std::stod(v);
      else if (a == "--churn-per-s" && value(v)) o.churn_per_s = std::stod(v);
      else if (a == "--resend-last" && value(v)) o.resend_last = std::stoull(v);
      else if (a == "--outage" && value(v)) o.outage_s = std::stod(v);
      else if (a == "--outage-at" && value(v)) o.outage_at_s = std::stod(v);
      else if (a == "--outage-start" && value(v)) o.outage_start = v;
      else if (a == "--outage-end" && value(v)) o.outage_end = v;
      else if (a == "--reload-every" && value(v)) o.reload_every_s = std::stod(v);
      else if (a == "--pages" && value(v)) o.pages = std::stoull(v);
      else if (a == "--report-every" && value(v)) o.report_every_s = std::stod(v);
      else if (a == "--customers" && value(v)) o.customers = std::stoull(v);
      else if (a == "--store" && value(v)) o.store = v;
      else if (a == "--json" && value(v)) o.json_out = v;
      else return false;
    } catch (const std::exception&) {
      return false;
    }
  }
  if (o.outage_at_s < 0) o.outage_at_s = (o.duration_s - o.outage_s) / 2;
  return o.interactions > 0 && o.rate > 0 && o.duration_s > 0 && o.report_every_s > 0;
}

// Prompt latencies in fixed buckets (25 % apart, 1 us to about 5 min): a whole soak in 90 numbers.
class Histogram {
 public:
  void add(double us) {
    std::size_t b = us <= 1 ? 0 : std::min<std::size_t>(kBuckets - 1, static_cast<std::size_t>(std::log(us) / std::log(1.25)) + 1);
    std::lock_guard lock(mutex_);
    ++counts_[b];
    ++n_;
    max_ = std::max(max_, us);
  }
  double quantile(double q) const {
    std::lock_guard lock(mutex_);
    std::uint64_t seen = 0, want = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(n_)));
    for (std::size_t b = 0; b < kBuckets; ++b)
      if ((seen += counts_[b]) >= want && seen > 0) return std::pow(1.25, static_cast<double>(b));  // the bucket's top
    return 0;
  }
  double max() const {
    std::lock_guard lock(mutex_);
    return max_;
  }

 private:
  static constexpr std::size_t kBuckets = 90;
  mutable std::mutex mutex_;
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t n_ = 0;
  double max_ = 0;
};

// What the host callback saw: every prompt, once per (interaction, rule, agent) or a duplicate.
// Prompts go to a file (interaction and prompt id), to be found in the outcome record at the end;
// the duplicate check forgets interactions quiet for two minutes, so it stays small.
class PromptLedger {
 public:
  explicit PromptLedger(const std::string& path, double budget_ms) : out_(path), budget_us_(budget_ms * 1000) {}

  void on_prompt(std::string_view p) {
    std::int64_t now = lg::now_ns();
    auto field = [&](const char* key) { return lg::json_string_field(p, key); };
    std::string interaction(field("\"interaction_id\":\"")), prompt(field("\"prompt_id\":\""));
    std::string key = std::string(field("\"rule_id\":\"")) + "@" + std::string(field("\"agent_id\":\""));
    std::int64_t sent = lg::send_time_of_event_id(field("\"trigger_event_id\":\""));
    double us = sent > 0 ? static_cast<double>(now - sent) / 1000.0 : -1;
    if (us >= 0) latency_.add(us);
    std::lock_guard lock(mutex_);
    ++prompts_;
    if (us > budget_us_) ++past_budget_;
    out_ << interaction << '\t' << prompt << '\n';
    auto& seen = live_[interaction];
    seen.last = Clock::now();
    if (!seen.keys.insert(key).second) {
      ++duplicates_;
      if (duplicate_examples_.size() < 5) duplicate_examples_.push_back(interaction + " " + key);
    }
  }
  void forget_quiet(std::chrono::seconds quiet) {
    std::lock_guard lock(mutex_);
    auto cutoff = Clock::now() - quiet;
    std::erase_if(live_, [&](const auto& e) { return e.second.last < cutoff; });
  }
  void close() {
    std::lock_guard lock(mutex_);
    out_.close();
  }
  std::uint64_t prompts() const { return locked(prompts_); }
  std::uint64_t duplicates() const { return locked(duplicates_); }
  std::uint64_t past_budget() const { return locked(past_budget_); }
  std::vector<std::string> duplicate_examples() const {
    std::lock_guard lock(mutex_);
    return duplicate_examples_;
  }
  const Histogram& latency() const { return latency_; }

 private:
  std::uint64_t locked(const std::uint64_t& v) const {
    std::lock_guard lock(mutex_);
    return v;
  }
  struct Seen {
    std::set<std::string> keys;
    Clock::time_point last;
  };
  mutable std::mutex mutex_;
  std::ofstream out_;
  double budget_us_;
  std::map<std::string, Seen> live_;
  std::uint64_t prompts_ = 0, duplicates_ = 0, past_budget_ = 0;
  std::vector<std::string> duplicate_examples_;
  Histogram latency_;
};

// Agents' pop-up pages: `count` open at a time, each for 2 to 10 s, for agents of live calls.
class PageChurn {
 public:
  PageChurn(rightmoment::sdk::Plugin& plugin, std::string origin, std::size_t agents, std::size_t count)
      : plugin_(plugin), origin_(std::move(origin)), agents_(agents), count_(count) {}
  ~PageChurn() { stop(); }

  void start() {
    if (count_ == 0) return;
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::uint64_t opened() const { return opened_; }
  std::uint64_t failed() const { return failed_; }

 private:
  struct Page {
    std::unique_ptr<rightmoment::testing::EventSocket> socket;
    Clock::time_point close_at;
  };
  void run() {
    std::mt19937_64 rng(11);
    std::vector<Page> open;
    while (!stopping_) {
      auto now = Clock::now();
      std::erase_if(open, [&](Page& p) {
        if (p.close_at > now) return false;
        try {
          p.socket->close();
        } catch (const std::exception&) {
        }
        return true;
      });
      while (open.size() < count_ && !stopping_) {
        try {
          std::string link = plugin_.mint_agent_link("agent-" + std::to_string(rng() % agents_), 600);
          std::string ws = "ws" + link.substr(4);  // http://HOST:PORT/agent?... -> ws://HOST:PORT/agent/ws?...
          ws.insert(ws.find("/agent?") + 6, "/ws");
          auto socket = std::make_unique<rightmoment::testing::EventSocket>(ws, origin_);
          if (socket->read().find("\"snapshot\"") == std::string::npos) ++failed_;
          open.push_back(Page{std::move(socket), now + std::chrono::milliseconds(2000 + rng() % 8000)});
          ++opened_;
        } catch (const std::exception&) {
          ++failed_;
          break;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    for (auto& p : open) {
      try {
        p.socket->close();
      } catch (const std::exception&) {
      }
    }
  }
  rightmoment::sdk::Plugin& plugin_;
  std::string origin_;
  std::size_t agents_, count_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> opened_{0}, failed_{0};
  std::thread thread_;
};

// The store outage: SQLite's write lock held by a connection of ours, or the user's commands.
class Outage {
 public:
  Outage(const Options& o, std::string sqlite_path) : o_(o), path_(std::move(sqlite_path)) {}
  bool begin() {
    if (!o_.outage_start.empty()) return std::system(o_.outage_start.c_str()) == 0;
    if (!o_.store.empty()) return false;  // a store of the user's: only their commands can stop it
    if (sqlite3_open(path_.c_str(), &db_) != SQLITE_OK) return false;
    sqlite3_busy_timeout(db_, 30000);  // the plugin's writer may hold the lock for a moment
    return sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  bool end() {
    if (!o_.outage_end.empty()) return std::system(o_.outage_end.c_str()) == 0;
    bool ok = db_ && sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
    sqlite3_close(db_);
    db_ = nullptr;
    return ok;
  }
  const char* what() const { return o_.outage_start.empty() ? "SQLite write lock held by another connection" : "outage commands"; }

 private:
  const Options& o_;
  std::string path_;
  sqlite3* db_ = nullptr;
};

// Which prompts the host was given have no row in the outcome record: the delivered ones as 64-bit
// hashes of "interaction<TAB>prompt" (sorted; a row marks its hash found), so that millions of them
// fit in a few tens of MB.
class LossCheck {
 public:
  explicit LossCheck(const std::string& delivered_file) {
    std::ifstream in(delivered_file);
    for (std::string line; std::getline(in, line);) hashes_.push_back(std::hash<std::string>{}(line));
    std::sort(hashes_.begin(), hashes_.end());
    found_.assign(hashes_.size(), false);
  }
  void prompt_row(const std::string& interaction, const std::string& prompt) {
    std::uint64_t h = std::hash<std::string>{}(interaction + '\t' + prompt);
    for (auto it = std::lower_bound(hashes_.begin(), hashes_.end(), h); it != hashes_.end() && *it == h; ++it)
      found_[static_cast<std::size_t>(it - hashes_.begin())] = true;
  }
  void summary_row(const std::string& interaction) { summaries_ += interaction.rfind("lg", 0) == 0 ? 1 : 0; }
  std::uint64_t delivered() const { return hashes_.size(); }
  std::uint64_t lost() const { return static_cast<std::uint64_t>(std::count(found_.begin(), found_.end(), false)); }
  std::uint64_t summaries() const { return summaries_; }

 private:
  std::vector<std::uint64_t> hashes_;
  std::vector<bool> found_;
  std::uint64_t summaries_ = 0;
};

// The SQLite record, row by row (the whole record of a half-hour soak does not fit in memory).
void read_record_rows(const std::string& path, LossCheck& loss) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) throw std::runtime_error("cannot open " + path);
  auto each = [&](const char* sql, const std::function<void(sqlite3_stmt*)>& row) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db));
    while (sqlite3_step(s) == SQLITE_ROW) row(s);
    sqlite3_finalize(s);
  };
  auto text = [](sqlite3_stmt* s, int i) { return std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, i))); };
  each("SELECT interaction_id, prompt_id FROM outcome_prompts", [&](sqlite3_stmt* s) { loss.prompt_row(text(s, 0), text(s, 1)); });
  each("SELECT interaction_id FROM outcome_interactions", [&](sqlite3_stmt* s) { loss.summary_row(text(s, 0)); });
  sqlite3_close(db);
}

std::string plugin_config(const Options& o, const std::string& store) {
  json listener = {{"name", "generic"},        {"adapter", "generic"},        {"address", "127.0.0.1"},
                   {"port", 0},                {"path", "/events"},           {"auth", {{"mode", "none"}}},
                   {"max_connections", o.interactions + 100}, {"idle_timeout_s", 600}};
  json c = {{"instance_name", "rightmoment-soak"},
            {"log", {{"level", "warn"}, {"host", true}, {"stderr", false}}},
            {"history", {{"store", store}, {"default_region", "US"}, {"lookup_budget_ms", 500}, {"workers", 2}}},
            {"rules",
             {{"files", {RIGHTMOMENT_SOURCE_DIR "/config/rules/default.rules.jsonc"}},
              {"lexicons", RIGHTMOMENT_SOURCE_DIR "/config/lexicons"}}},
            {"listeners", json::array({listener})},
            {"popup", {{"port", 0}, {"link_secret", "soak-link-secret-0123456789"}}}};
  return c.dump(2);
}

std::string fmt(double v, int decimals = 0) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

int run(const Options& o) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("rightmoment-soak-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string db = (dir / "store.db").string();
  std::string store = o.store.empty() ? "sqlite:" + db : o.store;
  std::atomic<std::uint64_t> warnings{0};
  PromptLedger ledger((dir / "prompts.tsv").string(), o.budget_ms);
  json report;
  int rc = 0;
  try {
    rightmoment::sdk::Library lib(RIGHTMOMENT_PLUGIN_PATH);
    rightmoment::sdk::Callbacks cb;
    cb.on_prompt = [&](std::string_view p) { ledger.on_prompt(p); };
    cb.on_log = [&warnings](rm_log_level level, std::string_view line) {
      if (level < RM_LOG_WARN || line.find("without authentication") != std::string_view::npos) return;
      if (warnings.fetch_add(1) < 8) std::cerr << "plugin: " << line << "\n";
    };
    rightmoment::sdk::Plugin plugin(lib, rightmoment::sdk::ConfigText{plugin_config(o, store)}, cb);
    if (o.customers > 0 && o.store.empty()) {
      std::string history = (dir / "history.jsonl").string();
      {
        std::ofstream out(history);
        rightmoment::SyntheticHistoryOptions h;
        h.customers = o.customers;
        h.now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        rightmoment::write_synthetic_history(out, h);
      }
      plugin.import_history(history);
    }
    plugin.start();
    json status = json::parse(plugin.status_json());
    auto url = rightmoment::testing::parse_ws_url(status["listeners"][0]["url"].get<std::string>());

    lg::DriverOptions d;
    d.host = url.host;
    d.port = url.port;
    d.target = url.target;
    d.interactions = o.interactions;
    d.rate = o.rate;
    d.customers = o.store.empty() ? o.customers : 0;
    d.ramp_s = static_cast<double>(d.utterances_per_call + 5) / o.rate;
    d.churn_per_s = o.churn_per_s;
    d.resend_last = o.resend_last;
    lg::LoadDriver driver(d);
    std::string error;
    if (!driver.connect(120, error)) throw std::runtime_error(error);
    PageChurn pages(plugin, status["popup"]["url"].get<std::string>(), o.interactions, o.pages);
    Outage outage(o, db);

    std::cout << "RightMoment soak: " << o.interactions << " live calls at " << fmt(o.rate, 1) << " events/s each ("
              << fmt(o.rate * 0.8, 1) << " utterances/s), " << fmt(o.duration_s) << " s; churn " << fmt(o.churn_per_s, 1)
              << " connections/s (resending their last " << o.resend_last << " events); a " << fmt(o.outage_s) << " s store outage at "
              << fmt(o.outage_at_s) << " s (" << outage.what() << "); rules reloaded every " << fmt(o.reload_every_s) << " s; "
              << o.pages << " pop-up pages open at a time; " << std::thread::hardware_concurrency() << " cores\n\n";
    std::printf("%8s %9s %7s %10s %9s %7s %8s %6s %6s %5s %5s %s\n", "t (s)", "RSS MiB", "calls", "events", "prompts",
                "outq", "written", "store", "recon", "dup", "late", "load average");

    auto t0 = Clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
    driver.start();
    pages.start();
    double next_report = 0, next_reload = o.reload_every_s;
    bool in_outage = false, outage_done = false;
    double outage_began = 0, outage_ended = 0, recovered_after = -1;
    std::uint64_t reloads = 0, reload_failures = 0;
    double reload_max_ms = 0;
    long rss_warm = 0, rss_max_after_warm = 0, rss_min_after_warm = LONG_MAX;
    std::vector<json> samples;
    while (elapsed() < o.duration_s) {
      double t = elapsed();
      if (!in_outage && !outage_done && o.outage_s > 0 && t >= o.outage_at_s) {
        if (!outage.begin()) std::cerr << "soak: the outage did not begin\n";
        in_outage = true;
        outage_began = t;
        std::printf("-- %.0f s: store outage begins\n", t);
      }
      if (in_outage && t >= outage_began + o.outage_s) {
        if (!outage.end()) std::cerr << "soak: the outage did not end cleanly\n";
        in_outage = false;
        outage_done = true;
        outage_ended = t;
        std::printf("-- %.0f s: store outage ends\n", t);
      }
      if (o.reload_every_s > 0 && t >= next_reload) {
        next_reload += o.reload_every_s;
        try {
          auto began = Clock::now();
          plugin.reload_rules();
          reload_max_ms = std::max(reload_max_ms, std::chrono::duration<double, std::milli>(Clock::now() - began).count());
          ++reloads;
        } catch (const std::exception& e) {
          ++reload_failures;
          std::cerr << "soak: reload failed: " << e.what() << "\n";
        }
      }
      json m = json::parse(plugin.status_json())["metrics"];
      std::int64_t outq = m["queue_depth"]["outcome"];
      if (outage_done && recovered_after < 0 && outq < 100) recovered_after = t - outage_ended;
      long rss = lg::rss_kib();
      if (t >= o.warmup_s) {
        if (rss_warm == 0) rss_warm = rss;
        rss_max_after_warm = std::max(rss_max_after_warm, rss);
        rss_min_after_warm = std::min(rss_min_after_warm, rss);
      }
      if (t >= next_report) {
        next_report += o.report_every_s;
        auto c = driver.counters();
        std::printf("%8.0f %9.1f %7lld %10llu %9llu %7lld %8llu %6s %6llu %5llu %5llu %s\n", t, static_cast<double>(rss) / 1024.0,
                    static_cast<long long>(m["active_interactions"].get<std::int64_t>()),
                    static_cast<unsigned long long>(m["events_in"].get<std::uint64_t>()),
                    static_cast<unsigned long long>(ledger.prompts()), static_cast<long long>(outq),
                    static_cast<unsigned long long>(m["outcome_written"].get<std::uint64_t>()),
                    m["store_reachable"].get<bool>() ? "up" : "down", static_cast<unsigned long long>(c.reconnects),
                    static_cast<unsigned long long>(ledger.duplicates()), static_cast<unsigned long long>(ledger.past_budget()),
                    lg::load_average().c_str());
        std::fflush(stdout);
        samples.push_back({{"t_s", t}, {"rss_kib", rss}, {"active", m["active_interactions"]}, {"outcome_queue", outq},
                           {"load", lg::load_average()}});
        ledger.forget_quiet(std::chrono::seconds(120));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (in_outage) outage.end();
    pages.stop();
    // Every call ends, every connection syncs: processed, delivered, and its outcome committed.
    bool synced = driver.stop_and_sync(600, error);
    auto c = driver.counters();
    if (!synced) {
      std::cerr << "soak: " << error << "\n";
      rc = 2;
    }
    plugin.drain(60000);
    long rss_end = lg::rss_kib();
    json m = json::parse(plugin.status_json())["metrics"];
    json popup = json::parse(plugin.status_json())["popup"];
    plugin.stop();
    ledger.close();

    // Outcome rows lost: prompts the host was given whose row is not in the record, and calls without
    // a summary. Read after the plugin stopped (the record is durable once a drain returned).
    LossCheck loss((dir / "prompts.tsv").string());
    if (o.store.empty()) {
      read_record_rows(db, loss);
    } else {
      auto reader = rightmoment::open_history_store(store);  // the whole record in memory: fine for short runs
      for (const auto& r : reader->read_outcomes(0, INT64_MAX)) {
        if (auto* p = std::get_if<rightmoment::PromptOutcome>(&r)) loss.prompt_row(p->interaction_id, p->prompt_id);
        if (auto* i = std::get_if<rightmoment::InteractionOutcome>(&r)) loss.summary_row(i->interaction_id);
      }
    }
    std::uint64_t delivered = loss.delivered(), lost = loss.lost(), summaries = loss.summaries();
    std::uint64_t calls = c.calls_started;
    const json& e2p = m["event_to_prompt_latency"];
    std::cout << "\nsoak results (" << fmt(elapsed()) << " s, load average at the end " << lg::load_average() << ")\n";
    auto row = [](const std::string& name, const std::string& value) { std::printf("| %-66s | %24s |\n", name.c_str(), value.c_str()); };
    row("figure", "measured");
    std::printf("|%s|%s|\n", std::string(68, '-').c_str(), std::string(26, '-').c_str());
    row("resident memory after warm-up / at the end (MiB)",
        fmt(static_cast<double>(rss_warm) / 1024, 1) + " / " + fmt(static_cast<double>(rss_end) / 1024, 1));
    row("resident memory after warm-up, min / max (MiB)",
        fmt(static_cast<double>(rss_min_after_warm == LONG_MAX ? 0 : rss_min_after_warm) / 1024, 1) + " / " +
            fmt(static_cast<double>(rss_max_after_warm) / 1024, 1));
    row("calls / events sent / events resent after a reconnect",
        std::to_string(calls) + " / " + std::to_string(c.events_sent) + " / " + std::to_string(c.events_resent));
    row("connections dropped and reconnected", std::to_string(c.reconnects));
    row("duplicated prompts (same call, rule and agent twice)", std::to_string(ledger.duplicates()));
    row("prompts delivered / outcome rows lost", std::to_string(delivered) + " / " + std::to_string(lost));
    row("calls ended / summaries recorded", std::to_string(calls) + " / " + std::to_string(summaries));
    row("outcome records dropped (queue full) / write failures (retried)",
        std::to_string(m["outcome_dropped"].get<std::uint64_t>()) + " / " + std::to_string(m["outcome_write_failures"].get<std::uint64_t>()));
    row("error replies", std::to_string(c.error_replies));
    row("prompts past their budget (" + fmt(o.budget_ms) + " ms from trigger sent)", std::to_string(ledger.past_budget()));
    row("screen pops past the lookup budget (history unavailable)", std::to_string(m["lookup_budget_exceeded"].get<std::uint64_t>()));
    row("prompt latency p50 / p99 / max (ms, trigger sent -> callback)",
        fmt(ledger.latency().quantile(0.5) / 1000, 2) + " / " + fmt(ledger.latency().quantile(0.99) / 1000, 2) + " / " +
            fmt(ledger.latency().max() / 1000, 1));
    row("in-plugin event -> prompt p50 / p99 (ms, bucketed)",
        fmt(e2p.value("p50_us", 0.0) / 1000, 2) + " / " + fmt(e2p.value("p99_us", 0.0) / 1000, 2));
    const json& sl = m["store_lookup_latency"];
    row("in-plugin store lookup p50 / p99 / max (ms, bucketed)", fmt(sl.value("p50_us", 0.0) / 1000, 2) + " / " +
                                                                   fmt(sl.value("p99_us", 0.0) / 1000, 2) + " / " +
                                                                   fmt(sl.value("max_us", 0.0) / 1000, 1));
    row("outcome-record reads failed or late (the call started afresh)",
        std::to_string(m["record_lookup_failures"].get<std::uint64_t>()));
    row("outcome queue back under 100 after the outage (s)", recovered_after < 0 ? "not yet" : fmt(recovered_after, 1));
    row("rule reloads (failed), longest (ms, on the calling thread)",
        std::to_string(reloads) + " (" + std::to_string(reload_failures) + "), " + fmt(reload_max_ms, 1));
    row("pop-up pages opened (failed) / pages refused", std::to_string(pages.opened()) + " (" + std::to_string(pages.failed()) +
                                                           ") / " + std::to_string(popup.value("pages_refused", 0)));
    row("plugin warnings", std::to_string(warnings.load()));
    for (const auto& ex : ledger.duplicate_examples()) std::cout << "duplicate: " << ex << "\n";
    if (c.first_error.size()) std::cout << "first error: " << c.first_error << "\n";
    report = {{"duration_s", elapsed()},
              {"interactions", o.interactions},
              {"rate", o.rate},
              {"load_average_end", lg::load_average()},
              {"rss_warm_kib", rss_warm},
              {"rss_end_kib", rss_end},
              {"rss_min_after_warm_kib", rss_min_after_warm == LONG_MAX ? 0 : rss_min_after_warm},
              {"rss_max_after_warm_kib", rss_max_after_warm},
              {"samples", samples},
              {"calls", calls},
              {"events_sent", c.events_sent},
              {"events_resent", c.events_resent},
              {"reconnects", c.reconnects},
              {"duplicated_prompts", ledger.duplicates()},
              {"prompts_delivered", delivered},
              {"outcome_rows_lost", lost},
              {"summaries", summaries},
              {"outcome_dropped", m["outcome_dropped"]},
              {"outcome_write_failures", m["outcome_write_failures"]},
              {"error_replies", c.error_replies},
              {"prompts_past_budget", ledger.past_budget()},
              {"lookup_budget_exceeded", m["lookup_budget_exceeded"]},
              {"outage_recovered_after_s", recovered_after},
              {"reloads", reloads},
              {"pages_opened", pages.opened()}};
    if (c.events_sent == 0 || delivered == 0) {
      std::cerr << "soak: no events or no prompts: the harness is broken\n";
      rc = 2;
    }
  } catch (const std::exception& e) {
    std::cerr << "soak: " << e.what() << "\n";
    rc = 2;
  }
  if (!o.json_out.empty() && !report.is_null()) std::ofstream(o.json_out, std::ios::app) << report.dump() << "\n";
  std::error_code ec;
  fs::remove_all(dir, ec);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_args(argc, argv, o)) {
    std::cerr << "usage: rightmoment-soak [--interactions N] [--rate R] [--duration S] [--warmup S] [--churn-per-s C]\n"
                 "         [--resend-last K] [--outage S] [--outage-at S] [--outage-start CMD --outage-end CMD]\n"
                 "         [--reload-every S] [--pages P] [--report-every S] [--customers N] [--store URL] [--json FILE]\n"
                 "         [--smoke]\n";
    return 64;
  }
  return run(o);
}
