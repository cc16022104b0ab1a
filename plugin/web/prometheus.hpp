#pragma once
// Renders the plugin's status JSON (EngineMetrics::to_json() shape) as Prometheus text exposition.
#include <nlohmann/json.hpp>
#include <string>

namespace rightmoment {

// Label values escaped per the exposition format: backslash, double quote, newline.
std::string prometheus_escape_label(const std::string& v);

// Top-level numbers become counters "rightmoment_<key>_total" (gauges for active_interactions,
// store_reachable); {"x_by_y": {k: n}} a counter with label y; queue_depth a gauge with label
// queue; {count, sum_us, p50_us, ...} a summary in seconds. Other keys are skipped.
std::string render_prometheus(const nlohmann::json& status);

}  // namespace rightmoment
