// rightmoment-host: the reference host. It loads librightmoment.so through the SDK exactly as a
// contact-centre host would (dlopen + the C ABI), prints every prompt as one JSON line on stdout and
// logs on stderr. Modes: serve, replay (through the plugin's own WebSocket listener), check-config.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <string>
#include <ctime>

#include <nlohmann/json.hpp>
#include <rightmoment/plugin.hpp>

#include "sdk/host/host_options.hpp"
#include "sdk/host/replay/replay_client.hpp"

namespace fs = std::filesystem;
using rightmoment::host::HostOptions;
namespace sdk = rightmoment::sdk;

namespace {

std::mutex g_out_mutex;

std::string default_plugin_path(const char* argv0) {
  // The library built beside the host: <build>/sdk/host/rightmoment-host -> <build>/lib/librightmoment.so,
  // or an installed layout bin/ -> lib/.
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) self = fs::absolute(argv0);
  fs::path dir = self.parent_path();
  for (fs::path candidate : {dir / "librightmoment.so", dir / ".." / "lib" / "librightmoment.so",
                             dir / ".." / ".." / "lib" / "librightmoment.so"}) {
    if (fs::exists(candidate, ec)) return fs::weakly_canonical(candidate, ec).string();
  }
  return "librightmoment.so";  // the dynamic loader's search path
}

