#include "plugin/core/event_parser.hpp"

#include <cmath>
#include <string>

#include <simdjson.h>

namespace rightmoment {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

struct Rejected {
  EventRejection rejection;
};

// Reads the fields of one event object; throws Rejected on the first problem.
class FieldReader {
 public:
  explicit FieldReader(object obj) : obj_(obj) {}

  std::optional<element> find(const char* key) const {
    element value;
    if (obj_.at_key(key).get(value) != simdjson::SUCCESS) return std::nullopt;
    return value;
  }

  std::optional<std::string> string(const char* key, bool required) const {
    auto value = find(key);
    if (!value || value->is_null()) {
      if (required) fail("missing_field", std::string("'") + key + "' is required");
      return std::nullopt;
    }
    std::string_view s;
    if (value->get_string().get(s) != simdjson::SUCCESS) fail("wrong_type", std::string("'") + key + "' must be a string");
    return std::string(s);
  }

  std::string id(const char* key) const {
    std::string s = *string(key, true);
    if (s.empty() || s.size() > 128)
      fail("invalid_value", std::string("'") + key + "' must be 1 to 128 characters, not " + std::to_string(s.size()));
    return s;
  }

  std::optional<std::string> optional_id(const char* key) const {
    auto s = string(key, false);
    if (s && (s->empty() || s->size() > 128))
      fail("invalid_value", std::string("'") + key + "' must be 1 to 128 characters");
    return s;
  }

  std::string one_of(const char* key, std::initializer_list<std::string_view> allowed) const {
    std::string s = *string(key, true);
    for (auto a : allowed)
      if (s == a) return s;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : "|") + std::string(a);
    fail("invalid_value", std::string("'") + key + "' must be one of " + list + ", not '" + s.substr(0, 40) + "'");
  }

  std::optional<double> number(const char* key) const {
    auto value = find(key);
    if (!value || value->is_null()) return std::nullopt;
    double d;
    if (value->is_double()) {
      d = value->get_double().value_unsafe();
    } else if (value->is_int64()) {
      d = static_cast<double>(value->get_int64().value_unsafe());
    } else if (value->is_uint64()) {
      d = static_cast<double>(value->get_uint64().value_unsafe());
    } else {
      fail("wrong_type", std::string("'") + key + "' must be a number");
    }
    if (!std::isfinite(d)) fail("invalid_value", std::string("'") + key + "' must be finite");
    return d;
  }

  std::optional<std::int64_t> non_negative_int(const char* key) const {
    auto value = find(key);
    if (!value || value->is_null()) return std::nullopt;
    std::int64_t v;
    if (value->get_int64().get(v) != simdjson::SUCCESS) {
      if (value->is_double() || value->is_uint64()) fail("invalid_value", std::string("'") + key + "' must be a whole number of milliseconds");
      fail("wrong_type", std::string("'") + key + "' must be a number");
    }
    if (v < 0) fail("invalid_value", std::string("'") + key + "' must not be negative");
    return v;
  }

  std::optional<bool> boolean(const char* key) const {
    auto value = find(key);
    if (!value || value->is_null()) return std::nullopt;
    bool b;
    if (value->get_bool().get(b) != simdjson::SUCCESS) fail("wrong_type", std::string("'") + key + "' must be true or false");
    return b;
  }

  [[noreturn]] void fail(std::string code, std::string message) const {
    throw Rejected{EventRejection{std::move(code), std::move(message), event_id}};
  }

  std::optional<std::string> event_id;

 private:
  object obj_;
};

simdjson::dom::parser& thread_parser(std::size_t max_depth) {
  thread_local simdjson::dom::parser parser;
  thread_local std::size_t depth = 0;
  if (depth != max_depth) {
    parser = simdjson::dom::parser();
    if (parser.allocate(64 * 1024, max_depth) != simdjson::SUCCESS) depth = 0;
    else depth = max_depth;
  }
  return parser;
}

void read_customer(const FieldReader& r, CanonicalEvent& ev) {
  auto value = r.find("customer");
  if (!value || value->is_null()) return;
  object customer;
  if (value->get_object().get(customer) != simdjson::SUCCESS) r.fail("wrong_type", "'customer' must be an object");
  FieldReader c(customer);
  c.event_id = r.event_id;
  auto field = [&](const char* key) -> std::optional<std::string> {
    try {
      return c.string(key, false);
    } catch (Rejected& e) {
      e.rejection.message = "in customer: " + e.rejection.message;
      throw;
    }
  };
  ev.customer.phone = field("phone");
  ev.customer.email = field("email");
  ev.customer.account_id = field("account_id");
  ev.customer.name = field("name");
}

}  // namespace

