#include "plugin/engine/call_contact.hpp"

#include <algorithm>

namespace rightmoment {
namespace {

std::string words(std::string name) {
  std::replace(name.begin(), name.end(), '_', ' ');
  return name;
}

}  // namespace

std::optional<ContactRecord> call_contact(const Interaction& it) {
  if (!it.caller.resolution.customer_id) return std::nullopt;
  ContactRecord c;
  c.customer_id = *it.caller.resolution.customer_id;
  c.contact_id = it.id;
  c.channel = it.channel.empty() ? "voice" : it.channel;
  c.started_at = it.started_at;
  std::string reason;
  for (const auto& intent : it.customer_intents) reason += (reason.empty() ? "" : ", ") + words(intent);
  if (!reason.empty()) c.reason = reason;
  else if (it.end_reason && !it.end_reason->empty()) c.reason = words(*it.end_reason);
  std::string shown;
  for (const RaisedPrompt& p : it.raised) {
    if (p.json.value("kind", "") == "guardrail") continue;
    if (shown.find(p.rule_id) != std::string::npos) continue;
    shown += (shown.empty() ? "" : ", ") + p.rule_id;
  }
  c.summary = shown.empty() ? "RightMoment: no prompts shown." : "RightMoment prompts shown: " + shown + ".";
  return c;
}

}  // namespace rightmoment
