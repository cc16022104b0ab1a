#pragma once
// The canonical interaction event of shared/contract/events.md. Every vendor adapter produces
// exactly this; the engine knows nothing else about the wire.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "plugin/core/event_time.hpp"

namespace rightmoment {

enum class EventType : std::uint8_t {
  InteractionStarted,
  AgentJoined,
  AgentLeft,
  Utterance,
  HoldStarted,
  HoldEnded,
  Transfer,
  Dtmf,
  InteractionEnded,
  Unknown,  // forward compatibility: ignored and counted, never an error
};

std::string_view event_type_name(EventType t);  // "interaction.started", ...; "unknown" for Unknown
EventType event_type_from_name(std::string_view name);  // Unknown when not a contract type

enum class Speaker : std::uint8_t { Customer, Agent };

struct CustomerIdentifiers {
  std::optional<std::string> phone;
  std::optional<std::string> email;
  std::optional<std::string> account_id;
  std::optional<std::string> name;
  bool empty() const { return !phone && !email && !account_id && !name; }
};

// One flat struct: the fields of every type, those of other types left empty.
struct CanonicalEvent {
  std::string event_id;
  EventType type = EventType::Unknown;
  std::string type_name;  // as received (kept for unknown types and logs)
  std::string interaction_id;
  EventTimeMs ts = 0;

  // interaction.started
  std::string channel;    // voice|chat|email|video; empty = unknown (interaction seen first by another event)
  std::string direction;  // inbound|outbound
  std::optional<std::string> queue;
  CustomerIdentifiers customer;

  // interaction.started (optional), agent.joined, agent.left
  std::optional<std::string> agent_id;
  std::optional<std::string> agent_name;

  // utterance
  Speaker speaker = Speaker::Customer;
  std::string text;
  bool final = true;
  std::optional<double> sentiment;  // [-1, 1], from the platform's own analytics
  std::optional<std::int64_t> start_ms;
  std::optional<std::int64_t> end_ms;

  // transfer
  std::optional<std::string> to_agent_id;
  std::optional<std::string> to_queue;

  // dtmf
  std::string digits;

  // interaction.ended
  std::optional<std::string> reason;
};

}  // namespace rightmoment
