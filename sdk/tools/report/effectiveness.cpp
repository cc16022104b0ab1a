#include "sdk/tools/report/effectiveness.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

namespace rightmoment::report {
namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string too_few_statement(const Comparison& c, std::size_t min_sample) {
  if (c.held_out.n == 0 && c.shown.n == 0)
    return "Too few interactions to tell: none with the customer's sentiment at the prompt and at the end.";
  std::string s = "Too few interactions to tell: " + std::to_string(c.shown.n) + " shown and " +
                  std::to_string(c.held_out.n) + " held out with the customer's sentiment; at least " +
                  std::to_string(min_sample) + " of each are needed.";
  if (c.held_out.n == 0) s += " Is rules.holdout_percent above 0?";
  return s;
}

}  // namespace

std::string signed_fixed(double v, int decimals) {
  std::string s = fixed(v, decimals);
  if (s.find_first_not_of("-0.") == std::string::npos) return fixed(0.0, decimals);  // no "-0.00"
  return v > 0 ? "+" + s : s;
}

Sample describe(const std::vector<double>& values) {
  Sample s;
  s.n = values.size();
  if (s.n == 0) return s;
  double sum = 0.0;
  for (double v : values) sum += v;
  s.mean = sum / static_cast<double>(s.n);
  if (s.n < 2) return s;
  double ss = 0.0;
  for (double v : values) ss += (v - s.mean) * (v - s.mean);
  s.sd = std::sqrt(ss / static_cast<double>(s.n - 1));
  return s;
}

Comparison compare(const std::vector<double>& shown, const std::vector<double>& held_out, std::size_t min_sample) {
  Comparison c;
  c.shown = describe(shown);
  c.held_out = describe(held_out);
  c.has_difference = c.shown.n > 0 && c.held_out.n > 0;
  if (c.has_difference) c.difference = c.shown.mean - c.held_out.mean;
  std::size_t need = std::max<std::size_t>(min_sample, 2);
  c.enough = c.shown.n >= need && c.held_out.n >= need;
  if (!c.enough) {
    c.verdict = Verdict::TooFew;
    c.statement = too_few_statement(c, need);
    return c;
  }
  double se = std::sqrt(c.shown.sd * c.shown.sd / static_cast<double>(c.shown.n) +
                        c.held_out.sd * c.held_out.sd / static_cast<double>(c.held_out.n));
  c.ci_low = c.difference - kZ95 * se;
  c.ci_high = c.difference + kZ95 * se;
  std::string interval = "(95% CI " + signed_fixed(c.ci_low) + " to " + signed_fixed(c.ci_high) + ", " +
                         std::to_string(c.shown.n) + " shown, " + std::to_string(c.held_out.n) + " held out)";
  if (c.ci_low > 0) {
    c.verdict = Verdict::Better;
    c.statement = "Better: the customer's sentiment moved " + signed_fixed(c.difference) +
                  " more when the prompt was shown than when it was held out " + interval + ".";
  } else if (c.ci_high < 0) {
    c.verdict = Verdict::Worse;
    c.statement = "Worse: the customer's sentiment moved " + signed_fixed(c.difference) +
                  " when the prompt was shown, compared with held out " + interval + ".";
  } else {
    c.verdict = Verdict::NoClearEffect;
    c.statement = "No clear difference: " + signed_fixed(c.difference) + " " + interval +
                  "; the interval includes zero.";
  }
  return c;
}

