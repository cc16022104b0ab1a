// rightmoment-loadgen: the load generator of issue 7 (docs/performance.md).
//
// It is itself a host: it loads librightmoment.so through the SDK's C++ wrapper with a generic
// listener on a free loopback port, opens N WebSocket connections to it, drives scripted calls at a
// set rate (or as fast as the plugin takes them) and times every prompt from the moment its trigger
// event was sent to the moment the prompt reached the host callback. In the same command it drives
// the same load against a bare Beast WebSocket sink that reads and discards (the ceiling), each in a
// process of its own so that memory and CPU figures are not mixed, and prints both with the ratio.
//
// The outside view (--target outside) is how an integrator sees the same figures: the reference host
// (rightmoment-host, serve mode, on a copy of config/rightmoment.example.jsonc) runs as a process of
// its own and this one is only the client; each prompt is timed when its line is read from the
// host's standard output. In the same run the bare sink runs as a process of its own too
// (--serve-sink), echoing on its standard output each event that raises a prompt, timed the same way.
//
//   rightmoment-loadgen [--interactions 2000] [--connections 0 (=interactions)] [--rate 2|max]
//                       [--duration 30] [--warmup 5] [--utterances-per-call 20]
//                       [--store sqlite:PATH --customers N] [--target both|plugin|sink]
//                       [--lib build/lib/librightmoment.so] [--json FILE] [--smoke]
//   rightmoment-loadgen --target outside|host|sink-process [--host-bin PATH] [--config FILE]
//                       [--condition quiet] ...the same load options
//   rightmoment-loadgen --serve-sink      the bare sink alone, until SIGTERM
//
// Figures are printed, never judged: the exit status is non-zero only when the harness itself fails
// (the plugin does not load, a connection fails, a drain barrier is not answered, nothing arrives).
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "rightmoment/plugin.hpp"
#include "tests/benchmarks/loadgen/admin_status.hpp"
#include "tests/benchmarks/loadgen/bare_sink.hpp"
#include "tests/benchmarks/loadgen/common.hpp"
#include "tests/benchmarks/loadgen/host_config.hpp"
#include "tests/benchmarks/loadgen/load_driver.hpp"
#include "tests/benchmarks/loadgen/server_process.hpp"

namespace lg = rightmoment::loadgen;
using lg::load_average;
using lg::rss_kib;
using nlohmann::json;

namespace {

struct Options {
  std::size_t interactions = 2000;
  std::size_t connections = 0;
  double rate = 2.0;  // 0: max
  double duration_s = 30;
  double warmup_s = 5;
  std::size_t utterances_per_call = 20;
  std::string store;  // empty: a fresh SQLite file per run, removed afterwards
  std::uint64_t customers = 0;
  std::string target = "both";
  std::string lib = RIGHTMOMENT_PLUGIN_PATH;
  std::string json_out;
  std::string result_file;  // child mode: where to write this target's result
  bool smoke = false;
  // The outside view.
  std::string host_bin = RIGHTMOMENT_HOST_PATH;
  std::string config = RIGHTMOMENT_SOURCE_DIR "/config/rightmoment.example.jsonc";
  std::string condition = "quiet";  // a label for the JSON line: quiet, busy (stress-ng --cpu 1), ...
  bool serve_sink = false;
};

void usage() {
  std::cerr << "usage: rightmoment-loadgen [--interactions N] [--connections C] [--rate R|max] [--duration S]\n"
               "         [--warmup S] [--utterances-per-call U] [--store sqlite:PATH] [--customers N]\n"
               "         [--target both|plugin|sink|outside|host|sink-process] [--lib PATH] [--json FILE] [--smoke]\n"
               "         [--host-bin PATH] [--config FILE] [--condition LABEL]\n"
               "       rightmoment-loadgen --serve-sink\n";
}

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
        o.smoke = true;
        o.interactions = 20;
        o.connections = 5;
        o.rate = 20;
        o.duration_s = 1.5;
        o.warmup_s = 0.5;
      } else if (a == "--interactions" && value(v)) o.interactions = std::stoull(v);
      else if (a == "--connections" && value(v)) o.connections = std::stoull(v);
      else if (a == "--rate" && value(v)) o.rate = v == "max" ? 0.0 : std::stod(v);
      else if (a == "--duration" && value(v)) o.duration_s = std::stod(v);
      else if (a == "--warmup" && value(v)) o.warmup_s = std::stod(v);
      else if (a == "--utterances-per-call" && value(v)) o.utterances_per_call = std::stoull(v);
      else if (a == "--store" && value(v)) o.store = v;
      else if (a == "--customers" && value(v)) o.customers = std::stoull(v);
      else if (a == "--target" && value(v)) o.target = v;
      else if (a == "--lib" && value(v)) o.lib = v;
      else if (a == "--json" && value(v)) o.json_out = v;
      else if (a == "--result-file" && value(v)) o.result_file = v;
      else if (a == "--host-bin" && value(v)) o.host_bin = v;
      else if (a == "--config" && value(v)) o.config = v;
      else if (a == "--condition" && value(v)) o.condition = v;
      else if (a == "--serve-sink") o.serve_sink = true;
      else return false;
    } catch (const std::exception&) {
      return false;
    }
  }
  if (o.interactions == 0 || o.rate < 0 || o.duration_s <= 0 || o.utterances_per_call < 2) return false;
  return o.target == "both" || o.target == "plugin" || o.target == "sink" || o.target == "outside" ||
         o.target == "host" || o.target == "sink-process";
}

