#pragma once
// Renders the plugin's status (PluginRuntime::status(): "metrics", "transport", "popup") in the
// Prometheus text exposition format 0.0.4, with stable metric names (docs/operations.md lists them).
#include <string>

#include <nlohmann/json.hpp>

namespace rightmoment {

// Label values escaped per the exposition format: backslash, double quote, newline.
std::string prometheus_escape_label(const std::string& v);

std::string render_prometheus(const nlohmann::json& status);

}  // namespace rightmoment
