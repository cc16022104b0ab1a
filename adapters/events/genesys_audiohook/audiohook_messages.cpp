#include "adapters/events/genesys_audiohook/audiohook_messages.hpp"

#include <cctype>
#include <cmath>
#include <initializer_list>

namespace rightmoment::audiohook {
namespace {

// Member names are matched exactly, as the protocol writes them.
std::optional<element> member(const element& obj, std::string_view key) {
  element v;
  if (obj.at_key(key).get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}

std::optional<std::string_view> string_of(const std::optional<element>& e) {
  std::string_view s;
  if (!e || e->get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

// A JSON number that is a whole number (1 and 1.0 alike, as JavaScript reads them).
std::optional<double> whole_number(const std::optional<element>& e) {
  if (!e) return std::nullopt;
  if (e->is_int64()) return static_cast<double>(e->get_int64().value_unsafe());
  if (e->is_uint64()) return static_cast<double>(e->get_uint64().value_unsafe());
  if (e->is_double()) {
    double d = e->get_double().value_unsafe();
    if (std::isfinite(d) && std::floor(d) == d) return d;
  }
  return std::nullopt;
}

std::optional<std::int64_t> sequence_number(const std::optional<element>& e) {
  auto n = whole_number(e);
  if (!n || *n < 0 || *n > 9007199254740991.0) return std::nullopt;  // up to 2^53 - 1
  return static_cast<std::int64_t>(*n);
}

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

bool one_of(std::string_view s, std::initializer_list<std::string_view> allowed) {
  for (auto a : allowed)
    if (s == a) return true;
  return false;
}

// Required members must be there and pass; optional ones pass when present.
bool required_member(const element& obj, std::string_view key, bool (*check)(const element&)) {
  auto v = member(obj, key);
  return v && check(*v);
}
bool optional_member(const element& obj, std::string_view key, bool (*check)(const element&)) {
  auto v = member(obj, key);
  return !v || check(*v);
}

bool uuid_value(const element& e) { return string_of(e) && is_uuid(*string_of(e)); }
bool duration_value(const element& e) { return string_of(e) && is_duration(*string_of(e)); }
bool language_value(const element& e) { return string_of(e) && is_language_code(*string_of(e)); }
bool string_value(const element& e) { return e.is_string(); }
bool bool_value(const element& e) { return e.is_bool(); }
bool object_value(const element& e) { return e.is_object(); }
bool sequence_value(const element& e) { return sequence_number(e).has_value(); }

bool participant_value(const element& e) {
  return e.is_object() && required_member(e, "id", uuid_value) && required_member(e, "ani", string_value) &&
         required_member(e, "aniName", string_value) && required_member(e, "dnis", string_value);
}

bool media_format_value(const element& e) {
  if (!e.is_object()) return false;
  auto type = string_of(member(e, "type"));
  auto format = string_of(member(e, "format"));
  auto rate = whole_number(member(e, "rate"));
  simdjson::dom::array channels;
  auto ch = member(e, "channels");
  if (!type || *type != "audio" || !format || !one_of(*format, {"PCMU", "L16"}) || !rate || *rate != 8000 || !ch ||
      ch->get_array().get(channels) != simdjson::SUCCESS || channels.size() < 1 || channels.size() > 2)
    return false;
  for (element c : channels)
    if (!string_of(c) || !one_of(*string_of(c), {"external", "internal"})) return false;
  return true;
}

bool array_of(const element& e, bool (*check)(const element&)) {
  simdjson::dom::array list;
  if (e.get_array().get(list) != simdjson::SUCCESS) return false;
  for (element item : list)
    if (!check(item)) return false;
  return true;
}

bool media_list_value(const element& e) { return array_of(e, media_format_value); }

bool continued_session_value(const element& e) {
  return e.is_object() && required_member(e, "id", uuid_value) && required_member(e, "clientseq", sequence_value) &&
         required_member(e, "serverseq", sequence_value);
}
bool continued_sessions_value(const element& e) { return array_of(e, continued_session_value); }

bool close_reason_value(const element& e) {
  auto s = string_of(e);
  return s && one_of(*s, {"end", "error", "disconnect", "reconnect"});
}

bool error_code_value(const element& e) {
  auto n = whole_number(e);
  return n && *n >= 400 && *n < 10000;
}

bool entity_value(const element& e) { return e.is_object() && required_member(e, "type", string_value) && member(e, "data"); }
bool entities_value(const element& e) { return array_of(e, entity_value); }

}  // namespace

bool is_uuid(std::string_view s) {
  if (s == kNullUuid) return true;
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
  }
  char version = s[14], variant = s[19];
  return version >= '1' && version <= '5' && std::string_view("89abAB").find(variant) != std::string_view::npos;
}

bool is_duration(std::string_view s) {
  if (s.size() < 4 || s.substr(0, 2) != "PT" || s.back() != 'S') return false;
  std::string_view n = s.substr(2, s.size() - 3);
  std::size_t dot = n.find('.');
  if (dot != std::string_view::npos && n.find('.', dot + 1) != std::string_view::npos) return false;
  if (n.empty() || n.back() == '.') return false;  // at least one digit after any point
  for (char c : n)
    if (c != '.' && !std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

bool is_language_code(std::string_view s) {
  std::size_t dash = s.find('-');
  if (dash == std::string_view::npos || dash < 2 || dash > 3) return false;
  std::string_view region = s.substr(dash + 1);
  if (region.size() < 2 || region.size() > 3) return false;
  for (char c : s.substr(0, dash))
    if (c < 'a' || c > 'z') return false;
  for (char c : region)
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
  return true;
}

std::optional<ClientMessage> read_client_message(const element& doc) {
  if (!doc.is_object()) return std::nullopt;
  ClientMessage m;
  auto version = string_of(member(doc, "version"));
  auto id = string_of(member(doc, "id"));
  auto type = string_of(member(doc, "type"));
  auto seq = sequence_number(member(doc, "seq"));
  auto serverseq = sequence_number(member(doc, "serverseq"));
  auto position = string_of(member(doc, "position"));
  auto parameters = member(doc, "parameters");
  if (!version || *version != "2" || !id || !is_uuid(*id) || !type || !seq || !serverseq || !position ||
      !is_duration(*position) || !parameters || !parameters->is_object())
    return std::nullopt;
  m.type = *type;
  m.id = *id;
  m.seq = *seq;
  m.serverseq = *serverseq;
  m.position = *position;
  m.parameters = *parameters;
  return m;
}

ClientType client_type(std::string_view type) {
  if (type == "open") return ClientType::Open;
  if (type == "close") return ClientType::Close;
  if (type == "discarded") return ClientType::Discarded;
  if (type == "error") return ClientType::Error;
  if (type == "paused") return ClientType::Paused;
  if (type == "ping") return ClientType::Ping;
  if (type == "resumed") return ClientType::Resumed;
  if (type == "update") return ClientType::Update;
  if (type == "event") return ClientType::Event;
  return ClientType::Unknown;
}

bool valid_parameters(ClientType type, const element& p) {
  switch (type) {
    case ClientType::Open:
      return required_member(p, "organizationId", uuid_value) && required_member(p, "conversationId", uuid_value) &&
             required_member(p, "participant", participant_value) && required_member(p, "media", media_list_value) &&
             optional_member(p, "language", language_value) && optional_member(p, "supportedLanguages", bool_value) &&
             optional_member(p, "continuedSessions", continued_sessions_value) && optional_member(p, "customConfig", object_value);
    case ClientType::Close:
      return required_member(p, "reason", close_reason_value);
    case ClientType::Discarded:
    case ClientType::Resumed:
      return required_member(p, "start", duration_value) && required_member(p, "discarded", duration_value);
    case ClientType::Error:
      return required_member(p, "code", error_code_value) && required_member(p, "message", string_value) &&
             optional_member(p, "retryAfter", duration_value);
    case ClientType::Ping:
      return optional_member(p, "rtt", duration_value);
    case ClientType::Update:
      return required_member(p, "language", language_value);
    case ClientType::Event:
      return required_member(p, "entities", entities_value);
    case ClientType::Paused:
      return true;
    case ClientType::Unknown:
      return false;
  }
  return false;
}

std::optional<MediaFormat> first_offered_media(const element& open_parameters) {
  auto offered = member(open_parameters, "media");
  simdjson::dom::array list;
  if (!offered || offered->get_array().get(list) != simdjson::SUCCESS || list.size() == 0) return std::nullopt;
  element first = list.at(0).value_unsafe();
  MediaFormat m;
  m.json = simdjson::minify(first);
  m.format = std::string(string_of(member(first, "format")).value_or(""));
  simdjson::dom::array channels;
  if (auto ch = member(first, "channels"); ch && ch->get_array().get(channels) == simdjson::SUCCESS)
    for (element c : channels) m.channels.emplace_back(string_of(c).value_or(""));
  return m;
}

}  // namespace rightmoment::audiohook