double process_cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

// CPU seconds of every thread of this process, by kernel thread id.
std::map<int, double> threads_cpu_s() {
  std::map<int, double> out;
  static const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream in(entry.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {  // fields 14 and 15: utime, stime
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
    }
    out[std::stoi(entry.path().filename().string())] = (utime + stime) / tick;
  }
  return out;
}

void sleep_s(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

json summary_json(const lg::LatencySamples::Summary& s) {
  return {{"count", s.count}, {"p50_us", s.p50}, {"p99_us", s.p99}, {"p999_us", s.p999}, {"max_us", s.max}, {"mean_us", s.mean}};
}

// What both targets measure the same way, around the measurement window.
struct Window {
  std::int64_t from_ns = 0, to_ns = 0;
  std::uint64_t events_from = 0, events_to = 0;
  std::uint64_t sent_from = 0, sent_to = 0;  // events the client had written
  double cpu_from = 0, cpu_to = 0, client_from = 0, client_to = 0;
  std::map<int, double> threads_from, threads_to;
  long rss_base = 0, rss_active = 0;
};

template <typename ServerEvents>
bool drive(const Options& o, const std::string& host, const std::string& port, const std::string& path,
           lg::LatencySamples* samples_a, lg::LatencySamples* samples_b, ServerEvents server_events, Window& w,
           lg::DriverCounters& counters, std::string& error) {
  lg::DriverOptions d;
  d.host = host;
  d.port = port;
  d.target = path;
  d.interactions = o.interactions;
  d.connections = o.connections;
  d.rate = o.rate;
  d.utterances_per_call = o.utterances_per_call;
  d.customers = o.customers;
  // Rate mode: the first calls start spread over one call's length, then the warm-up, then the window.
  d.ramp_s = o.rate > 0 ? static_cast<double>(o.utterances_per_call + 5) / o.rate : 0.0;
  w.rss_base = rss_kib();
  lg::LoadDriver driver(d);
  if (!driver.connect(60, error)) return false;
  driver.start();
  sleep_s(d.ramp_s + o.warmup_s);
  w.from_ns = lg::now_ns();
  if (samples_a) samples_a->set_window(w.from_ns, INT64_MAX);
  if (samples_b) samples_b->set_window(w.from_ns, INT64_MAX);
  w.events_from = server_events();
  w.cpu_from = process_cpu_s();
  w.threads_from = threads_cpu_s();
  {
    auto c0 = driver.counters();
    w.client_from = c0.thread_cpu_s;
    w.sent_from = c0.events_sent;
  }
  sleep_s(o.duration_s);
  w.to_ns = lg::now_ns();
  if (samples_a) samples_a->set_window(w.from_ns, w.to_ns);
  if (samples_b) samples_b->set_window(w.from_ns, w.to_ns);
  w.events_to = server_events();
  w.cpu_to = process_cpu_s();
  w.threads_to = threads_cpu_s();
  {
    auto c1 = driver.counters();
    w.client_to = c1.thread_cpu_s;
    w.sent_to = c1.events_sent;
  }
  w.rss_active = rss_kib();
  // At saturation the client writes into loopback socket buffers far ahead of what the server takes
  // (a minute of backlog was seen from outside): give the drain time for that.
  bool ok = driver.stop_and_sync(300, error);
  counters = driver.counters();
  return ok;
}

// The busiest threads over the window, in cores, named where we know them.
json busiest_threads(const Window& w, double secs, const std::map<int, std::string>& names) {
  std::vector<std::pair<double, int>> used;
  for (const auto& [tid, to] : w.threads_to) {
    auto from = w.threads_from.find(tid);
    used.emplace_back((to - (from == w.threads_from.end() ? 0.0 : from->second)) / secs, tid);
  }
  std::sort(used.rbegin(), used.rend());
  json out = json::array();
  for (std::size_t i = 0; i < used.size() && i < 8; ++i) {
    if (used[i].first < 0.005) break;
    auto n = names.find(used[i].second);
    out.push_back({{"tid", used[i].second}, {"name", n == names.end() ? "" : n->second}, {"cores", used[i].first}});
  }
  return out;
}

json window_json(const Options& o, const Window& w, const lg::DriverCounters& c, double server_cpu_s,
                 std::map<int, std::string> names = {}) {
  double secs = static_cast<double>(w.to_ns - w.from_ns) / 1e9;
  std::uint64_t events = w.events_to - w.events_from;
  names[c.thread_id] = "client";
  return {{"threads", busiest_threads(w, secs, names)},{"window_s", secs},
          {"events", events},
          {"events_per_s", static_cast<double>(events) / secs},
          {"server_cpu_cores", server_cpu_s / secs},
          {"server_cpu_us_per_event", events ? server_cpu_s * 1e6 / static_cast<double>(events) : 0.0},
          {"client_cpu_cores", (w.client_to - w.client_from) / secs},
          {"rss_base_kib", w.rss_base},
          {"rss_active_kib", w.rss_active},
          {"rss_per_interaction_kib", static_cast<double>(w.rss_active - w.rss_base) / static_cast<double>(o.interactions)},
          {"events_sent_total", c.events_sent},
          {"calls_started", c.calls_started},
          {"error_replies", c.error_replies},
          {"first_error", c.first_error}};
}

int run_sink(const Options& o, json& out) {
  lg::LatencySamples samples;
  lg::BareSink sink(samples);
  std::string error;
  if (!sink.start(error)) {
    std::cerr << "loadgen: " << error << "\n";
    return 2;
  }
  Window w;
  lg::DriverCounters counters;
  double sink_cpu_from = 0, sink_cpu_to = 0;
  bool ok = drive(
      o, "127.0.0.1", std::to_string(sink.port()), "/events", &samples, nullptr,
      [&] {
        (w.from_ns == 0 ? sink_cpu_from : sink_cpu_to) = sink.thread_cpu_s();
        return sink.events_received();
      },
      w, counters, error);
  sink.stop();
  if (!ok) {
    std::cerr << "loadgen (bare sink): " << error << "\n";
    return 2;
  }
  out = window_json(o, w, counters, sink_cpu_to - sink_cpu_from, {{sink.thread_id(), "sink I/O"}});
  out["target"] = "sink";
  out["latency"] = summary_json(samples.summary());
  out["latency_what"] = "event sent -> read by the sink";
  if (out["events"].get<std::uint64_t>() == 0) {
    std::cerr << "loadgen (bare sink): no event arrived\n";
    return 2;
  }
  return 0;
}

std::string plugin_config(const Options& o, const std::string& store) {
  json listener = {{"name", "generic"},
                   {"adapter", "generic"},
                   {"address", "127.0.0.1"},
                   {"port", 0},
                   {"path", "/events"},
                   {"auth", {{"mode", "none"}}},
                   {"max_connections", std::max<std::size_t>(1000, o.interactions + 100)},
                   {"idle_timeout_s", 600}};
  json c = {{"instance_name", "rightmoment-loadgen"},
            {"log", {{"level", "warn"}, {"host", true}, {"stderr", false}}},
            {"history", {{"store", store}, {"default_region", "US"}, {"lookup_budget_ms", 500}, {"workers", 2}}},
            {"rules",
             {{"files", {RIGHTMOMENT_SOURCE_DIR "/config/rules/default.rules.jsonc"}},
              {"lexicons", RIGHTMOMENT_SOURCE_DIR "/config/lexicons"}}},
            {"listeners", json::array({listener})}};
  return c.dump(2);
}

// ws://HOST:PORT/PATH into its parts; false when it is not of that shape.
bool split_ws_url(const std::string& url, std::string& host, std::string& port, std::string& path) {
  auto hp = url.find("://");
  auto slash = url.find('/', hp == std::string::npos ? 0 : hp + 3);
  auto colon = url.rfind(':', slash);
  if (hp == std::string::npos || slash == std::string::npos || colon == std::string::npos || colon < hp + 3) return false;
  host = url.substr(hp + 3, colon - hp - 3);
  port = url.substr(colon + 1, slash - colon - 1);
  path = url.substr(slash);
  return true;
}

int run_plugin(const Options& o, json& out) {
  std::string store = o.store, temp_db;
  if (store.empty()) {
    temp_db = (std::filesystem::temp_directory_path() / ("rightmoment-loadgen-" + std::to_string(::getpid()) + ".db")).string();
    store = "sqlite:" + temp_db;
  }
  lg::LatencySamples live, pops;
  std::atomic<std::uint64_t> prompts{0};
  std::atomic<int> delivery_tid{0};
  std::atomic<std::uint64_t> screen_pops{0};  // over the whole run, window or not
  std::atomic<std::uint64_t> warnings{0};     // plugin log lines at warn or above
  json metrics;
  Window w;
  lg::DriverCounters counters;
  std::string error;
  bool ok = false;
  try {
    rightmoment::sdk::Library lib(o.lib);
    rightmoment::sdk::Callbacks cb;
    cb.on_prompt = [&](std::string_view p) {
      std::int64_t t = lg::now_ns();
      std::int64_t sent = lg::send_time_of_event_id(lg::json_string_field(p, "\"trigger_event_id\":\""));
      bool pop = lg::json_string_field(p, "\"kind\":\"") == "screen_pop";
      if (sent > 0) (pop ? pops : live).record(sent, t);
      if (pop) screen_pops.fetch_add(1, std::memory_order_relaxed);
      if (prompts.fetch_add(1, std::memory_order_relaxed) == 0) delivery_tid = static_cast<int>(::gettid());
    };
    cb.on_log = [&warnings](rm_log_level level, std::string_view line) {
      if (level < RM_LOG_WARN || line.find("without authentication") != std::string_view::npos) return;
      if (warnings.fetch_add(1) < 5) std::cerr << "plugin: " << line << "\n";  // the first few; then counted
    };
    rightmoment::sdk::Plugin plugin(lib, rightmoment::sdk::ConfigText{plugin_config(o, store)}, cb);
    plugin.start();
    json status = json::parse(plugin.status_json());
    std::string url;
    for (const auto& l : status["listeners"])
      if (l.value("adapter", "") == "generic") url = l.value("url", "");
    std::string host, port, path;
    if (!split_ws_url(url, host, port, path)) {
      std::cerr << "loadgen: no generic listener in status: " << status["listeners"].dump() << "\n";
      return 2;
    }
    auto events_in = [&] { return json::parse(plugin.status_json())["metrics"].value("events_in", std::uint64_t{0}); };
    ok = drive(o, host, port, path, &live, &pops, events_in, w, counters, error);
    if (ok) plugin.drain(30000);
    metrics = json::parse(plugin.status_json())["metrics"];
    plugin.stop();
  } catch (const std::exception& e) {
    error = e.what();
    ok = false;
  }
  if (!temp_db.empty()) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(temp_db + suffix, ec);
  }
  if (!ok) {
    std::cerr << "loadgen (plugin): " << error << "\n";
    return 2;
  }
  double process_cpu = w.cpu_to - w.cpu_from, client_cpu = w.client_to - w.client_from;
  out = window_json(o, w, counters, process_cpu - client_cpu, {{delivery_tid.load(), "plugin delivery (host callback)"}});
  out["target"] = "plugin";
  out["latency"] = summary_json(live.summary());
  out["latency_what"] = "trigger event sent -> live prompt in the host callback";
  out["screen_pop"] = summary_json(pops.summary());
  out["prompts_received"] = prompts.load();
  out["plugin_warnings"] = warnings.load();
  if (warnings > 5) std::cerr << "plugin: " << warnings - 5 << " more warnings\n";
  out["plugin_metrics"] = {{"events_in", metrics["events_in"]},
                           {"prompts_delivered", metrics["prompts_delivered"]},
                           {"prompts_dropped", metrics["prompts_dropped"]},
                           {"prompts_by_rule", metrics["prompts_by_rule"]},
                           {"inbox_full", metrics["inbox_full"]},
                           {"rejections_by_code", metrics["rejections_by_code"]},
                           {"lookup_budget_exceeded", metrics["lookup_budget_exceeded"]},
                           {"event_to_prompt_latency", metrics["event_to_prompt_latency"]},
                           {"store_lookup_latency", metrics["store_lookup_latency"]}};
  if (out["events"].get<std::uint64_t>() == 0 || screen_pops.load() == 0) {
    std::cerr << "loadgen (plugin): no events or no screen pops measured: the harness is broken\n";
    return 2;
  }
  return 0;
}

