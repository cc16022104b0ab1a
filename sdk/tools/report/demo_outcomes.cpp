#include "sdk/tools/report/demo_outcomes.hpp"

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>

#include "plugin/core/event_time.hpp"

namespace rightmoment::report {
namespace {

struct DemoRule {
  const char* id;
  const char* kind;
  double weight;   // share of interactions where it fires (at most one rule per demo interaction)
  double effect;   // added to the customer's sentiment change when shown
  double accept;   // the agent's answer, when shown
  double dismiss;
  double snooze;
};

// Rule ids from config/rules/default.rules.jsonc. The weights add up to 0.75: a quarter of the calls
// fire no rule.
constexpr DemoRule kRules[] = {
    {"frustration", "opportunity", 0.22, 0.15, 0.55, 0.20, 0.10},
    {"churn-intent", "opportunity", 0.12, 0.12, 0.60, 0.15, 0.05},
    {"unanswered-negative-review", "opportunity", 0.10, 0.18, 0.65, 0.10, 0.10},
    {"thank-promoter", "opportunity", 0.10, 0.01, 0.40, 0.35, 0.05},
    {"long-hold", "opportunity", 0.08, -0.20, 0.30, 0.45, 0.15},
    {"agent-guardrail-blame", "guardrail", 0.06, 0.10, 0.70, 0.10, 0.05},
    {"tenure-milestone", "opportunity", 0.04, 0.05, 0.50, 0.25, 0.10},
    {"life-event", "opportunity", 0.02, 0.20, 0.75, 0.05, 0.05},
    {"agent-guardrail-legal", "guardrail", 0.01, 0.10, 0.80, 0.05, 0.05},
};

double clamp_sentiment(double v) { return std::clamp(v, -1.0, 1.0); }

std::string numbered(const char* prefix, std::size_t n, int width) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%0*zu", prefix, width, n);
  return buf;
}

std::string prompt_json(const PromptOutcome& p) {
  return "{\"prompt_id\":\"" + p.prompt_id + "\",\"interaction_id\":\"" + p.interaction_id + "\",\"rule_id\":\"" +
         p.rule_id + "\",\"kind\":\"" + p.kind + "\",\"agent_id\":\"" + p.agent_id.value_or("") +
         "\",\"event_time\":\"" + format_rfc3339(p.event_time) + "\"" + (p.handover ? ",\"handover\":true" : "") +
         "}";
}

}  // namespace

