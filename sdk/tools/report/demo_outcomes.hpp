#pragma once
// A synthetic outcome record for the demo and for trying the report: interactions over a week, a
// holdout, prompts of the default rules with known effects on the customer's sentiment (some clearly
// better, one worse, some too rare to tell), and agents' answers. Deterministic for a seed.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "plugin/history/outcome_record.hpp"

namespace rightmoment::report {

struct DemoOptions {
  std::uint64_t seed = 7;
  std::size_t interactions = 4000;
  EventTimeMs from = 1'794'787'200'000;  // 2026-11-16T00:00:00Z
  int days = 7;
  int holdout_percent = 20;
};

// Records in the order the plugin would write them: each interaction's prompts and answers, then its
// summary when it ends.
std::vector<OutcomeRecord> generate_demo_outcomes(const DemoOptions& options);

}  // namespace rightmoment::report