// The events a server process has taken so far: the host's events_in from its admin server, the
// sink's count on SIGUSR1. On failure, 0 and a message (the first one kept).
std::uint64_t server_events(lg::ServerProcess& server, bool host, std::string& error) {
  std::string e;
  if (host) {
    json status = json::parse(lg::fetch_admin_status(server.admin_url(), 5, e), nullptr, false);
    if (status.is_object() && status.contains("metrics") && status["metrics"].contains("events_in"))
      return status["metrics"]["events_in"].get<std::uint64_t>();
    if (e.empty()) e = "no metrics.events_in in the host's /status";
  } else if (auto n = server.ask_count(SIGUSR1, 5)) {
    return *n;
  } else {
    e = "the sink did not report its count";
  }
  if (error.empty()) error = e;
  return 0;
}

// The outside view, one server: the reference host (`which` "host") on a copy of the example
// configuration, or the bare sink ("sink-process"), each a process of its own started here; this
// process is only the client. A prompt is timed when its line is read from the host's standard
// output (the sink's: the echo of an event that raises a prompt); throughput counts the events the
// client wrote in the window; CPU is the server process's utime + stime (/proc/<pid>/stat).
int run_server_process(const Options& o, const std::string& which, json& out) {
  const bool host = which == "host";
  lg::LatencySamples live, pops;
  std::atomic<std::uint64_t> screen_pops{0};
  auto on_line = [&](std::string_view line, std::int64_t t) {
    std::string_view id = lg::json_string_field(line, "\"trigger_event_id\":\"");
    bool pop = false;
    if (!id.empty()) {  // a prompt of the host
      pop = lg::json_string_field(line, "\"kind\":\"") == "screen_pop";
    } else {  // the sink's echo of an event
      id = lg::json_string_field(line, "\"event_id\":\"");
      pop = lg::json_string_field(line, "\"type\":\"") == "agent.joined";
    }
    std::int64_t sent = lg::send_time_of_event_id(id);
    if (sent > 0) (pop ? pops : live).record(sent, t);
    if (pop) screen_pops.fetch_add(1, std::memory_order_relaxed);
  };
  std::vector<std::string> argv;
  std::string config_copy, temp_db;
  if (host) {
    const auto stem = std::filesystem::temp_directory_path() / ("rightmoment-loadgen-" + std::to_string(::getpid()) + "-host");
    config_copy = stem.string() + ".jsonc";
    std::string store = o.store;
    if (store.empty()) {  // never the example's own store, beside it in the source tree
      temp_db = stem.string() + ".db";
      store = "sqlite:" + temp_db;
    }
    std::string error;
    if (!lg::write_host_config(o.config, store, config_copy, error)) {
      std::cerr << "loadgen: " << error << "\n";
      return 2;
    }
    argv = {o.host_bin, "--config", config_copy};
  } else {
    std::error_code ec;
    argv = {std::filesystem::read_symlink("/proc/self/exe", ec).string(), "--serve-sink"};
  }
  lg::ServerProcess server;
  std::string error;
  bool ok = server.start(argv, host ? "generic" : "sink", 120, on_line, error);
  std::string h, port, path;
  if (ok && !split_ws_url(server.url(), h, port, path)) {
    ok = false;
    error = "cannot read the listener's URL '" + server.url() + "'";
  }
  Window w;
  lg::DriverCounters counters;
  std::string count_error;
  double cpu_from = 0, cpu_to = 0;
  std::map<int, double> threads_from, threads_to;
  long rss_base = ok ? server.rss_kib() : 0, rss_active = 0;
  if (ok) {
    ok = drive(
        o, h, port, path, &live, &pops,
        [&] {
          if (w.from_ns != 0 && w.to_ns != 0) {
            cpu_to = server.cpu_seconds();
            threads_to = server.threads_cpu_seconds();
            rss_active = server.rss_kib();
          } else {
            cpu_from = server.cpu_seconds();
            threads_from = server.threads_cpu_seconds();
          }
          return server_events(server, host, count_error);
        },
        w, counters, error);
  }
  std::map<int, std::string> names;
  json plugin_metrics;  // the host's own account, from its admin server's /status
  if (ok && host && !server.admin_url().empty()) {
    std::string status_error;
    json status = json::parse(lg::fetch_admin_status(server.admin_url(), 10, status_error), nullptr, false);
    if (status.is_object() && status.contains("metrics")) {
      const json& m = status["metrics"];
      for (const char* key : {"events_in", "prompts_delivered", "prompts_dropped", "inbox_full", "lookup_budget_exceeded",
                              "event_to_prompt_latency", "store_lookup_latency"})
        if (m.contains(key)) plugin_metrics[key] = m[key];
    } else {
      std::cerr << "loadgen (host): no status from its admin server: " << status_error << "\n";
    }
  }
  if (ok) {
    // Threads the plugin leaves unnamed carry the program's name: those are told apart by id only.
    names = server.thread_names();
    const std::string program = names[server.pid()];
    for (auto& [tid, name] : names)
      if (name == program && tid != server.pid()) name.clear();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the last lines through the pipe
  }
  int status = server.stop(15);
  {
    std::error_code ec;
    if (!config_copy.empty()) std::filesystem::remove(config_copy, ec);
    if (!temp_db.empty())
      for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(temp_db + suffix, ec);
  }
  if (!ok) {
    std::cerr << "loadgen (" << which << "): " << error << "\n";
    return 2;
  }
  // Counted where the events arrive; the client's own count only when the server could not say.
  // (Written is not accepted: loopback socket buffers hold many seconds of a saturating load.)
  if (!count_error.empty()) {
    std::cerr << "loadgen (" << which << "): " << count_error << "; counting the events the client wrote\n";
    w.events_from = w.sent_from;
    w.events_to = w.sent_to;
  }
  w.threads_from = threads_from;
  w.threads_to = threads_to;
  out = window_json(o, w, counters, cpu_to - cpu_from, names);
  out["target"] = which;
  out["events_counted"] = !count_error.empty() ? "written by the client in the window"
                          : host                ? "the host's events_in (admin /status) at the window's edges"
                                                : "read by the sink at the window's edges (SIGUSR1)";
  out["events_written_per_s"] = static_cast<double>(w.sent_to - w.sent_from) / (static_cast<double>(w.to_ns - w.from_ns) / 1e9);
  out["server_pid"] = server.pid();
  out["server_exit_status"] = status;
  out["server_warnings"] = server.warnings();
  out["server_stdout_lines"] = server.stdout_lines();
  out["rss_base_kib"] = rss_base;
  out["rss_active_kib"] = rss_active;
  out["rss_per_interaction_kib"] = static_cast<double>(rss_active - rss_base) / static_cast<double>(o.interactions);
  out["latency"] = summary_json(live.summary());
  out["screen_pop"] = summary_json(pops.summary());
  out["latency_what"] = host ? "trigger event sent -> its prompt's line read from the host's standard output"
                             : "event sent -> its echo read from the sink's standard output";
  if (host) {
    out["host_bin"] = o.host_bin;
    out["config"] = o.config;
    out["plugin_metrics"] = plugin_metrics;  // over the whole run, not the window
  }
  if (out["events"].get<std::uint64_t>() == 0 || screen_pops.load() == 0) {
    std::cerr << "loadgen (" << which << "): no events or no screen pops measured: the harness is broken\n";
    return 2;
  }
  if (status != 0) std::cerr << "loadgen (" << which << "): the server exited with status " << status << "\n";
  return 0;
}

