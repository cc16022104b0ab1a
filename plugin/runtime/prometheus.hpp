#pragma once
// Renders the status snapshot in the Prometheus text exposition format 0.0.4, with stable metric
// names (docs/operations.md lists them; tests/plugin/runtime/metrics_doc_test.cpp holds the two to
// each other).
#include <string>

#include "plugin/runtime/status_snapshot.hpp"

namespace rightmoment {

// Label values escaped per the exposition format: backslash, double quote, newline.
std::string prometheus_escape_label(const std::string& v);

std::string render_prometheus(const StatusSnapshot& status);

}  // namespace rightmoment
