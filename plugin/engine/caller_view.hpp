#pragma once
// What the engine knows about the caller once the history lookup is done (or gave up).
#include <memory>
#include <optional>
#include <string>

#include "plugin/core/history_types.hpp"
#include "plugin/history/identity.hpp"

namespace rightmoment {

struct CallerView {
  CallerResolution resolution;
  std::optional<CustomerHistory> history;  // set when identified and loaded
  bool unavailable = false;                 // the store failed or the lookup ran past its budget
  std::string unavailable_reason;
};

}  // namespace rightmoment