// --serve-sink: the bare sink as a process of its own, for the outside view. It prints
// "listening sink URL" on standard error and runs until SIGINT or SIGTERM; SIGUSR1 asks for its count.
int serve_sink() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before the I/O thread starts: it inherits the mask
  lg::LatencySamples unused;  // its window never opens: the client times the echoes
  lg::BareSink sink(unused, /*echo_prompt_triggers=*/true);
  std::string error;
  if (!sink.start(error)) {
    std::cerr << "loadgen: " << error << "\n";
    return 2;
  }
  std::fprintf(stderr, "listening sink ws://127.0.0.1:%u/events\n", static_cast<unsigned>(sink.port()));
  std::fflush(stderr);
  // SIGUSR1: "events N" on standard error, the events read so far (the window's edges, counted
  // where they arrive, as the host's events_in is).
  for (int sig = 0; sigwait(&signals, &sig) == 0 && sig == SIGUSR1;) {
    std::fprintf(stderr, "events %llu\n", static_cast<unsigned long long>(sink.events_received()));
    std::fflush(stderr);
  }
  sink.stop();
  return 0;
}

// Runs this program again for one target, in a process of its own; its result comes back as JSON.
int run_child(char** argv, const std::string& target, json& out) {
  std::string file = (std::filesystem::temp_directory_path() /
                      ("rightmoment-loadgen-" + std::to_string(::getpid()) + "-" + target + ".json"))
                         .string();
  std::vector<std::string> args;
  for (char** a = argv; *a; ++a) args.emplace_back(*a);
  for (std::size_t i = 1; i < args.size(); ++i)  // drop the parent's own --target/--json
    if ((args[i] == "--target" || args[i] == "--json") && i + 1 < args.size()) {
      args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
      --i;
    }
  args.insert(args.end(), {"--target", target, "--result-file", file});
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  std::cout.flush();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execv("/proc/self/exe", cargs.data());
    std::perror("execv");
    std::_Exit(127);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::cerr << "loadgen: the " << target << " run failed\n";
    return 2;
  }
  std::ifstream in(file);
  try {
    out = json::parse(in);
  } catch (const std::exception& e) {
    std::cerr << "loadgen: cannot read " << file << ": " << e.what() << "\n";
    return 2;
  }
  std::filesystem::remove(file);
  return 0;
}

