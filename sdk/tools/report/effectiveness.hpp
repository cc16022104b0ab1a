#pragma once
// The effectiveness report's arithmetic: from the outcome record (prompts shown or held out, agents'
// answers, one summary per interaction) to per-rule figures. Pure: no store, no clock, no output; the
// renderers (report_render.hpp) and the tests read these structs.
//
// Per rule, the unit is one interaction where the rule fired: the first prompt of that rule on that
// interaction. Shown: the agent saw it. Held out: the interaction fell in the holdout
// (rules.holdout_percent), so the prompt was recorded but not shown. The outcome is the change in the
// customer's sentiment from the prompt to the end of the call:
//   sentiment_end (the customer's last utterance) - customer_sentiment when the prompt was raised
// (the customer's running average; for a prompt raised before the customer spoke, the first
// utterance's sentiment). Interactions without both figures (the call has not ended inside the window,
// or the customer never spoke) are counted but leave the comparison.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "plugin/history/outcome_record.hpp"

namespace rightmoment::report {

// Below this many interactions with sentiment in either group, a comparison is "too few to tell".
inline constexpr std::size_t kDefaultMinSample = 30;
// Two-sided 95% normal quantile.
inline constexpr double kZ95 = 1.959964;

struct ReportOptions {
  EventTimeMs from = 0;  // [from, to) in event time
  EventTimeMs to = 0;
  std::size_t min_sample = kDefaultMinSample;
};

struct Sample {
  std::size_t n = 0;
  double mean = 0.0;
  double sd = 0.0;  // sample standard deviation (n - 1); 0 when n < 2
};

enum class Verdict {
  TooFew,        // fewer than min_sample in a group
  Better,        // the whole 95% interval is above zero
  Worse,         // the whole 95% interval is below zero
  NoClearEffect  // the interval includes zero
};

// Shown minus held out: Welch's difference of means with a normal-approximation 95% interval,
// difference +- 1.96 * sqrt(sd_shown^2 / n_shown + sd_held^2 / n_held).
struct Comparison {
  Sample shown;
  Sample held_out;
  bool has_difference = false;  // both groups non-empty
  double difference = 0.0;      // shown.mean - held_out.mean
  bool enough = false;          // both groups at least min_sample: the interval is given
  double ci_low = 0.0;
  double ci_high = 0.0;
  Verdict verdict = Verdict::TooFew;
  std::string statement;        // one plain sentence saying what the figures mean
};

struct RuleFigures {
  std::string rule_id;
  std::string kind;              // opportunity | guardrail
  std::size_t shown = 0;         // prompts shown (handover copies not counted)
  std::size_t handovers = 0;     // copies shown to other agents in a conference
  std::size_t held_out = 0;      // prompts recorded on held-out interactions, not shown
  // Each shown prompt by the agent's last answer to it; the four add up to `shown`.
  std::size_t accepted = 0;
  std::size_t dismissed = 0;
  std::size_t snoozed = 0;
  std::size_t unanswered = 0;
  std::size_t shown_interactions = 0;     // distinct interactions where it was shown
  std::size_t held_out_interactions = 0;  // distinct held-out interactions where it would have been
  Comparison sentiment;  // change in the customer's sentiment from the prompt to the end of the call
};

struct Headline {
  std::size_t interactions = 0;            // ended interactions that started in the window
  std::size_t held_out_interactions = 0;
  std::size_t interactions_with_prompts = 0;  // at least one rule fired (shown or held out)
  std::map<std::string, std::size_t> prompts_by_kind;  // shown, handover copies not counted
  std::size_t prompts_held_out = 0;
  std::size_t handovers = 0;
  std::map<std::string, std::size_t> feedback_by_action;  // every answer in the window
  // All interactions where a rule fired: sentiment_end - sentiment_start, shown vs held out.
  Comparison overall;
};

struct Report {
  ReportOptions options;
  Headline headline;
  std::vector<RuleFigures> rules;  // by rule id; screen pops are not compared (never held out)
};

Report compute_report(const std::vector<OutcomeRecord>& records, const ReportOptions& options);

// One comparison from the two lists of outcomes.
Comparison compare(const std::vector<double>& shown, const std::vector<double>& held_out, std::size_t min_sample);

Sample describe(const std::vector<double>& values);

// "+0.12", "-0.05", "0.00"
std::string signed_fixed(double v, int decimals = 2);

}  // namespace rightmoment::report