Report compute_report(const std::vector<OutcomeRecord>& records, const ReportOptions& options) {
  Report report;
  report.options = options;
  Headline& h = report.headline;

  std::unordered_map<std::string, const InteractionOutcome*> interactions;
  std::vector<const PromptOutcome*> prompts;
  std::vector<const FeedbackOutcome*> feedback;
  for (const OutcomeRecord& r : records) {
    if (const auto* i = std::get_if<InteractionOutcome>(&r)) interactions[i->interaction_id] = i;
    else if (const auto* p = std::get_if<PromptOutcome>(&r)) prompts.push_back(p);
    else if (const auto* f = std::get_if<FeedbackOutcome>(&r)) feedback.push_back(f);
  }
  std::stable_sort(prompts.begin(), prompts.end(),
                   [](const PromptOutcome* a, const PromptOutcome* b) { return a->event_time < b->event_time; });
  std::stable_sort(feedback.begin(), feedback.end(),
                   [](const FeedbackOutcome* a, const FeedbackOutcome* b) { return a->ts < b->ts; });

  // Interactions.
  std::vector<double> overall_shown, overall_held;
  for (const auto& [id, i] : interactions) {
    ++h.interactions;
    if (i->held_out) ++h.held_out_interactions;
    if (i->prompts <= 0) continue;
    ++h.interactions_with_prompts;
    if (i->sentiment_start && i->sentiment_end)
      (i->held_out ? overall_held : overall_shown).push_back(*i->sentiment_end - *i->sentiment_start);
  }
  // Sort so that the sums do not depend on hash-map order.
  std::sort(overall_shown.begin(), overall_shown.end());
  std::sort(overall_held.begin(), overall_held.end());
  h.overall = compare(overall_shown, overall_held, options.min_sample);

  // Each prompt's last answer. Prompt ids are unique only within one plugin process (several hosts
  // share a PostgreSQL store, and a restarted host counts again), so an answer is matched by its
  // interaction and prompt id; an answer recorded without its interaction (it came after the call had
  // ended) falls back to the prompt id alone.
  auto key = [](const std::string& interaction_id, const std::string& prompt_id) {
    return interaction_id + '\x1f' + prompt_id;
  };
  std::unordered_map<std::string, std::string> last_answer, last_answer_by_prompt_id;
  for (const FeedbackOutcome* f : feedback) {
    ++h.feedback_by_action[f->action];
    if (f->interaction_id.empty()) last_answer_by_prompt_id[f->prompt_id] = f->action;
    else last_answer[key(f->interaction_id, f->prompt_id)] = f->action;
  }

  struct RuleWork {
    RuleFigures figures;
    std::set<std::string> shown_in, held_in;
    std::vector<double> shown_changes, held_changes;
  };
  std::map<std::string, RuleWork> rules;
  std::set<std::string> answered_prompts;  // (interaction, prompt id) counted once, even with handover copies
  for (const PromptOutcome* p : prompts) {
    if (p->handover) {
      ++h.handovers;
    } else if (p->held_out) {
      ++h.prompts_held_out;
    } else {
      ++h.prompts_by_kind[p->kind];
    }
    if (p->kind == "screen_pop") continue;  // shown on every call, held out or not: nothing to compare
    RuleWork& w = rules[p->rule_id];
    RuleFigures& r = w.figures;
    if (r.rule_id.empty()) {
      r.rule_id = p->rule_id;
      r.kind = p->kind;
    }
    if (p->handover) {
      ++r.handovers;
      continue;
    }
    bool first_on_interaction;
    if (p->held_out) {
      ++r.held_out;
      first_on_interaction = w.held_in.insert(p->interaction_id).second;
    } else {
      ++r.shown;
      std::string k = key(p->interaction_id, p->prompt_id);
      if (answered_prompts.insert(k).second) {
        const std::string* answer = nullptr;
        if (auto a = last_answer.find(k); a != last_answer.end()) answer = &a->second;
        else if (auto b = last_answer_by_prompt_id.find(p->prompt_id); b != last_answer_by_prompt_id.end())
          answer = &b->second;
        if (!answer) ++r.unanswered;
        else if (*answer == "accepted") ++r.accepted;
        else if (*answer == "dismissed") ++r.dismissed;
        else if (*answer == "snoozed") ++r.snoozed;
        else ++r.unanswered;
      } else {
        ++r.unanswered;  // the same prompt id recorded twice as a new prompt: keep the four summing to shown
      }
      first_on_interaction = w.shown_in.insert(p->interaction_id).second;
    }
    if (!first_on_interaction) continue;
    auto found = interactions.find(p->interaction_id);
    if (found == interactions.end()) continue;  // the call has not ended, or began before the window
    const InteractionOutcome& i = *found->second;
    std::optional<double> at_prompt = p->customer_sentiment ? p->customer_sentiment : i.sentiment_start;
    if (!at_prompt || !i.sentiment_end) continue;
    (p->held_out ? w.held_changes : w.shown_changes).push_back(*i.sentiment_end - *at_prompt);
  }

  for (auto& [id, w] : rules) {
    w.figures.shown_interactions = w.shown_in.size();
    w.figures.held_out_interactions = w.held_in.size();
    w.figures.sentiment = compare(w.shown_changes, w.held_changes, options.min_sample);
    report.rules.push_back(std::move(w.figures));
  }
  return report;
}

}  // namespace rightmoment::report
