// Any bytes as a configuration file: a valid configuration or diagnostics, never a crash.
#include <cstdint>
#include <string_view>

#include "plugin/config/plugin_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rightmoment::PluginConfig config;
  rightmoment::Diagnostics diags;
  rightmoment::load_plugin_config_text(std::string_view(reinterpret_cast<const char*>(data), size), "/tmp", config,
                                       diags);
  return 0;
}
