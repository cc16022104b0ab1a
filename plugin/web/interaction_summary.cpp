#include "plugin/web/interaction_summary.hpp"

#include <cmath>
#include <utility>

namespace rightmoment {

using Json = nlohmann::json;

const ListedPrompt* InteractionSummary::prompt_of_rule(std::string_view rule_id) const {
  for (const auto& p : prompts)
    if (p.rule_id == rule_id) return &p;
  return nullptr;
}

ListedPrompt* InteractionSummary::prompt_with_id(std::string_view prompt_id) {
  for (auto& p : prompts)
    if (p.prompt_id == prompt_id) return &p;
  return nullptr;
}

void InteractionSummary::add_sentiment(double score) {
  sentiment.push_back(std::round(score * 100) / 100);
  while (sentiment.size() > kTrendPoints) sentiment.pop_front();
}

void InteractionSummary::mark(std::string kind) {
  if (attention.size() < kAttentionMarks) attention.push_back(std::move(kind));
}

Json to_json(const InteractionSummary& s, bool with_private) {
  Json prompts = Json::array();
  for (const auto& p : s.prompts) {
    if (!with_private && p.kind == "guardrail") continue;
    Json listed{{"prompt_id", p.prompt_id}, {"rule_id", p.rule_id}, {"kind", p.kind},    {"title", p.title},
                {"agent_id", p.agent_id},   {"raised_ms", p.raised_ms}};
    if (!p.answer.empty()) listed["answer"] = p.answer;
    prompts.push_back(std::move(listed));
  }
  Json attention = Json::array();
  for (const auto& a : s.attention)
    if (with_private || a != "legal_threat") attention.push_back(a);
  Json j{{"interaction_id", s.interaction_id}, {"owner", s.owner},
         {"queue", s.queue},                   {"team", s.team},
         {"agent_id", s.agent_id},             {"channel", s.channel},
         {"started_at_ms", s.started_at_ms},   {"last_event_ms", s.last_event_ms},
         {"sentiment", s.sentiment},           {"prompts", std::move(prompts)},
         {"attention", std::move(attention)}};
  if (s.customer) j["customer"] = *s.customer;
  return j;
}

Json to_json(const SupervisorAlert& a) {
  return Json{{"kind", a.kind},   {"interaction_id", a.interaction_id}, {"agent_id", a.agent_id}, {"team", a.team},
              {"queue", a.queue}, {"text", a.text},                     {"at_ms", a.at_ms},       {"private", a.is_private}};
}

namespace {

// An optional member of the right type, or false (with why) when it has another.
bool read_string(const Json& j, const char* key, std::string& out, std::string& why) {
  auto it = j.find(key);
  if (it == j.end()) return true;
  if (!it->is_string()) {
    why = std::string("'") + key + "' is not a string";
    return false;
  }
  out = it->get<std::string>();
  return true;
}

bool read_integer(const Json& j, const char* key, std::int64_t& out, std::string& why) {
  auto it = j.find(key);
  if (it == j.end()) return true;
  if (!it->is_number_integer()) {
    why = std::string("'") + key + "' is not an integer";
    return false;
  }
  out = it->get<std::int64_t>();
  return true;
}

}  // namespace

std::optional<InteractionSummary> summary_from_json(const Json& j, std::string& why) {
  if (!j.is_object()) {
    why = "not an object";
    return std::nullopt;
  }
  InteractionSummary s;
  auto id = j.find("interaction_id");
  if (id == j.end() || !id->is_string() || id->get_ref<const std::string&>().empty()) {
    why = "no interaction_id";
    return std::nullopt;
  }
  s.interaction_id = id->get<std::string>();
  auto prompts = j.find("prompts");
  auto sentiment = j.find("sentiment");
  if (prompts == j.end() || !prompts->is_array() || sentiment == j.end() || !sentiment->is_array()) {
    why = "'prompts' and 'sentiment' must be lists";
    return std::nullopt;
  }
  if (!read_string(j, "owner", s.owner, why) || !read_string(j, "queue", s.queue, why) ||
      !read_string(j, "team", s.team, why) || !read_string(j, "agent_id", s.agent_id, why) ||
      !read_string(j, "channel", s.channel, why) || !read_integer(j, "started_at_ms", s.started_at_ms, why) ||
      !read_integer(j, "last_event_ms", s.last_event_ms, why))
    return std::nullopt;
  if (j.contains("customer")) {
    std::string name;
    if (!read_string(j, "customer", name, why)) return std::nullopt;
    s.customer = std::move(name);
  }
  for (const auto& point : *sentiment) {
    if (!point.is_number()) {
      why = "a sentiment point is not a number";
      return std::nullopt;
    }
    s.add_sentiment(point.get<double>());
  }
  for (const auto& p : *prompts) {
    if (!p.is_object()) {
      why = "a listed prompt is not an object";
      return std::nullopt;
    }
    ListedPrompt listed;
    if (!read_string(p, "prompt_id", listed.prompt_id, why) || !read_string(p, "rule_id", listed.rule_id, why) ||
        !read_string(p, "kind", listed.kind, why) || !read_string(p, "title", listed.title, why) ||
        !read_string(p, "agent_id", listed.agent_id, why) || !read_string(p, "answer", listed.answer, why) ||
        !read_integer(p, "raised_ms", listed.raised_ms, why))
      return std::nullopt;
    if (s.prompts.size() < InteractionSummary::kPromptsShown) s.prompts.push_back(std::move(listed));
  }
  if (auto attention = j.find("attention"); attention != j.end()) {
    if (!attention->is_array()) {
      why = "'attention' is not a list";
      return std::nullopt;
    }
    for (const auto& a : *attention) {
      if (!a.is_string()) {
        why = "an attention mark is not a string";
        return std::nullopt;
      }
      s.mark(a.get<std::string>());
    }
  }
  return s;
}

}  // namespace rightmoment