std::vector<OutcomeRecord> generate_demo_outcomes(const DemoOptions& options) {
  std::mt19937_64 rng(options.seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> start_sentiment(-0.15, 0.35);
  std::normal_distribution<double> drift(0.05, 0.30);  // how a call goes on its own
  std::normal_distribution<double> wobble(0.0, 0.12);  // sentiment between the start and the prompt
  std::vector<OutcomeRecord> out;
  std::size_t prompt_counter = 0;
  const EventTimeMs span = static_cast<EventTimeMs>(options.days) * kMsPerDay;
  const std::size_t n = std::max<std::size_t>(options.interactions, 1);

  for (std::size_t i = 0; i < options.interactions; ++i) {
    InteractionOutcome it;
    it.interaction_id = numbered("demo-call-", i + 1, 5);
    it.customer_id = numbered("cust-", static_cast<std::size_t>(unit(rng) * 2000) + 1, 4);
    it.channel = unit(rng) < 0.7 ? "voice" : "chat";
    it.direction = unit(rng) < 0.9 ? "inbound" : "outbound";
    it.started_at = options.from + static_cast<EventTimeMs>(static_cast<double>(span) * static_cast<double>(i) /
                                                            static_cast<double>(n));
    it.duration_ms = static_cast<std::int64_t>((180.0 + unit(rng) * 720.0) * 1000.0);
    it.ended_at = it.started_at + it.duration_ms;
    it.held_out = unit(rng) * 100.0 < options.holdout_percent;
    if (unit(rng) < 0.25) {
      it.hold_count = 1;
      it.hold_total_ms = static_cast<std::int64_t>(unit(rng) * 300'000.0);
    }
    bool spoke = unit(rng) >= 0.03;
    double s_start = clamp_sentiment(start_sentiment(rng));
    if (spoke) it.sentiment_start = s_start;

    std::string agent = numbered("agent-", static_cast<std::size_t>(unit(rng) * 25) + 1, 2);
    std::vector<OutcomeRecord> prompts_and_answers;
    // The screen pop, on every call (held out or not).
    PromptOutcome pop;
    pop.prompt_id = numbered("pr-", ++prompt_counter, 7);
    pop.interaction_id = it.interaction_id;
    pop.rule_id = "screen_pop";
    pop.kind = "screen_pop";
    pop.agent_id = agent;
    pop.customer_id = it.customer_id;
    pop.event_time = it.started_at + 8'000;
    pop.prompt_json = prompt_json(pop);
    prompts_and_answers.push_back(pop);

    // At most one rule.
    double pick = unit(rng), acc = 0.0;
    const DemoRule* fired = nullptr;
    for (const DemoRule& r : kRules) {
      acc += r.weight;
      if (pick < acc) {
        fired = &r;
        break;
      }
    }
    double change = drift(rng);
    if (fired) {
      it.prompts = 1;
      PromptOutcome p;
      p.prompt_id = numbered("pr-", ++prompt_counter, 7);
      p.interaction_id = it.interaction_id;
      p.rule_id = fired->id;
      p.kind = fired->kind;
      p.agent_id = agent;
      p.customer_id = it.customer_id;
      p.event_time = it.started_at + 30'000 + static_cast<EventTimeMs>(unit(rng) * static_cast<double>(it.duration_ms / 2));
      p.held_out = it.held_out;
      double at_prompt = clamp_sentiment(s_start + wobble(rng));
      if (spoke) p.customer_sentiment = at_prompt;
      p.prompt_json = prompt_json(p);
      prompts_and_answers.push_back(p);
      if (!it.held_out) {
        change += fired->effect;
        if (unit(rng) < 0.05) {  // a conference: a second agent sees it as a handover
          PromptOutcome copy = p;
          copy.agent_id = numbered("agent-", static_cast<std::size_t>(unit(rng) * 25) + 26, 2);
          copy.handover = true;
          copy.event_time += 20'000;
          copy.prompt_json = prompt_json(copy);
          prompts_and_answers.push_back(copy);
        }
        double a = unit(rng);
        const char* action = a < fired->accept                                   ? "accepted"
                             : a < fired->accept + fired->dismiss                ? "dismissed"
                             : a < fired->accept + fired->dismiss + fired->snooze ? "snoozed"
                                                                                  : nullptr;
        EventTimeMs ts = p.event_time + 2'000 + static_cast<EventTimeMs>(unit(rng) * 40'000.0);
        auto answer = [&](const char* what, EventTimeMs when) {
          FeedbackOutcome f;
          f.prompt_id = p.prompt_id;
          f.interaction_id = p.interaction_id;
          f.rule_id = p.rule_id;
          f.agent_id = agent;
          f.action = what;
          f.ts = when;
          prompts_and_answers.push_back(f);
        };
        if (action) answer(action, ts);
        // Some snoozed prompts come back and are accepted: the last answer counts.
        if (action && std::string(action) == "snoozed" && unit(rng) < 0.3) answer("accepted", ts + 60'000);
      }
      if (spoke) it.sentiment_end = clamp_sentiment(at_prompt + change);
    } else if (spoke) {
      it.sentiment_end = clamp_sentiment(s_start + change);
    }
    for (auto& r : prompts_and_answers) out.push_back(std::move(r));
    out.push_back(std::move(it));
  }
  return out;
}

}  // namespace rightmoment::report
