#include "plugin/engine/prompt_composer.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "plugin/core/text_limits.hpp"

namespace rightmoment {
namespace {

constexpr std::size_t kTitleMax = 80;
constexpr std::size_t kBodyMax = 400;
constexpr std::size_t kListMax = 5;

std::string clean(std::string_view s, std::size_t max_chars) { return truncate_text(plain_prompt_text(s), max_chars); }

PromptJson envelope_fields(const PromptEnvelope& env, std::string_view kind, std::string_view rule_id, int priority) {
  PromptJson p;
  p["prompt_id"] = env.prompt_id;
  p["kind"] = kind;
  p["rule_id"] = rule_id;
  p["interaction_id"] = env.interaction_id;
  p["agent_id"] = env.agent_id ? PromptJson(*env.agent_id) : PromptJson(nullptr);
  p["trigger_event_id"] = env.trigger_event_id;
  p["event_time"] = format_rfc3339(env.event_time);
  p["priority"] = std::clamp(priority, 0, 100);
  return p;
}

std::string short_date(EventTimeMs t) {
  // "2 Nov"
  std::string full = format_day_month(utc_day(t), false);
  auto space = full.find(' ');
  return space == std::string::npos ? full : full.substr(0, space + 4);
}

std::string capitalised(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

PromptJson contact_json(const ContactRecord& c) {
  PromptJson j;
  j["contact_id"] = c.contact_id;
  j["channel"] = c.channel;
  j["started_at"] = format_rfc3339(c.started_at);
  j["reason"] = c.reason ? PromptJson(*c.reason) : PromptJson(nullptr);
  j["resolved"] = c.resolved;
  if (c.csat) j["csat"] = *c.csat;
  if (c.nps) j["nps"] = *c.nps;
  if (c.summary) j["summary"] = *c.summary;
  return j;
}

PromptJson case_json(const CaseRecord& c, EventTimeMs now) {
  PromptJson j;
  j["case_id"] = c.case_id;
  j["status"] = c.status;
  j["subject"] = c.subject;
  j["opened_at"] = format_rfc3339(c.opened_at);
  if (c.due_at) {
    j["due_at"] = c.due_is_date ? format_rfc3339(*c.due_at).substr(0, 10) : format_rfc3339(*c.due_at);
    // A date-only due date is due at the end of that UTC day.
    EventTimeMs deadline = c.due_is_date ? *c.due_at + kMsPerDay : *c.due_at;
    j["overdue"] = deadline < now;
  } else {
    j["due_at"] = nullptr;
    j["overdue"] = false;
  }
  return j;
}

PromptJson feedback_json(const FeedbackRecord& f) {
  PromptJson j;
  j["feedback_id"] = f.feedback_id;
  j["source"] = f.source;
  j["platform"] = f.platform ? PromptJson(*f.platform) : PromptJson(nullptr);
  j["kind"] = f.kind;
  j["rating"] = f.rating ? PromptJson(*f.rating) : PromptJson(nullptr);
  if (f.nps) j["nps"] = *f.nps;
  j["text"] = f.text ? PromptJson(*f.text) : PromptJson(nullptr);
  j["posted_at"] = format_rfc3339(f.posted_at);
  if (f.reach) j["reach"] = *f.reach;
  j["responded"] = f.responded_at.has_value();
  if (f.url) j["url"] = *f.url;
  return j;
}

}  // namespace

std::optional<int> tenure_years(std::int64_t since_day, EventTimeMs now) {
  CivilDate since = civil_from_days(since_day);
  CivilDate today = civil_from_days(utc_day(now));
  int years = today.year - since.year;
  if (today.month < since.month || (today.month == since.month && today.day < since.day)) --years;
  if (years < 0) return std::nullopt;
  return years;
}

PromptJson compose_screen_pop(const PromptEnvelope& env, const CallerView& caller, EventTimeMs now) {
  PromptJson p = envelope_fields(env, "screen_pop", "screen_pop", 100);
  PromptJson customer;
  std::string title, body;
  PromptJson evidence = PromptJson::array();

  if (caller.history && caller.resolution.customer_id) {
    const CustomerHistory& h = *caller.history;
    const CustomerRecord& c = h.customer;
    // -1: unknown (no customer_since, or a date after now).
    int tenure = c.customer_since_day ? tenure_years(*c.customer_since_day, now).value_or(-1) : -1;
    customer["customer_id"] = c.customer_id;
    customer["name"] = c.name;
    if (c.preferred_name) customer["preferred_name"] = *c.preferred_name;
    customer["tier"] = c.tier ? PromptJson(*c.tier) : PromptJson(nullptr);
    customer["tenure_years"] = tenure >= 0 ? PromptJson(tenure) : PromptJson(nullptr);
    if (c.customer_since) customer["customer_since"] = *c.customer_since;
    if (c.lifetime_value) customer["lifetime_value"] = *c.lifetime_value;
    customer["identified_by"] = caller.resolution.identified_by ? PromptJson(*caller.resolution.identified_by)
                                                                : PromptJson(nullptr);

    PromptJson contacts = PromptJson::array();
    int unresolved = 0;
    for (const auto& ct : h.contacts) {
      if (ct.started_at > now) continue;  // history recorded after this moment (replays of old calls)
      if (contacts.size() < kListMax) contacts.push_back(contact_json(ct));
      if (!ct.resolved && contacts.size() <= kListMax) ++unresolved;
    }
    PromptJson cases = PromptJson::array();
    int overdue = 0;
    for (const auto& cs : h.cases) {
      if (cs.status != "open" && cs.status != "pending") continue;
      PromptJson cj = case_json(cs, now);
      if (cj["overdue"].get<bool>()) ++overdue;
      cases.push_back(std::move(cj));
    }
    PromptJson feedback = PromptJson::array();
    int unanswered = 0;
    for (const auto& f : h.feedback) {
      if (f.posted_at > now) continue;
      if (feedback.size() >= kListMax) break;
      if (!f.responded_at && f.kind != "survey") ++unanswered;
      feedback.push_back(feedback_json(f));
    }
    customer["recent_contacts"] = std::move(contacts);
    customer["open_cases"] = std::move(cases);
    customer["feedback"] = std::move(feedback);

    title = c.name;
    if (c.tier) title += " \xC2\xB7 " + capitalised(*c.tier);
    if (tenure >= 1) title += " \xC2\xB7 " + std::to_string(tenure) + (tenure == 1 ? " year" : " years");
    std::vector<std::string> parts;
    const auto& rc = customer["recent_contacts"];
    if (!rc.empty()) {
      const auto& last = h.contacts.front();
      std::string s = std::to_string(rc.size()) + (rc.size() == 1 ? " recent contact" : " recent contacts");
      s += " (last " + short_date(last.started_at);
      if (last.reason) s += ", " + *last.reason;
      s += last.resolved ? ", resolved)" : ", not resolved)";
      parts.push_back(s);
    }
    if (!customer["open_cases"].empty()) {
      std::size_t n = customer["open_cases"].size();
      std::string s = std::to_string(n) + (n == 1 ? " open case" : " open cases");
      if (overdue > 0) s += " (" + std::to_string(overdue) + " overdue)";
      parts.push_back(s);
    }
    if (unanswered > 0)
      parts.push_back(std::to_string(unanswered) + (unanswered == 1 ? " unanswered public post" : " unanswered public posts"));
    body = "Identified by " + *caller.resolution.identified_by + ".";
    for (const auto& part : parts) body += " " + capitalised(part) + ".";
    evidence.push_back({{"kind", "customer"}, {"ref", c.customer_id}, {"text", "matched by " + *caller.resolution.identified_by}});
  } else {
    customer["customer_id"] = nullptr;
    customer["identified_by"] = nullptr;
    customer["candidates"] = caller.resolution.candidates >= 2 ? caller.resolution.candidates : 0;
    if (caller.unavailable) {
      customer["history_unavailable"] = true;
      title = "Caller history unavailable";
      body = "The customer history could not be read in time. Ask for the customer's details as usual; the call goes on.";
    } else if (caller.resolution.candidates >= 2) {
      title = "Caller not identified: several matching customers";
      body = std::to_string(caller.resolution.candidates) +
             " customers share this caller's details. Confirm who is calling before opening an account.";
    } else {
      title = "New or unknown caller";
      body = "No customer record matches this caller. Take their details and make a great first impression.";
    }
  }
  p["title"] = clean(title, kTitleMax);
  p["body"] = clean(body, kBodyMax);
  p["evidence"] = std::move(evidence);
  p["customer"] = std::move(customer);
  return p;
}

PromptJson compose_rule_prompt(const PromptEnvelope& env, const Firing& firing) {
  PromptJson p = envelope_fields(env, prompt_kind_name(firing.kind), firing.rule_id, firing.priority);
  p["title"] = clean(firing.title.empty() ? firing.rule_id : firing.title, kTitleMax);
  p["body"] = clean(firing.body, kBodyMax);
  PromptJson evidence = PromptJson::array();
  for (const auto& e : firing.evidence)
    evidence.push_back({{"kind", e.kind}, {"ref", e.ref}, {"text", clean(e.text, kBodyMax)}});
  p["evidence"] = std::move(evidence);
  return p;
}

}  // namespace rightmoment
