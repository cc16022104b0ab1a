#pragma once
// The status snapshot as the JSON object read_status() returns and /status serves (its shape is the
// ABI's: plugin.h, docs/operations.md).
#include <nlohmann/json.hpp>

#include "plugin/runtime/status_snapshot.hpp"

namespace rightmoment {

nlohmann::json status_json(const StatusSnapshot& s);

}  // namespace rightmoment
