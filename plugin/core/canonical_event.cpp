#include "plugin/core/canonical_event.hpp"

#include <array>
#include <utility>

namespace rightmoment {
namespace {
constexpr std::array<std::pair<EventType, std::string_view>, 9> kNames{{
    {EventType::InteractionStarted, "interaction.started"},
    {EventType::AgentJoined, "agent.joined"},
    {EventType::AgentLeft, "agent.left"},
    {EventType::Utterance, "utterance"},
    {EventType::HoldStarted, "hold.started"},
    {EventType::HoldEnded, "hold.ended"},
    {EventType::Transfer, "transfer"},
    {EventType::Dtmf, "dtmf"},
    {EventType::InteractionEnded, "interaction.ended"},
}};
}  // namespace

std::string_view event_type_name(EventType t) {
  for (const auto& [type, name] : kNames)
    if (type == t) return name;
  return "unknown";
}

EventType event_type_from_name(std::string_view name) {
  for (const auto& [type, n] : kNames)
    if (n == name) return type;
  return EventType::Unknown;
}

}  // namespace rightmoment
