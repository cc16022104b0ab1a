// The effectiveness report as plain text: the summary rightmoment-report prints.
#include <cstdio>
#include <string>

#include "plugin/core/event_time.hpp"
#include "sdk/tools/report/report_render.hpp"

namespace rightmoment::report {
namespace {

std::string percent(std::size_t part, std::size_t whole) {
  if (whole == 0) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

std::string mean_or_dash(const Sample& s) { return s.n == 0 ? "-" : signed_fixed(s.mean); }

std::string plural(std::size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string counts(const std::map<std::string, std::size_t>& m, const char* empty) {
  if (m.empty()) return empty;
  std::string s;
  for (const auto& [k, n] : m) s += (s.empty() ? "" : ", ") + std::to_string(n) + " " + k;
  return s;
}

}  // namespace

std::string render_text(const Report& report, const RenderContext& context) {
  const Headline& h = report.headline;
  std::string out;
  out += "RightMoment effectiveness report\n";
  out += "Window: " + format_rfc3339(report.options.from) + " to " + format_rfc3339(report.options.to) +
         " (event time)\n";
  if (!context.store.empty()) out += "Store:  " + context.store + "\n";
  out += "\n";
  out += "Interactions: " + std::to_string(h.interactions) + " ended (" + std::to_string(h.held_out_interactions) +
         " held out); " + std::to_string(h.interactions_with_prompts) + " with at least one rule firing\n";
  out += "Prompts shown: " + counts(h.prompts_by_kind, "none") + "; " + std::to_string(h.prompts_held_out) +
         " held out; " + plural(h.handovers, "handover copy", "handover copies") + "\n";
  out += "Agents' answers: " + counts(h.feedback_by_action, "none") + "\n";
  out += "\n";
  out += "Calls where a rule fired, customer's sentiment from first to last utterance:\n";
  out += "  shown " + mean_or_dash(h.overall.shown) + " (" + plural(h.overall.shown.n, "call", "calls") + "), held out " +
         mean_or_dash(h.overall.held_out) + " (" + plural(h.overall.held_out.n, "call", "calls") + ")\n";
  out += "  " + h.overall.statement + "\n";
  out += "\n";

  if (report.rules.empty()) {
    out += "No rule fired in this window.\n";
    return out;
  }
  out += "Per rule: shown prompts by the agent's last answer; the customer's sentiment change from the prompt\n"
         "to the end of the call, on interactions where it was shown and held-out ones where it would have been.\n\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-28s %-11s %6s %6s %9s %9s %7s %9s %8s %9s %8s %10s %-17s\n", "rule", "kind",
                "shown", "accept", "accepted", "dismissed", "snoozed", "no answer", "held out", "shown chg", "held chg",
                "difference", "95% CI");
  out += line;
  for (const RuleFigures& r : report.rules) {
    const Comparison& c = r.sentiment;
    std::string ci = c.enough ? signed_fixed(c.ci_low) + " to " + signed_fixed(c.ci_high) : "too few to tell";
    std::snprintf(line, sizeof line, "%-28s %-11s %6zu %6s %9zu %9zu %7zu %9zu %8zu %9s %8s %10s %-17s\n",
                  r.rule_id.c_str(), r.kind.c_str(), r.shown, percent(r.accepted, r.shown).c_str(), r.accepted,
                  r.dismissed, r.snoozed, r.unanswered, r.held_out, mean_or_dash(c.shown).c_str(),
                  mean_or_dash(c.held_out).c_str(), c.has_difference ? signed_fixed(c.difference).c_str() : "-",
                  ci.c_str());
    out += line;
  }
  out += "\n";
  for (const RuleFigures& r : report.rules) out += r.rule_id + ": " + r.sentiment.statement + "\n";
  return out;
}

}  // namespace rightmoment::report