std::string fmt(double v, int decimals = 0) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

// "name cores, ..." for a run's busiest threads (a thread without a name shows as its tid).
std::string busiest_threads(const json& run) {
  std::string s;
  for (const auto& t : run["threads"])
    s += (s.empty() ? "" : ", ") + (t["name"].get<std::string>().empty() ? "tid " + std::to_string(t["tid"].get<int>()) : t["name"].get<std::string>()) +
         " " + fmt(t["cores"].get<double>(), 2);
  return s;
}

void print_table(const Options& o, const json& sink, const json& rm) {
  std::size_t conns = o.connections == 0 || o.connections > o.interactions ? o.interactions : o.connections;
  std::cout << "\nRightMoment load run: " << o.interactions << " interactions over " << conns << " WebSocket connections, "
            << (o.rate > 0 ? fmt(o.rate, 1) + " events/s each (offered " + fmt(o.rate * static_cast<double>(o.interactions)) +
                                 " events/s)"
                           : std::string("as fast as accepted"))
            << ", " << o.utterances_per_call + 5 << " events a call; " << fmt(o.duration_s, 1) << " s measured after "
            << (o.rate > 0 ? "a " + fmt(static_cast<double>(o.utterances_per_call + 5) / o.rate, 1) + " s ramp and " : std::string())
            << fmt(o.warmup_s, 1) << " s warm-up; " << std::thread::hardware_concurrency()
            << " cores, load average " << load_average() << " after the runs\n\n";
  auto lat = [](const json& j, const char* k) { return j.contains(k) ? j[k].get<double>() : 0.0; };
  auto row = [](const std::string& name, const std::string& a, const std::string& b, const std::string& r) {
    std::printf("| %-58s | %14s | %14s | %12s |\n", name.c_str(), a.c_str(), b.c_str(), r.c_str());
  };
  row("figure", "bare sink", "RightMoment", "RM vs sink");
  std::printf("|%s|%s|%s|%s|\n", std::string(60, '-').c_str(), std::string(16, '-').c_str(), std::string(16, '-').c_str(),
              std::string(14, '-').c_str());
  double se = sink.value("events_per_s", 0.0), re = rm.value("events_per_s", 0.0);
  row("events/s received, sustained", fmt(se), fmt(re), se > 0 ? fmt(100.0 * re / se, 1) + " %" : "-");
  const json& sl = sink["latency"];
  const json& rl = rm["latency"];
  for (auto [name, key] : {std::pair{"latency p50 (us)", "p50_us"}, std::pair{"latency p99 (us)", "p99_us"},
                           std::pair{"latency p99.9 (us)", "p999_us"}, std::pair{"latency max (us)", "max_us"}}) {
    double a = lat(sl, key), b = lat(rl, key);
    row(name, fmt(a), fmt(b), a > 0 ? fmt(b / a, 1) + " x" : "-");
  }
  row("latency samples (sink: all events; RM: live prompts)", fmt(lat(sl, "count")), fmt(lat(rl, "count")), "");
  const json& sp = rm["screen_pop"];
  row("screen pop p50 / p99 (us), agent.joined -> callback", "", fmt(lat(sp, "p50_us")) + " / " + fmt(lat(sp, "p99_us")), "");
  row("screen pop p99.9 / max (us)", "", fmt(lat(sp, "p999_us")) + " / " + fmt(lat(sp, "max_us")), "");
  const json& pm = rm["plugin_metrics"];
  const json& e2p = pm["event_to_prompt_latency"];
  row("in-plugin event->prompt p50 / p99 (us, bucketed)", "",
      fmt(e2p.value("p50_us", 0.0)) + " / " + fmt(e2p.value("p99_us", 0.0)), "");
  const json& sl2 = pm["store_lookup_latency"];
  row("in-plugin store lookup p50 / p99 (us, bucketed)", "",
      fmt(sl2.value("p50_us", 0.0)) + " / " + fmt(sl2.value("p99_us", 0.0)), "");
  row("server CPU (cores)", fmt(sink.value("server_cpu_cores", 0.0), 2), fmt(rm.value("server_cpu_cores", 0.0), 2), "");
  row("server CPU per event (us)", fmt(sink.value("server_cpu_us_per_event", 0.0), 1),
      fmt(rm.value("server_cpu_us_per_event", 0.0), 1), "");
  row("client thread CPU (cores)", fmt(sink.value("client_cpu_cores", 0.0), 2), fmt(rm.value("client_cpu_cores", 0.0), 2), "");
  double sk = sink.value("rss_per_interaction_kib", 0.0), rk = rm.value("rss_per_interaction_kib", 0.0);
  row("RSS per active interaction, both ends (KiB)", fmt(sk, 1), fmt(rk, 1), "");
  row("RSS per interaction, RightMoment's own (KiB)", "", fmt(rk - sk, 1), "");
  row("prompts delivered / dropped", "",
      std::to_string(pm.value("prompts_delivered", 0)) + " / " + std::to_string(pm.value("prompts_dropped", 0)), "");
  row("screen pops past the lookup budget (history unavailable)", "",
      std::to_string(pm.value("lookup_budget_exceeded", 0)), "");
  row("error replies", std::to_string(sink.value("error_replies", 0)), std::to_string(rm.value("error_replies", 0)), "");
  std::cout << "\nbusiest threads, bare sink run (cores): " << busiest_threads(sink) << "\n";
  std::cout << "busiest threads, RightMoment run (cores): " << busiest_threads(rm) << "\n";
  std::cout << "prompts by rule: " << pm["prompts_by_rule"].dump() << "\n";
}