void print_prompt(std::string_view json) {
  std::lock_guard lock(g_out_mutex);
  std::fwrite(json.data(), 1, json.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void print_log(rm_log_level level, std::string_view line) {
  static const char* names[] = {"trace", "debug", "info", "warn", "error"};
  std::lock_guard lock(g_out_mutex);
  std::fprintf(stderr, "rightmoment %s: %.*s\n", names[level <= RM_LOG_ERROR ? level : RM_LOG_ERROR],
               static_cast<int>(line.size()), line.data());
}

// The listeners' URLs, from the plugin's status.
nlohmann::json listeners_of(const sdk::Plugin& plugin) {
  auto status = nlohmann::json::parse(plugin.status_json(), nullptr, false);
  if (status.is_discarded() || !status.contains("listeners")) return nlohmann::json::array();
  return status["listeners"];
}

// Events the plugin took and set aside without a word: a replay of calls that an earlier run already
// recorded as ended in the same store raises nothing, and a user should be told why.
void explain_silent_events(const sdk::Plugin& plugin) {
  auto status = nlohmann::json::parse(plugin.status_json(), nullptr, false);
  if (status.is_discarded() || !status.contains("metrics")) return;
  const auto& m = status["metrics"];
  auto late = m.value("late_events", std::uint64_t{0});
  auto duplicates = m.value("duplicate_events", std::uint64_t{0});
  if (late > 0)
    std::cerr << "rightmoment-host: " << late
              << " event(s) were for interactions the store records as ended, so nothing was raised for them"
                 " (an earlier run of the same calls on this store?); replay into a fresh store to see their prompts\n";
  if (duplicates > 0)
    std::cerr << "rightmoment-host: " << duplicates << " event(s) repeated an event_id already seen on their interaction"
              << " and were skipped\n";
}

int import_history(sdk::Plugin& plugin, const std::string& path) {
  rm_status status = RM_OK;
  std::string report = plugin.import_history(path, &status);
  auto j = nlohmann::json::parse(report, nullptr, false);
  if (status != RM_OK) {
    std::cerr << "rightmoment-host: history import: " << plugin.last_error() << "\n";
    if (!j.is_discarded() && j.contains("bad_lines"))
      for (const auto& bad : j["bad_lines"])
        std::cerr << "  " << path << ":" << bad.value("line", 0) << ": " << bad.value("reason", "") << "\n";
  } else if (!j.is_discarded()) {
    std::cerr << "rightmoment-host: imported " << path << " (" << j.value("lines", 0) << " lines)\n";
  }
  return status == RM_OK ? 0 : 1;
}

// Waits up to `seconds` for SIGINT/SIGTERM (blocked in every thread); true when one came.
bool wait_for_signal(const sigset_t& signals, double seconds) {
  timespec timeout{};
  timeout.tv_sec = static_cast<time_t>(seconds);
  timeout.tv_nsec = static_cast<long>((seconds - static_cast<double>(timeout.tv_sec)) * 1e9);
  for (;;) {
    int sig = sigtimedwait(&signals, nullptr, &timeout);
    if (sig > 0) return true;
    if (errno != EINTR) return false;  // EAGAIN: the time is up
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto parsed = rightmoment::host::parse_host_options(argc, argv, error);
  if (!parsed) {
    std::cerr << "rightmoment-host: " << error << "\n" << rightmoment::host::host_usage();
    return 2;
  }
  HostOptions options = *parsed;
  if (options.help) {
    std::cout << rightmoment::host::host_usage();
    return 0;
  }

  // Signals are the host's: block them before the plugin starts any thread, and wait for them here.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::string plugin_path = options.plugin_path.empty() ? default_plugin_path(argv[0]) : options.plugin_path;
  try {
    sdk::Library library(plugin_path);
    if (options.check_config) {
      try {
        sdk::Plugin plugin(library, sdk::ConfigFile{options.config}, {nullptr, nullptr});
      } catch (const sdk::Error& e) {
        std::cerr << e.what() << "\n";
        std::cerr << "rightmoment-host: " << options.config << ": configuration has errors\n";
        return 1;
      }
      std::cerr << "rightmoment-host: " << options.config << ": configuration is valid\n";
      return 0;
    }

    sdk::Plugin plugin(library, sdk::ConfigFile{options.config}, {print_prompt, print_log});
    int import_status = 0;
    if (options.history) import_status = import_history(plugin, *options.history);
    if (import_status != 0 && options.replay) {
      std::cerr << "rightmoment-host: not replaying: the history file has bad lines\n";
      return 1;
    }
    plugin.start();
    nlohmann::json listeners = listeners_of(plugin);
    {
      std::lock_guard lock(g_out_mutex);
      for (const auto& l : listeners)
        std::fprintf(stderr, "listening %s %s\n", l.value("adapter", "").c_str(), l.value("url", "").c_str());
      nlohmann::json status = nlohmann::json::parse(plugin.status_json(), nullptr, false);
      if (status.is_object() && status.contains("admin")) std::fprintf(stderr, "admin %s\n", status["admin"].value("url", "").c_str());
      for (const auto& agent : options.agent_links)
        std::fprintf(stderr, "popup %s %s\n", agent.c_str(), plugin.mint_agent_link(agent).c_str());
      for (const auto& sup : options.supervisor_links)
        std::fprintf(stderr, "supervisor %s %s\n", sup.c_str(), plugin.mint_supervisor_link(sup).c_str());
      std::fflush(stderr);
    }

    if (options.replay) {
      std::string url;
      for (const auto& l : listeners)
        if (l.value("adapter", "") == "generic") {
          url = l.value("url", "");
          break;
        }
      if (url.empty()) {
        std::cerr << "rightmoment-host: --replay needs a listener with adapter \"generic\" in " << options.config << "\n";
        plugin.stop(2000);
        return 1;
      }
      if (options.replay_delay_s > 0 && wait_for_signal(signals, options.replay_delay_s)) {
        plugin.stop(10000);
        return 0;
      }
      int rc = rightmoment::run_replay(url, *options.replay, options.speed, std::cerr);
      if (rc == 0) {
        plugin.drain(60000);
        explain_silent_events(plugin);
      }
      if (rc == 0 && options.linger_s > 0) {
        std::cerr << "rightmoment-host: replay done; serving for " << options.linger_s << " s more (Ctrl-C to stop)\n";
        wait_for_signal(signals, options.linger_s);
      }
      plugin.stop(10000);
      return rc == 0 ? 0 : 1;
    }

    int sig = 0;
    sigwait(&signals, &sig);
    std::cerr << "rightmoment-host: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", shutting down\n";
    plugin.stop(10000);
    return 0;
  } catch (const sdk::Error& e) {
    std::cerr << "rightmoment-host: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "rightmoment-host: " << e.what() << "\n";
    return 1;
  }
}