ParsedEvent parse_canonical_event(std::string_view json, const EventLimits& limits) {
  if (json.size() > limits.max_message_bytes)
    return EventRejection{"too_large",
                          "the message is " + std::to_string(json.size()) + " bytes; the limit is " +
                              std::to_string(limits.max_message_bytes),
                          std::nullopt};
  if (json.size() >= 3 && json.substr(0, 3) == "\xEF\xBB\xBF") json.remove_prefix(3);  // a byte-order mark

  simdjson::dom::parser& parser = thread_parser(limits.max_depth);
  element root;
  simdjson::padded_string padded(json);
  auto error = parser.parse(padded).get(root);
  if (error == simdjson::DEPTH_ERROR)
    return EventRejection{"too_deep", "nested deeper than " + std::to_string(limits.max_depth) + " levels", std::nullopt};
  if (error != simdjson::SUCCESS)
    return EventRejection{"invalid_json", std::string("not valid JSON: ") + simdjson::error_message(error), std::nullopt};
  object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS)
    return EventRejection{"not_an_object", "an event must be a JSON object", std::nullopt};

  FieldReader r(obj);
  try {
    // The event id first, so that every later rejection can name it.
    {
      auto value = r.find("event_id");
      std::string_view s;
      if (value && value->get_string().get(s) == simdjson::SUCCESS && !s.empty() && s.size() <= 128)
        r.event_id = std::string(s);
    }
    CanonicalEvent ev;
    ev.event_id = r.id("event_id");
    ev.type_name = *r.string("type", true);
    ev.type = event_type_from_name(ev.type_name);
    ev.interaction_id = r.id("interaction_id");
    std::string ts = *r.string("ts", true);
    auto t = parse_rfc3339(ts);
    if (!t) r.fail("invalid_value", "'ts' must be an RFC 3339 time with an offset, e.g. 2026-11-22T10:00:00.000Z");
    ev.ts = *t;

    switch (ev.type) {
      case EventType::InteractionStarted:
        ev.channel = r.one_of("channel", {"voice", "chat", "email", "video"});
        ev.direction = r.one_of("direction", {"inbound", "outbound"});
        ev.queue = r.string("queue", false);
        read_customer(r, ev);
        ev.agent_id = r.optional_id("agent_id");
        ev.agent_name = r.string("agent_name", false);
        break;
      case EventType::AgentJoined:
        ev.agent_id = r.id("agent_id");
        ev.agent_name = r.string("agent_name", false);
        break;
      case EventType::AgentLeft:
        ev.agent_id = r.id("agent_id");
        break;
      case EventType::Utterance: {
        ev.speaker = r.one_of("speaker", {"customer", "agent"}) == "agent" ? Speaker::Agent : Speaker::Customer;
        ev.text = *r.string("text", true);
        ev.final = r.boolean("final").value_or(true);
        ev.sentiment = r.number("sentiment");
        if (ev.sentiment && (*ev.sentiment < -1.0 || *ev.sentiment > 1.0))
          r.fail("invalid_value", "'sentiment' must be between -1 and 1");
        ev.start_ms = r.non_negative_int("start_ms");
        ev.end_ms = r.non_negative_int("end_ms");
        break;
      }
      case EventType::Transfer:
        ev.to_agent_id = r.optional_id("to_agent_id");
        ev.to_queue = r.string("to_queue", false);
        break;
      case EventType::Dtmf:
        ev.digits = *r.string("digits", true);
        break;
      case EventType::InteractionEnded:
        ev.reason = r.string("reason", false);
        break;
      case EventType::HoldStarted:
      case EventType::HoldEnded:
      case EventType::Unknown:
        break;
    }
    return ev;
  } catch (const Rejected& e) {
    return e.rejection;
  }
}

bool parse_sync_control(std::string_view json, std::string& sync_id) {
  if (json.size() > 4096 || json.find("control.sync") == std::string_view::npos) return false;
  simdjson::dom::parser& parser = thread_parser(EventLimits{}.max_depth);
  element root;
  simdjson::padded_string padded(json);
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) return false;
  std::string_view type, id;
  if (root["type"].get_string().get(type) != simdjson::SUCCESS || type != "control.sync") return false;
  if (root["sync_id"].get_string().get(id) != simdjson::SUCCESS) id = "";
  sync_id = std::string(id.substr(0, 128));
  return true;
}

}  // namespace rightmoment
