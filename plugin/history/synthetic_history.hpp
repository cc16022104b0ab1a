#pragma once
// A realistic synthetic customer history (shared/contract/history.md) for demos and benchmarks:
// deterministic from a seed, relative to a given "now".
#include <cstdint>
#include <ostream>

#include "plugin/core/event_time.hpp"

namespace rightmoment {

struct SyntheticHistoryOptions {
  std::uint64_t customers = 1000;
  std::uint64_t seed = 1;
  EventTimeMs now = 0;
};

// Writes JSON Lines; customer i has id "cu-<i>", phone +1 415 2xx xxxx, email c<i>@example.com and
// account id "ACC-<i>", so benchmarks can look them up. Returns the number of lines written.
std::uint64_t write_synthetic_history(std::ostream& out, const SyntheticHistoryOptions& options);

}  // namespace rightmoment