// The outside view's table: the reference host beside the bare sink, both processes of their own.
void print_outside_table(const Options& o, const json& sink, const json& hostr, const std::string& load_before) {
  std::size_t conns = o.connections == 0 || o.connections > o.interactions ? o.interactions : o.connections;
  std::cout << "\nOutside view (" << o.condition << "): rightmoment-host on " << o.config << " and the bare sink, each a process of its own; "
            << o.interactions << " interactions over " << conns << " connections, "
            << (o.rate > 0 ? fmt(o.rate, 1) + " events/s each" : std::string("as fast as accepted")) << ", "
            << fmt(o.duration_s, 1) << " s measured; load average " << load_before << " before, " << load_average()
            << " after\n\n";
  auto row = [](const std::string& name, const std::string& a, const std::string& b, const std::string& r) {
    std::printf("| %-52s | %14s | %14s | %10s |\n", name.c_str(), a.c_str(), b.c_str(), r.c_str());
  };
  auto ratio = [](double host, double base) { return base > 0 ? fmt(host / base, 1) + " x" : std::string("-"); };
  row("figure", "host", "bare sink", "host/sink");
  std::printf("|%s|%s|%s|%s|\n", std::string(54, '-').c_str(), std::string(16, '-').c_str(), std::string(16, '-').c_str(),
              std::string(12, '-').c_str());
  double he = hostr.value("events_per_s", 0.0), se = sink.value("events_per_s", 0.0);
  row("events/s taken by the server", fmt(he), fmt(se), se > 0 ? fmt(100.0 * he / se, 1) + " %" : "-");
  row("events/s written by the client", fmt(hostr.value("events_written_per_s", 0.0)),
      fmt(sink.value("events_written_per_s", 0.0)), "");
  for (auto [what, key] : {std::pair{"latency", "live prompt"}, std::pair{"screen_pop", "screen pop"}})
    for (auto [name, field] : {std::pair{"p50", "p50_us"}, std::pair{"p99", "p99_us"}, std::pair{"p99.9", "p999_us"},
                               std::pair{"max", "max_us"}}) {
      double a = hostr[what].value(field, 0.0), b = sink[what].value(field, 0.0);
      row(std::string(key) + " " + name + " (us)", fmt(a), fmt(b), ratio(a, b));
    }
  row("samples: live prompts / screen pops",
      fmt(hostr["latency"].value("count", 0.0)) + " / " + fmt(hostr["screen_pop"].value("count", 0.0)),
      fmt(sink["latency"].value("count", 0.0)) + " / " + fmt(sink["screen_pop"].value("count", 0.0)), "");
  double hc = hostr.value("server_cpu_us_per_event", 0.0), sc = sink.value("server_cpu_us_per_event", 0.0);
  row("server process CPU per event (us)", fmt(hc, 1), fmt(sc, 1), ratio(hc, sc));
  row("server process CPU (cores)", fmt(hostr.value("server_cpu_cores", 0.0), 2), fmt(sink.value("server_cpu_cores", 0.0), 2), "");
  row("client thread CPU (cores)", fmt(hostr.value("client_cpu_cores", 0.0), 2), fmt(sink.value("client_cpu_cores", 0.0), 2), "");
  row("server RSS per active interaction (KiB)", fmt(hostr.value("rss_per_interaction_kib", 0.0), 1),
      fmt(sink.value("rss_per_interaction_kib", 0.0), 1), "");
  if (hostr.contains("plugin_metrics") && hostr["plugin_metrics"].is_object()) {
    const json& pm = hostr["plugin_metrics"];
    auto bucketed = [&pm](const char* key) {
      if (!pm.contains(key)) return std::string("-");
      return fmt(pm[key].value("p50_us", 0.0)) + " / " + fmt(pm[key].value("p99_us", 0.0));
    };
    row("in-plugin event->prompt p50 / p99 (us, bucketed)", bucketed("event_to_prompt_latency"), "", "");
    row("in-plugin store lookup p50 / p99 (us, bucketed)", bucketed("store_lookup_latency"), "", "");
    auto count = [&pm](const char* key) { return pm.contains(key) && pm[key].is_number() ? std::to_string(pm[key].get<std::uint64_t>()) : std::string("-"); };
    row("prompts delivered / dropped (run)", count("prompts_delivered") + " / " + count("prompts_dropped"), "", "");
    row("screen pops past the lookup budget (run)", count("lookup_budget_exceeded"), "", "");
    if (pm.contains("inbox_full")) row("inbox full (run)", pm["inbox_full"].dump(), "", "");
  }
  row("error replies / server warnings",
      std::to_string(hostr.value("error_replies", 0)) + " / " + std::to_string(hostr.value("server_warnings", 0)),
      std::to_string(sink.value("error_replies", 0)) + " / " + std::to_string(sink.value("server_warnings", 0)), "");
  std::cout << "\nbusiest threads of the host process (cores): " << busiest_threads(hostr) << "\n";
  std::cout << "busiest threads of the sink process (cores): " << busiest_threads(sink) << "\n";
}

