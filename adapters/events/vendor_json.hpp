#pragma once
// Reading vendor JSON with simdjson: lookups that tolerate the letter-case and type variations seen in
// vendors' own samples (AWS: "Channel"/"channel", Twilio: numbers sent as strings).
#include <cctype>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "plugin/core/event_adapter.hpp"

namespace rightmoment::vendor {

using simdjson::dom::element;

// Parses text into doc; false with a rejection in out when it is not a JSON object.
inline bool parse_object(simdjson::dom::parser& parser, std::string_view text, element& doc, AdapterOutput& out,
                         std::size_t max_bytes) {
  if (text.size() > max_bytes) {
    out.rejections.push_back(EventRejection{"too_large", "the message is larger than " + std::to_string(max_bytes) + " bytes", std::nullopt});
    return false;
  }
  simdjson::padded_string padded(text);
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS) {
    out.rejections.push_back(EventRejection{"invalid_json", "not valid JSON", std::nullopt});
    return false;
  }
  if (!doc.is_object()) {
    out.rejections.push_back(EventRejection{"not_an_object", "a message must be a JSON object", std::nullopt});
    return false;
  }
  return true;
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// The member of an object named key, matched without regard to letter case.
inline std::optional<element> field(const element& obj, std::string_view key) {
  simdjson::dom::object o;
  if (obj.get_object().get(o) != simdjson::SUCCESS) return std::nullopt;
  element exact;
  if (o.at_key(key).get(exact) == simdjson::SUCCESS) return exact;
  for (auto [k, v] : o)
    if (iequals(k, key)) return v;
  return std::nullopt;
}

inline std::optional<element> path(element e, std::initializer_list<std::string_view> keys) {
  std::optional<element> cur = e;
  for (auto k : keys) {
    if (!cur) return std::nullopt;
    cur = field(*cur, k);
  }
  return cur;
}

// A string, or a number written as text (Twilio sends numbers as strings, others the reverse).
inline std::optional<std::string> text(const std::optional<element>& e) {
  if (!e) return std::nullopt;
  std::string_view s;
  if (e->get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  if (e->is_int64()) return std::to_string(e->get_int64().value_unsafe());
  if (e->is_uint64()) return std::to_string(e->get_uint64().value_unsafe());
  if (e->is_bool()) return e->get_bool().value_unsafe() ? "true" : "false";
  return std::nullopt;
}

inline std::optional<std::int64_t> integer(const std::optional<element>& e) {
  if (!e) return std::nullopt;
  if (e->is_int64()) return e->get_int64().value_unsafe();
  if (e->is_double()) return static_cast<std::int64_t>(e->get_double().value_unsafe());
  if (auto s = text(e)) {
    try {
      std::size_t used = 0;
      long long v = std::stoll(*s, &used);
      if (used == s->size()) return v;
    } catch (...) {
    }
  }
  return std::nullopt;
}

inline std::optional<bool> boolean(const std::optional<element>& e) {
  if (!e) return std::nullopt;
  if (e->is_bool()) return e->get_bool().value_unsafe();
  if (auto s = text(e)) {
    if (iequals(*s, "true")) return true;
    if (iequals(*s, "false")) return false;
  }
  return std::nullopt;
}

// ISO-8601 durations as AudioHook writes them: "PT12.34S", "PT1M2S", "PT0S".
inline std::optional<std::int64_t> duration_ms(std::string_view s) {
  if (s.size() < 3 || s.substr(0, 2) != "PT") return std::nullopt;
  double total = 0, number = 0, scale = 0;
  bool any = false;
  for (std::size_t i = 2; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      if (scale > 0) {
        number += (c - '0') * scale;
        scale /= 10;
      } else {
        number = number * 10 + (c - '0');
      }
      any = true;
    } else if (c == '.') {
      scale = 0.1;
    } else if (c == 'H' || c == 'M' || c == 'S') {
      total += number * (c == 'H' ? 3600 : c == 'M' ? 60 : 1);
      number = 0;
      scale = 0;
    } else {
      return std::nullopt;
    }
  }
  if (!any) return std::nullopt;
  return static_cast<std::int64_t>(total * 1000.0 + 0.5);
}

inline CanonicalEvent make_event(std::string event_id, EventType type, std::string interaction_id, EventTimeMs ts) {
  CanonicalEvent ev;
  ev.event_id = std::move(event_id);
  ev.type = type;
  ev.type_name = std::string(event_type_name(type));
  ev.interaction_id = std::move(interaction_id);
  ev.ts = ts;
  return ev;
}

// Ids must be 1..128 characters on the canonical side.
inline std::string clip_id(std::string id) {
  if (id.size() > 128) id.resize(128);
  return id;
}

}  // namespace rightmoment::vendor
