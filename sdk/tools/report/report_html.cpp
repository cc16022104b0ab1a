// The effectiveness report as one self-contained HTML page: inline CSS, two inline SVG charts (the
// effect of each rule with its 95% interval; how agents answered), the figures as tables. No script,
// no font, image or style sheet from anywhere else: it opens offline and can be mailed as is.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "plugin/core/event_time.hpp"
#include "sdk/tools/report/report_render.hpp"

namespace rightmoment::report {
namespace {

constexpr const char* kBetter = "#1a7f37";
constexpr const char* kWorse = "#cf222e";
constexpr const char* kUnclear = "#57606a";
constexpr const char* kAccepted = "#1a7f37";
constexpr const char* kDismissed = "#cf222e";
constexpr const char* kSnoozed = "#bf8700";
constexpr const char* kUnanswered = "#afb8c1";

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string percent(std::size_t part, std::size_t whole) {
  if (whole == 0) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

std::string mean_or_dash(const Sample& s) { return s.n == 0 ? "-" : signed_fixed(s.mean); }

const char* verdict_colour(const Comparison& c) {
  switch (c.verdict) {
    case Verdict::Better: return kBetter;
    case Verdict::Worse: return kWorse;
    default: return kUnclear;
  }
}

const char* verdict_word(const Comparison& c) {
  switch (c.verdict) {
    case Verdict::Better: return "better";
    case Verdict::Worse: return "worse";
    case Verdict::NoClearEffect: return "unclear";
    case Verdict::TooFew: return "too few to tell";
  }
  return "";
}

std::string text(double x, double y, const std::string& content, const char* anchor = "start",
                 const std::string& extra = "") {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor + "\"" + extra + ">" +
         html_escape(content) + "</text>";
}

double nice_step(double span) {
  for (double s : {0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0})
    if (span / s <= 8) return s;
  return 1.0;
}

struct Row {
  std::string label;
  const Comparison* c;
  bool strong;
};

// A forest plot: one row per comparison, a dot at the difference and a bar over its 95% interval,
// a dashed line at zero; rows with too few interactions say so in words.
std::string effect_chart(const Report& report) {
  std::vector<Row> rows;
  rows.push_back({"All calls where a rule fired", &report.headline.overall, true});
  for (const RuleFigures& r : report.rules) rows.push_back({r.rule_id, &r.sentiment, false});

  double lo = -0.1, hi = 0.1;
  for (const Row& row : rows) {
    if (!row.c->enough) continue;
    lo = std::min(lo, row.c->ci_low);
    hi = std::max(hi, row.c->ci_high);
  }
  double step = nice_step(hi - lo);
  lo = std::floor(lo / step) * step;
  hi = std::ceil(hi / step) * step;

  const double width = 1000, label_w = 250, plot_x0 = label_w + 10, plot_x1 = 680, row_h = 30, top = 40;
  const double height = top + row_h * static_cast<double>(rows.size()) + 20;
  auto x_of = [&](double v) { return plot_x0 + (v - lo) / (hi - lo) * (plot_x1 - plot_x0); };

  std::string s = "<svg class=\"chart\" viewBox=\"0 0 " + num(width) + " " + num(height) + "\" width=\"" + num(width) +
                  "\" height=\"" + num(height) +
                  "\" role=\"img\" aria-label=\"Difference in the customer's sentiment change, shown minus held "
                  "out, with 95% confidence intervals\">";
  s += "<title>Difference in the customer's sentiment change, shown minus held out (95% CI)</title>";
  // Axis: ticks and grid.
  for (double t = lo; t <= hi + step / 2; t += step) {
    double x = x_of(t);
    bool zero = std::fabs(t) < step / 4;
    s += "<line x1=\"" + num(x) + "\" y1=\"" + num(top - 8) + "\" x2=\"" + num(x) + "\" y2=\"" + num(height - 14) +
         "\" stroke=\"" + (zero ? "#24292f" : "#d0d7de") + "\" stroke-width=\"1\"" +
         (zero ? " stroke-dasharray=\"4 3\"" : "") + "/>";
    s += text(x, top - 14, zero ? "0" : signed_fixed(t), "middle", " class=\"tick\"");
  }
  s += text(plot_x1 + 40, top - 14, "shown minus held out (95% CI)", "start", " class=\"tick\"");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    const Comparison& c = *row.c;
    double y = top + row_h * static_cast<double>(i) + row_h / 2;
    if (i % 2 == 0)
      s += "<rect x=\"0\" y=\"" + num(y - row_h / 2) + "\" width=\"" + num(width) + "\" height=\"" + num(row_h) +
           "\" fill=\"#f6f8fa\" fill-opacity=\"0.6\"/>";
    s += text(label_w, y + 5, row.label, "end", row.strong ? " font-weight=\"600\"" : "");
    if (c.enough) {
      const char* colour = verdict_colour(c);
      double x0 = x_of(c.ci_low), x1 = x_of(c.ci_high), xd = x_of(c.difference);
      s += "<line x1=\"" + num(x0) + "\" y1=\"" + num(y) + "\" x2=\"" + num(x1) + "\" y2=\"" + num(y) + "\" stroke=\"" +
           colour + "\" stroke-width=\"3\"/>";
      for (double xe : {x0, x1})
        s += "<line x1=\"" + num(xe) + "\" y1=\"" + num(y - 6) + "\" x2=\"" + num(xe) + "\" y2=\"" + num(y + 6) +
             "\" stroke=\"" + colour + "\" stroke-width=\"2\"/>";
      s += "<circle cx=\"" + num(xd) + "\" cy=\"" + num(y) + "\" r=\"6\" fill=\"" + colour + "\"/>";
      s += text(plot_x1 + 40, y + 5,
                signed_fixed(c.difference) + " (" + signed_fixed(c.ci_low) + " to " + signed_fixed(c.ci_high) +
                    ") " + verdict_word(c),
                "start", std::string(" fill=\"") + colour + "\"");
    } else {
      s += text(x_of(0) + 10, y + 5,
                "too few to tell (" + std::to_string(c.shown.n) + " shown, " + std::to_string(c.held_out.n) +
                    " held out)",
                "start", " class=\"muted\"");
    }
  }
  s += "</svg>";
  return s;
}

// One stacked bar per rule: its shown prompts by the agent's last answer.
std::string answers_chart(const Report& report) {
  std::size_t most = 1;
  for (const RuleFigures& r : report.rules) most = std::max(most, r.shown);
  const double width = 1000, label_w = 250, bar_x0 = label_w + 10, bar_x1 = 780, row_h = 30, top = 44;
  const double height = top + row_h * static_cast<double>(report.rules.size()) + 10;
  auto w_of = [&](std::size_t n) {
    return static_cast<double>(n) / static_cast<double>(most) * (bar_x1 - bar_x0);
  };
  std::string s = "<svg class=\"chart\" viewBox=\"0 0 " + num(width) + " " + num(height) + "\" width=\"" + num(width) +
                  "\" height=\"" + num(height) +
                  "\" role=\"img\" aria-label=\"Shown prompts per rule by the agent's last answer\">";
  s += "<title>Shown prompts per rule by the agent's last answer</title>";
  struct Part {
    const char* name;
    const char* colour;
  };
  const Part parts[] = {{"accepted", kAccepted}, {"dismissed", kDismissed}, {"snoozed", kSnoozed},
                        {"no answer", kUnanswered}};
  double lx = bar_x0;
  for (const Part& p : parts) {
    s += "<rect x=\"" + num(lx) + "\" y=\"8\" width=\"14\" height=\"14\" fill=\"" + p.colour + "\"/>";
    s += text(lx + 20, 20, p.name);
    lx += 130;
  }
  for (std::size_t i = 0; i < report.rules.size(); ++i) {
    const RuleFigures& r = report.rules[i];
    double y = top + row_h * static_cast<double>(i);
    s += text(label_w, y + row_h / 2 + 5, r.rule_id, "end");
    double x = bar_x0;
    const std::size_t values[] = {r.accepted, r.dismissed, r.snoozed, r.unanswered};
    for (std::size_t k = 0; k < 4; ++k) {
      double w = w_of(values[k]);
      if (w <= 0) continue;
      s += "<rect x=\"" + num(x) + "\" y=\"" + num(y + 6) + "\" width=\"" + num(w) + "\" height=\"" + num(row_h - 12) +
           "\" fill=\"" + parts[k].colour + "\"><title>" + html_escape(r.rule_id) + ": " + std::to_string(values[k]) +
           " " + parts[k].name + "</title></rect>";
      x += w;
    }
    s += text(x + 8, y + row_h / 2 + 5,
              std::to_string(r.shown) + " shown, " + percent(r.accepted, r.shown) + " accepted", "start",
              " class=\"muted\"");
  }
  s += "</svg>";
  return s;
}

std::string cell(const std::string& v, bool numeric = true) {
  return std::string(numeric ? "<td class=\"n\">" : "<td>") + html_escape(v) + "</td>";
}

std::string card(const std::string& figure, const std::string& label) {
  return "<div class=\"card\"><div class=\"figure\">" + html_escape(figure) + "</div><div class=\"label\">" +
         html_escape(label) + "</div></div>";
}

std::string joined_counts(const std::map<std::string, std::size_t>& m) {
  if (m.empty()) return "none";
  std::string s;
  for (const auto& [k, n] : m) s += (s.empty() ? "" : ", ") + std::to_string(n) + " " + k;
  return s;
}

constexpr const char* kStyle = R"(
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1f2328;
       background: #ffffff; margin: 0; padding: 20px 24px; line-height: 1.45; }
h1 { font-size: 26px; margin: 0 0 4px 0; }
h2 { font-size: 19px; margin: 28px 0 8px 0; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
.meta { color: #57606a; margin: 0; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 16px; }
.card { border: 1px solid #d0d7de; border-radius: 6px; padding: 10px 14px; min-width: 180px; background: #f6f8fa; }
.card .figure { font-size: 22px; font-weight: 600; }
.card .label { color: #57606a; font-size: 14px; }
.statement { font-size: 15px; margin: 6px 0; }
svg.chart { max-width: 100%; height: auto; font-size: 14px; font-family: inherit; fill: #1f2328; }
svg.chart .muted { fill: #57606a; font-style: italic; }
svg.chart .tick { fill: #57606a; font-size: 12px; }
table { border-collapse: collapse; font-size: 13px; margin-top: 8px; }
th, td { border-bottom: 1px solid #d0d7de; padding: 5px 7px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
.wide { overflow-x: auto; }
td:first-child { white-space: nowrap; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.v-better { color: #1a7f37; }
.v-worse { color: #cf222e; }
.v-unclear, .v-toofew { color: #57606a; }
ul.notes li { margin-bottom: 4px; }
)";

const char* verdict_class(const Comparison& c) {
  switch (c.verdict) {
    case Verdict::Better: return "v-better";
    case Verdict::Worse: return "v-worse";
    case Verdict::NoClearEffect: return "v-unclear";
    case Verdict::TooFew: return "v-toofew";
  }
  return "";
}

}  // namespace

std::string html_escape(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_html(const Report& report, const RenderContext& context) {
  const Headline& h = report.headline;
  std::size_t shown_total = 0;
  for (const auto& [kind, n] : h.prompts_by_kind)
    if (kind != "screen_pop") shown_total += n;
  std::size_t answers = 0;
  for (const auto& [action, n] : h.feedback_by_action) answers += n;
  auto action = [&](const char* a) {
    auto f = h.feedback_by_action.find(a);
    return f == h.feedback_by_action.end() ? std::size_t{0} : f->second;
  };

  std::string o;
  o += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  o += "<title>RightMoment effectiveness report</title>\n<style>";
  o += kStyle;
  o += "</style>\n</head>\n<body>\n";
  o += "<h1>RightMoment effectiveness report</h1>\n";
  o += "<p class=\"meta\">Event time " + html_escape(format_rfc3339(report.options.from)) + " to " +
       html_escape(format_rfc3339(report.options.to));
  if (!context.store.empty()) o += " &middot; store " + html_escape(context.store);
  if (!context.generated_at.empty()) o += " &middot; generated " + html_escape(context.generated_at);
  o += "</p>\n";

  o += "<div class=\"cards\">";
  o += card(std::to_string(h.interactions), "interactions ended (" + std::to_string(h.held_out_interactions) +
                                                 " held out, " + percent(h.held_out_interactions, h.interactions) + ")");
  auto pops = h.prompts_by_kind.find("screen_pop");
  std::size_t screen_pops = pops == h.prompts_by_kind.end() ? 0 : pops->second;
  o += card(std::to_string(shown_total), "prompts shown (plus " + std::to_string(screen_pops) + " screen pops)");
  o += card(std::to_string(h.prompts_held_out), "prompts held out (recorded, not shown)");
  o += card(std::to_string(answers), "agents' answers: " + std::to_string(action("accepted")) + " accepted, " +
                                         std::to_string(action("dismissed")) + " dismissed, " +
                                         std::to_string(action("snoozed")) + " snoozed");
  o += "</div>\n";

  o += "<h2>Did the prompts help?</h2>\n";
  o += "<p class=\"statement\">Change in the customer's sentiment from the prompt to the end of the call, on "
       "interactions where the prompt was shown, minus the same on held-out interactions where it would have "
       "been shown. Above zero: customers ended happier when the agent saw the prompt.</p>\n";
  o += "<p class=\"statement\"><strong>All calls where a rule fired:</strong> <span class=\"" +
       std::string(verdict_class(h.overall)) + "\">" + html_escape(h.overall.statement) + "</span></p>\n";
  o += effect_chart(report) + "\n";

  o += "<h2>How agents answered</h2>\n";
  if (report.rules.empty()) o += "<p>No rule fired in this window.</p>\n";
  else o += answers_chart(report) + "\n";

  o += "<h2>Figures per rule</h2>\n<div class=\"wide\">\n<table>\n<thead><tr><th>rule</th><th>kind</th><th>shown</th><th>accepted</th>"
       "<th>dismissed</th><th>snoozed</th><th>no answer</th><th>handovers</th><th>held out</th>"
       "<th>change shown (n)</th><th>change held out (n)</th><th>difference</th><th>95% CI</th>"
       "</tr></thead>\n<tbody>\n";
  for (const RuleFigures& r : report.rules) {
    const Comparison& c = r.sentiment;
    o += "<tr>" + cell(r.rule_id, false) + cell(r.kind, false) + cell(std::to_string(r.shown)) +
         cell(std::to_string(r.accepted) + " (" + percent(r.accepted, r.shown) + ")") +
         cell(std::to_string(r.dismissed)) + cell(std::to_string(r.snoozed)) + cell(std::to_string(r.unanswered)) +
         cell(std::to_string(r.handovers)) + cell(std::to_string(r.held_out)) +
         cell(mean_or_dash(c.shown) + " (" + std::to_string(c.shown.n) + ")") +
         cell(mean_or_dash(c.held_out) + " (" + std::to_string(c.held_out.n) + ")") +
         cell(c.has_difference ? signed_fixed(c.difference) : "-") +
         cell(c.enough ? signed_fixed(c.ci_low) + " to " + signed_fixed(c.ci_high) : "too few") + "</tr>\n";
  }
  o += "</tbody>\n</table>\n</div>\n<ul class=\"notes\">\n";
  for (const RuleFigures& r : report.rules)
    o += "<li><strong>" + html_escape(r.rule_id) + "</strong>: <span class=\"" + verdict_class(r.sentiment) + "\">" +
         html_escape(r.sentiment.statement) + "</span></li>\n";
  o += "</ul>\n";

  o += "<h2>Totals</h2>\n<table>\n<tbody>\n";
  o += "<tr><th>prompts shown by kind</th><td>" + html_escape(joined_counts(h.prompts_by_kind)) + "</td></tr>\n";
  o += "<tr><th>handover copies</th><td>" + std::to_string(h.handovers) + "</td></tr>\n";
  o += "<tr><th>agents' answers</th><td>" + html_escape(joined_counts(h.feedback_by_action)) + "</td></tr>\n";
  o += "<tr><th>interactions where a rule fired</th><td>" + std::to_string(h.interactions_with_prompts) + "</td></tr>\n";
  o += "<tr><th>sentiment first to last utterance, shown</th><td>" + mean_or_dash(h.overall.shown) + " (" +
       std::to_string(h.overall.shown.n) + (h.overall.shown.n == 1 ? " call" : " calls") + ")</td></tr>\n";
  o += "<tr><th>sentiment first to last utterance, held out</th><td>" + mean_or_dash(h.overall.held_out) + " (" +
       std::to_string(h.overall.held_out.n) + (h.overall.held_out.n == 1 ? " call" : " calls") + ")</td></tr>\n";
  o += "</tbody>\n</table>\n";

  o += "<h2>Reading this report</h2>\n<ul class=\"notes\">\n";
  o += "<li>Held-out interactions are chosen by a stable hash of the interaction id "
       "(<code>rules.holdout_percent</code>): their prompts are recorded but never shown, so they show what "
       "happens without the prompt.</li>\n";
  o += "<li>Sentiment is the plugin's own estimate in [-1, 1]. The change for a rule runs from the customer's "
       "average sentiment when the prompt was raised (their first utterance, if they had not spoken yet) to "
       "their last utterance.</li>\n";
  o += "<li>The interval is Welch's difference of means with a normal approximation (1.96 standard errors). "
       "With fewer than " +
       std::to_string(report.options.min_sample) +
       " interactions with sentiment in either group the report says <em>too few to tell</em> rather than "
       "guess.</li>\n";
  o += "<li>Answers count each shown prompt once, by the agent's last answer; screen pops are shown on every "
       "call, held out or not, so they have no comparison.</li>\n";
  o += "<li>Only interactions that ended and started inside the window carry sentiment; prompts of calls still "
       "going are counted but not compared.</li>\n";
  o += "</ul>\n</body>\n</html>\n";
  return o;
}

}  // namespace rightmoment::report
