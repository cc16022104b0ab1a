#pragma once
// The plugin's configuration: one JSON-with-comments file (config/rightmoment.example.jsonc documents
// every option). Relative paths inside it resolve against the file's folder.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "plugin/core/diagnostic.hpp"
#include "plugin/engine/engine_options.hpp"
#include "plugin/transport/transport_config.hpp"
#include "plugin/web/web_config.hpp"

namespace rightmoment {

struct LogConfig {
  std::string level = "info";      // trace|debug|info|warn|error|off
  std::string format = "text";     // text|json (one JSON object a line)
  bool to_host = true;             // through the host's log callback
  bool to_stderr = false;
  std::string file;                // rotating file when set
  std::size_t file_max_bytes = 10 * 1024 * 1024;
  std::size_t file_max_files = 5;
  bool to_syslog = false;
};

struct PluginConfig {
  std::string source;    // the file it came from ("<text>" for inline text)
  std::string base_dir;  // where relative paths resolve
  std::string instance_name = "rightmoment";
  LogConfig log;
  std::string store_url;                 // resolved: sqlite:///abs/path.db or postgresql://...
  std::vector<std::string> rule_files;   // resolved absolute paths
  std::string lexicon_dir;               // resolved
  std::string model_dir;                 // resolved; empty: the language patterns only, no learned layer
  std::map<std::string, double> intent_thresholds;  // the learned layer's threshold per intent, overriding its own
  EngineOptions engine;
  std::vector<ListenerConfig> listeners;
  std::vector<ClientConfig> clients;
  PopupConfig popup;  // the agent pop-up (off unless configured)
  AdminConfig admin;  // /healthz, /readyz, /metrics (off unless configured)
  WebhooksConfig webhooks;  // vendors' HTTP callbacks (off unless configured)
};

// Reads and validates; every problem is a diagnostic naming file, line and key.
bool load_plugin_config_file(const std::string& path, PluginConfig& out, Diagnostics& diags);
bool load_plugin_config_text(std::string_view text, const std::string& base_dir, PluginConfig& out, Diagnostics& diags);

// Resolves a path from the configuration against base_dir (absolute paths stay as they are).
std::string resolve_config_path(const std::string& base_dir, const std::string& path);

}  // namespace rightmoment