// --target outside: the bare sink's process, then the host's, under the same load; one JSON line.
int run_outside(const Options& o) {
  std::string load_before = load_average();
  json sink, hostr;
  if (run_server_process(o, "sink-process", sink) != 0 || run_server_process(o, "host", hostr) != 0) return 2;
  print_outside_table(o, sink, hostr, load_before);
  json all = {{"view", "outside"},
              {"condition", o.condition},
              {"interactions", o.interactions},
              {"connections", o.connections == 0 ? o.interactions : o.connections},
              {"rate", o.rate > 0 ? json(o.rate) : json("max")},
              {"duration_s", o.duration_s},
              {"customers", o.customers},
              {"cores", std::thread::hardware_concurrency()},
              {"load_average_before", load_before},
              {"load_average_after", load_average()},
              {"sink", sink},
              {"host", hostr},
              {"throughput_ratio", sink.value("events_per_s", 0.0) > 0
                                       ? hostr.value("events_per_s", 0.0) / sink.value("events_per_s", 0.0)
                                       : 0.0}};
  if (!o.json_out.empty()) std::ofstream(o.json_out, std::ios::app) << all.dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_args(argc, argv, o)) {
    usage();
    return 64;
  }
  if (o.serve_sink) return serve_sink();
  if (o.target == "outside") return run_outside(o);
  if (o.target != "both") {  // one target, in this process (host, sink-process: the server in another)
    json r;
    int rc = o.target == "sink"           ? run_sink(o, r)
             : o.target == "plugin"       ? run_plugin(o, r)
                                          : run_server_process(o, o.target, r);
    if (rc != 0) return rc;
    if (!o.result_file.empty()) {
      std::ofstream(o.result_file) << r.dump() << "\n";
    } else {
      std::cout << r.dump(2) << "\n";
    }
    return 0;
  }
  json sink, rm;
  if (run_child(argv, "sink", sink) != 0 || run_child(argv, "plugin", rm) != 0) return 2;
  print_table(o, sink, rm);
  json all = {{"interactions", o.interactions},
              {"connections", o.connections == 0 ? o.interactions : o.connections},
              {"rate", o.rate > 0 ? json(o.rate) : json("max")},
              {"duration_s", o.duration_s},
              {"customers", o.customers},
              {"load_average_after", load_average()},
              {"sink", sink},
              {"plugin", rm},
              {"throughput_ratio", sink.value("events_per_s", 0.0) > 0
                                       ? rm.value("events_per_s", 0.0) / sink.value("events_per_s", 0.0)
                                       : 0.0}};
  if (!o.json_out.empty()) std::ofstream(o.json_out, std::ios::app) << all.dump() << "\n";
  return 0;
}
