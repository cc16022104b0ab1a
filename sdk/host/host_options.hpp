#pragma once
// The reference host's command line (shared/contract/host.md).
#include <optional>
#include <string>

namespace rightmoment::host {

struct HostOptions {
  std::string config;
  std::optional<std::string> history;
  std::optional<std::string> replay;
  double speed = 0;  // 0 = max
  bool check_config = false;
  std::string plugin_path;  // default: librightmoment.so beside the host's build
  bool help = false;
};

// Parses argv; on a usage error returns nullopt and sets error.
std::optional<HostOptions> parse_host_options(int argc, char** argv, std::string& error);
const char* host_usage();

}  // namespace rightmoment::host
