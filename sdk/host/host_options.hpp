#pragma once
// The reference host's command line (shared/contract/host.md).
#include <optional>
#include <string>
#include <vector>

namespace rightmoment::host {

struct HostOptions {
  std::string config;
  std::optional<std::string> history;
  std::optional<std::string> replay;
  double speed = 0;  // 0 = max
  bool check_config = false;
  std::string plugin_path;  // default: librightmoment.so beside the host's build
  bool help = false;
  std::vector<std::string> agent_links;  // print a signed pop-up link for each of these agents
  std::vector<std::string> supervisor_links;  // and a supervisor page link for each of these supervisors
  double replay_delay_s = 0;             // wait this long before replaying (time to open a pop-up)
  double linger_s = 0;                   // keep serving this long after a replay (pop-ups stay up)
};

// Parses argv; on a usage error returns nullopt and sets error.
std::optional<HostOptions> parse_host_options(int argc, char** argv, std::string& error);
const char* host_usage();

}  // namespace rightmoment::host
